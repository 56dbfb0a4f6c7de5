import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runFuzz } from "./fuzz_runner.ts";
import { fuzzInputs, type FuzzPlanEntry } from "./image_fuzz.ts";
import { planned } from "./_test_fuzz_child.ts";

Deno.test({
  name: "runFuzz: counts outcomes, survives hangs and crashes, goes on",
  // The children are awaited to their end (or killed).
  sanitizeResources: false,
  fn: async () => {
    // Samples whose own bytes neither hang nor crash the stand-in.
    const sample = (name: string, seed: number): FuzzPlanEntry => {
      const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * seed) & 255);
      while (["hang", "crash"].includes(planned(bytes))) bytes[0]++;
      return { name, bytes, mutations: 40 };
    };
    const plan = [sample("a", 7), sample("b", 13)];
    const expected: Record<string, Record<string, number>> = {};
    const hangs: number[] = [], crashes: number[] = [];
    for (const input of fuzzInputs(plan, 5)) {
      const what = planned(input.bytes);
      const outcome = what === "hang"
        ? "timeout"
        : what === "crash"
        ? "crash"
        : what;
      const row = expected[input.sample] ??= {};
      row[outcome] = (row[outcome] ?? 0) + 1;
      if (what === "hang") hangs.push(input.index);
      if (what === "crash") crashes.push(input.index);
    }
    assert.ok(
      hangs.length > 0 && crashes.length > 0,
      "the seed must find both",
    );
    const report = await runFuzz({
      command: [
        Deno.execPath(),
        "run",
        "--allow-read",
        fileURLToPath(new URL("_test_fuzz_child.ts", import.meta.url)),
      ],
      plan,
      seed: 5,
      timeoutMs: 1500,
      recheckEvery: 10,
    });
    assert.deepEqual(report.counts, expected);
    assert.equal(report.inputs, 80);
    assert.equal(report.children, 1 + hangs.length + crashes.length);
    assert.deepEqual(
      report.bugs.map((bug) => [bug.index, bug.outcome]).sort((x, y) =>
        x[0] as number - (y[0] as number)
      ),
      [
        ...hangs.map((index) => [index, "timeout"]),
        ...crashes.map((index) => [index, "crash"]),
      ].sort((x, y) => x[0] as number - (y[0] as number)),
    );
    const crash = report.bugs.find((bug) => bug.outcome === "crash")!;
    assert.match(crash.detail, /^exit code 9/);
    assert.ok(report.rechecks > 0);
    assert.ok(report.warmRss > 0 && report.peakRss >= report.warmRss);
    assert.equal(report.samples.a.outcome, planned(plan[0].bytes));
  },
});
