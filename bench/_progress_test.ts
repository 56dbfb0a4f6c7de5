import assert from "node:assert/strict";
import { formatDuration, ProgressBar } from "./_progress.ts";

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(12.4), "12s");
  assert.equal(formatDuration(245), "4m05s");
  assert.equal(formatDuration(3725), "1h02m");
  assert.equal(formatDuration(-3), "0s");
});

Deno.test("ProgressBar", async (t) => {
  await t.step("without a terminal, one line per 10 %", () => {
    const lines: string[] = [];
    let now = 0;
    const bar = new ProgressBar("images", 100, {
      write: (text) => lines.push(text),
      terminal: false,
      now: () => now,
    });
    for (let done = 1; done <= 100; done++) {
      now = done * 50;
      bar.update(done);
    }
    bar.finish();
    assert.equal(lines.length, 11);
    assert.equal(
      lines[0],
      `images [###---------------------------] 10/100 10 % 20.0/s ETA 5s\n`,
    );
    assert.equal(lines[10], "images: 100/100 in 5s\n");
  });
  await t.step("on a terminal, redrawn in place at most every 250 ms", () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar("x", 10, {
      write: (text) => writes.push(text),
      terminal: true,
      now: () => now,
    });
    for (let done = 1; done <= 10; done++) {
      now = done * 100;
      bar.update(done);
    }
    // At 100 ms, 400 ms, 700 ms and 1000 ms (the last one always).
    assert.equal(writes.length, 4);
    assert.ok(writes.every((text) => text.startsWith("\r")));
  });
});
