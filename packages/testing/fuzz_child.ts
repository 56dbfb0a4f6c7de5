/**
 * The child's side of a fuzz run ({@linkcode runFuzzChild}): regenerates
 * the inputs from the seed, runs each through a pipeline such as
 * `facePipeline`, and reports its outcome and resident memory
 * (`Deno.memoryUsage().rss` sampled, and Linux's exact high-water mark
 * where it may read /proc) line by line to the supervisor of
 * `fuzz_runner.ts`.
 *
 * @module
 */
import { fuzzInputs, type FuzzPlanEntry } from "./image_fuzz.ts";
import type { FuzzResult } from "./fuzz_pipeline.ts";
import {
  type ChildLine,
  type ChildPlan,
  LINE_PREFIX,
} from "./_fuzz_protocol.ts";

/**
 * Linux's resident high-water mark of this process (VmHWM), if readable:
 * exact even across a synchronous wasm call that blocks every timer, which
 * the sampling misses. Deno lets only `--allow-all` read /proc.
 */
function highWaterMark(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/^VmHWM:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The child's side of {@linkcode runFuzz}: reads the plan whose path is
 * the last argument, runs every valid sample once (which loads each
 * decoder and the models, and gives the results the rechecks compare
 * against), reports the resident size then, and runs the inputs from the
 * plan's first, reporting each one's outcome and the resident size: the
 * peak so far of `Deno.memoryUsage().rss`, sampled every 5 ms and after
 * every input, and, where the child may read /proc (Linux, `--allow-all`),
 * the exact high-water mark since the warm-up.
 *
 * @example
 * ```ts ignore
 * import { facePipeline, runFuzzChild } from "@facever/testing";
 * import { FaceError } from "@facever/core";
 * import { FaceEngine } from "@facever/model";
 * const engine = await FaceEngine.create({ backend: "wasm" });
 * await runFuzzChild(
 *   facePipeline(engine, (e) => e instanceof FaceError ? e.code : undefined),
 * );
 * ```
 */
export async function runFuzzChild(
  pipeline: (bytes: Uint8Array) => Promise<FuzzResult>,
): Promise<void> {
  const plan: ChildPlan = JSON.parse(
    await Deno.readTextFile(Deno.args.at(-1)!),
  );
  const samples: FuzzPlanEntry[] = [];
  for (const { name, path, mutations } of plan.samples) {
    samples.push({ name, bytes: await Deno.readFile(path), mutations });
  }
  const report = (line: ChildLine) =>
    console.log(`${LINE_PREFIX}${JSON.stringify(line)}`);
  const results: Record<string, FuzzResult> = {};
  for (const sample of samples) {
    results[sample.name] = await pipeline(sample.bytes);
  }
  let peak = Deno.memoryUsage().rss;
  try {
    // Writing 5 resets the high-water mark to the resident size now, so
    // that it measures what comes after the warm-up.
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not --allow-all: the sampled peak stands alone.
  }
  report({ type: "warm", rss: peak, results });
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 5);
  try {
    let ran = 0;
    for (const input of fuzzInputs(samples, plan.seed)) {
      if (input.index < plan.from) continue;
      const start = performance.now();
      const { outcome, detail } = await pipeline(input.bytes);
      const ms = performance.now() - start;
      const rss = Deno.memoryUsage().rss;
      peak = Math.max(peak, rss);
      report({
        type: "input",
        index: input.index,
        sample: input.sample,
        outcome,
        detail,
        ms,
        rss,
        peak,
        highWaterMark: highWaterMark(),
      });
      if (++ran % plan.recheckEvery === 0) {
        const sample = samples.find((s) => s.name === input.sample)!;
        const again = await pipeline(sample.bytes);
        const before = results[sample.name];
        report({
          type: "recheck",
          sample: sample.name,
          after: input.index,
          detail: again.outcome === before.outcome &&
              again.signature === before.signature
            ? undefined
            : `first ${before.outcome} (${before.signature}), now ${again.outcome} (${
              again.signature ?? again.detail
            })`,
        });
      }
    }
  } finally {
    clearInterval(sampler);
  }
  report({ type: "end", peak, highWaterMark: highWaterMark() });
}
