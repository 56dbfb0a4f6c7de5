import assert from "node:assert/strict";
import { ProgressBar, type ProgressOutput } from "./mod.ts";

/** An output that keeps every write, and a clock the test moves. */
function recorder(terminal: boolean) {
  const writes: string[] = [];
  const output: ProgressOutput = {
    writeSync: (bytes) => {
      writes.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
    isTerminal: () => terminal,
  };
  const clock = { now: 0 };
  return { writes, output, clock, now: () => clock.now };
}

Deno.test("ProgressBar", async (t) => {
  await t.step("without a terminal, one line per 10 %, then the end", () => {
    const { writes, output, clock, now } = recorder(false);
    const bar = new ProgressBar("images", 100, { output, now });
    for (let done = 1; done <= 100; done++) {
      clock.now = done * 50;
      bar.update(done, `ok ${done}`);
    }
    bar.finish("ok 100");
    assert.equal(writes.length, 11);
    assert.equal(
      writes[0],
      "images [##------------------]  10%  10/100  ok 10  20.0/s  ETA 5s\n",
    );
    assert.equal(
      writes[9],
      "images [####################] 100%  100/100  ok 100  20.0/s  ETA 0s\n",
    );
    assert.equal(writes[10], "images: 100/100 in 5s  ok 100\n");
  });

  await t.step("on a terminal, redrawn in place at most every 250 ms", () => {
    const { writes, output, clock, now } = recorder(true);
    const bar = new ProgressBar("x", 10, { output, now });
    for (let done = 1; done <= 10; done++) {
      clock.now = done * 100;
      bar.update(done);
    }
    // At 100 ms, 400 ms, 700 ms and 1000 ms (the last one always).
    assert.equal(writes.length, 4);
    assert.ok(writes.every((text) => text.startsWith("\r")));
    assert.ok(writes.every((text) => text.endsWith("\x1b[K")));
    bar.finish();
    assert.equal(writes[4], "\rx: 10/10 in 1s\x1b[K\n");
  });

  await t.step("the ETA follows the pace so far", () => {
    const { writes, output, clock, now } = recorder(false);
    const bar = new ProgressBar("slow", 10, { output, now });
    clock.now = 245_000;
    bar.update(1);
    // 1 in 245 s: 9 more take 2,205 s.
    assert.equal(
      writes[0],
      "slow [##------------------]  10%  1/10  0.0/s  ETA 36m45s\n",
    );
  });

  await t.step("durations read as 12s, 4m05s, 1h02m", () => {
    const ended = (ms: number) => {
      const { writes, output, clock, now } = recorder(false);
      const bar = new ProgressBar("run", 0, { output, now });
      clock.now = ms;
      bar.finish();
      return writes[0];
    };
    assert.equal(ended(12_400), "run: 0/0 in 12s\n");
    assert.equal(ended(245_000), "run: 0/0 in 4m05s\n");
    assert.equal(ended(3_725_000), "run: 0/0 in 1h02m\n");
    assert.equal(ended(-3_000), "run: 0/0 in 0s\n");
  });

  await t.step("an empty run is complete at once", () => {
    const { writes, output, now } = recorder(false);
    new ProgressBar("none", 0, { output, now }).update(0);
    assert.equal(
      writes[0],
      "none [####################] 100%  0/0  0.0/s  ETA 0s\n",
    );
  });

  await t.step("bad arguments are the program's: Type- and RangeErrors", () => {
    assert.throws(() => new ProgressBar("x", -1), RangeError);
    assert.throws(() => new ProgressBar("x", 1.5), RangeError);
    assert.throws(
      () => new ProgressBar("x", "10" as unknown as number),
      TypeError,
    );
    assert.throws(
      () => new ProgressBar(7 as unknown as string, 10),
      TypeError,
    );
    const { output } = recorder(false);
    const bar = new ProgressBar("x", 10, { output });
    assert.throws(
      () => bar.update(11),
      /^RangeError: done must be a whole number from 0 to 10, got 11$/,
    );
  });
});
