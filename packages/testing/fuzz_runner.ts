/**
 * The supervisor's side of a fuzz run ({@linkcode runFuzz}): runs damaged
 * images through the whole face pipeline in a subprocess that it watches.
 * It writes the samples and the plan, spawns the child (`fuzz_child.ts`),
 * gives each input a deadline (a synchronous decoder that loops forever
 * blocks every timer of its own process, so only another process can stop
 * it), restarts the child after a hang or a crash, and counts outcomes
 * (`fuzz_pipeline.ts` says which are bugs).
 *
 * It imports nothing of ours: the caller hands in its engine and tells
 * which errors are typed.
 *
 * @module
 */
import { join } from "node:path";
import {
  type FuzzInput,
  fuzzInputs,
  type FuzzPlanEntry,
} from "./image_fuzz.ts";
import { FUZZ_BUGS, type FuzzResult } from "./fuzz_pipeline.ts";
import {
  type ChildLine,
  type ChildPlan,
  LINE_PREFIX,
} from "./_fuzz_protocol.ts";

/**
 * What {@linkcode runFuzz} runs.
 *
 * @example
 * ```ts
 * import type { FuzzRunOptions } from "@facever/testing";
 * const options: FuzzRunOptions = {
 *   command: [Deno.execPath(), "run", "--allow-read", "child.ts"],
 *   plan: [],
 *   seed: 1,
 *   timeoutMs: 10_000,
 * };
 * console.log(options.seed);
 * ```
 */
export interface FuzzRunOptions {
  /** The child: program and arguments; the plan file's path is appended. */
  readonly command: readonly string[];
  /** The samples and how many mutations of each. */
  readonly plan: readonly FuzzPlanEntry[];
  readonly seed: number;
  /** Deadline of one input, in milliseconds. */
  readonly timeoutMs: number;
  /** Deadline of the child's start and warm-up; default 5 minutes. */
  readonly warmUpTimeoutMs?: number;
  /** Re-run a valid sample after this many inputs; default 25. */
  readonly recheckEvery?: number;
  /**
   * Where the samples and the plan are written for the child (in a
   * temporary folder made inside it and removed after); default the
   * system's temporary folder.
   */
  readonly workDir?: string;
  /** Where to save each input that found a bug, for replaying it. */
  readonly saveBugsTo?: string;
  /** Told after every input. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * An input (or a recheck after it) that found a bug.
 *
 * @example
 * ```ts
 * import type { FuzzBug } from "@facever/testing";
 * const show = (bug: FuzzBug) => `${bug.sample} ${bug.what}: ${bug.outcome}`;
 * console.log(typeof show);
 * ```
 */
export interface FuzzBug {
  readonly index: number;
  readonly sample: string;
  readonly what: string;
  /** One of {@linkcode FUZZ_BUGS}. */
  readonly outcome: string;
  readonly detail: string;
  /** Where it was saved, with {@linkcode FuzzRunOptions.saveBugsTo}. */
  readonly file?: string;
}

/**
 * What {@linkcode runFuzz} found. Memory is that of the child: its
 * resident size after the warm-up (the models and every decoder loaded,
 * each valid sample run once) and its peak after it, sampled and, where
 * readable, exact.
 *
 * @example
 * ```ts
 * import type { FuzzReport } from "@facever/testing";
 * const growth = (report: FuzzReport) => report.peakRss - report.warmRss;
 * console.log(typeof growth);
 * ```
 */
export interface FuzzReport {
  readonly inputs: number;
  /** Sample name → outcome → inputs. */
  readonly counts: Record<string, Record<string, number>>;
  /** The valid samples' own results, from the warm-up. */
  readonly samples: Record<string, FuzzResult>;
  readonly bugs: readonly FuzzBug[];
  readonly rechecks: number;
  /** Resident bytes after the warm-up (of the child whose growth was largest). */
  readonly warmRss: number;
  /**
   * Peak of `Deno.memoryUsage().rss` after the warm-up, sampled every 5 ms
   * and after every input (same child): a synchronous wasm call blocks the
   * sampling, so a peak inside one is missed.
   */
  readonly peakRss: number;
  /**
   * Linux's VmHWM after the warm-up (same child): the exact peak, where
   * the child could read /proc (run with `--allow-all`).
   */
  readonly highWaterMark?: number;
  /** Children started: one, plus one after every hang or crash. */
  readonly children: number;
  /** The slowest input. */
  readonly slowest?: {
    readonly index: number;
    readonly sample: string;
    readonly ms: number;
  };
  readonly ms: number;
}

/**
 * A byte stream (a child's stdout) as lines of text, without their
 * newlines.
 *
 * @example
 * ```ts
 * import { textLines } from "@facever/testing";
 * const bytes = new Blob(["a\nb\n"]).stream();
 * console.log(await Array.fromAsync(textLines(bytes))); // ["a", "b"]
 * ```
 */
export function textLines(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
): ReadableStream<string> {
  let pending = "";
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      transform(chunk, controller) {
        const parts = (pending + chunk).split("\n");
        pending = parts.pop()!;
        for (const part of parts) controller.enqueue(part);
      },
      flush(controller) {
        if (pending) controller.enqueue(pending);
      },
    }),
  );
}

/**
 * What {@linkcode nextLineWithin} read: a line, the end of the stream, or
 * nothing before the deadline.
 *
 * @example
 * ```ts
 * import type { LineRead } from "@facever/testing";
 * const text = (read: LineRead) => read.kind === "line" ? read.line : "";
 * console.log(text({ kind: "closed" }) === ""); // true
 * ```
 */
export type LineRead =
  | { readonly kind: "line"; readonly line: string }
  | { readonly kind: "closed" }
  | { readonly kind: "timeout" };

/**
 * The next line of `reader`, unless `ms` milliseconds pass first: how a
 * test waits for a child that may hang without hanging itself.
 *
 * @example
 * ```ts
 * import { nextLineWithin, textLines } from "@facever/testing";
 * const reader = textLines(new Blob(["ready\n"]).stream()).getReader();
 * console.log(await nextLineWithin(reader, 1000)); // { kind: "line", line: "ready" }
 * console.log(await nextLineWithin(reader, 1000)); // { kind: "closed" }
 * ```
 */
export async function nextLineWithin(
  reader: ReadableStreamDefaultReader<string>,
  ms: number,
): Promise<LineRead> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<LineRead>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), ms);
  });
  const read = reader.read().then((result): LineRead =>
    result.done ? { kind: "closed" } : { kind: "line", line: result.value }
  );
  try {
    return await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The child's next report line, skipping whatever else it printed. */
async function nextReport(
  reader: ReadableStreamDefaultReader<string>,
  ms: number,
): Promise<ChildLine | "timeout" | "closed"> {
  const deadline = performance.now() + ms;
  while (true) {
    const read = await nextLineWithin(
      reader,
      Math.max(0, deadline - performance.now()),
    );
    if (read.kind !== "line") return read.kind;
    if (read.line.startsWith(LINE_PREFIX)) {
      return JSON.parse(read.line.slice(LINE_PREFIX.length));
    }
  }
}

/**
 * The input at `index`, regenerated from the seed: only its own sample's
 * mutations are made again, since each sample's sequence is its own.
 */
function inputAt(
  plan: readonly FuzzPlanEntry[],
  seed: number,
  index: number,
): FuzzInput {
  let at = 0;
  for (let round = 0; at <= index; round++) {
    for (const entry of plan) {
      if (round >= entry.mutations || at++ !== index) continue;
      for (const input of fuzzInputs([entry], seed)) {
        if (input.index === round) return { ...input, index };
      }
    }
  }
  throw new RangeError(`no input ${index}`);
}

/**
 * Runs every mutation of the plan through a child process (see
 * {@linkcode runFuzzChild}), each under a deadline: a child that misses
 * one is killed and the input counted as `"timeout"`, one that dies
 * counts its input as `"crash"`; either way a new child goes on with the
 * next input. Counts every outcome by sample, and tells the bugs (see
 * {@linkcode FUZZ_BUGS}) with the mutation that found each.
 *
 * @throws {Error} When a child fails before its first input (a valid
 * sample hangs or crashes it, or it cannot start).
 *
 * @example
 * ```ts ignore
 * import { formatSamples, runFuzz } from "@facever/testing";
 * const samples = await formatSamples();
 * const report = await runFuzz({
 *   command: [Deno.execPath(), "run", "--allow-read", "fuzz_child.ts"],
 *   plan: samples.map((sample) => ({ ...sample, mutations: 10 })),
 *   seed: 1,
 *   timeoutMs: 10_000,
 * });
 * console.log(report.counts, report.bugs);
 * ```
 */
export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const { plan, seed, timeoutMs } = options;
  const total = plan.reduce((n, entry) => n + entry.mutations, 0);
  const start = performance.now();
  const dir = await Deno.makeTempDir({
    dir: options.workDir,
    prefix: "facever_fuzz_",
  });
  const counts: Record<string, Record<string, number>> = {};
  const bugs: FuzzBug[] = [];
  let samples: Record<string, FuzzResult> = {};
  let rechecks = 0, children = 0, done = 0;
  let warmRss = 0, peakRss = 0, highWater: number | undefined;
  /** Whether this child grew more than the one reported so far. */
  const grewMost = (warm: number, peak: number, hwm?: number) =>
    Math.max(peak, hwm ?? 0) - warm >=
      Math.max(peakRss, highWater ?? 0) - warmRss;
  let slowest: FuzzReport["slowest"];
  const count = (sample: string, outcome: string) => {
    const row = counts[sample] ??= {};
    row[outcome] = (row[outcome] ?? 0) + 1;
  };
  const bug = async (
    index: number,
    outcome: string,
    detail: string,
    input = inputAt(plan, seed, index),
  ) => {
    let file: string | undefined;
    if (options.saveBugsTo) {
      await Deno.mkdir(options.saveBugsTo, { recursive: true });
      file = join(
        options.saveBugsTo,
        `${index}-${input.sample.replace(/\W+/g, "_")}`,
      );
      await Deno.writeFile(file, input.bytes);
    }
    bugs.push({
      index,
      sample: input.sample,
      what: input.what,
      outcome,
      detail,
      file,
    });
  };
  try {
    const samplePaths = await Promise.all(plan.map(async (entry, i) => {
      const path = join(dir, `sample-${i}`);
      await Deno.writeFile(path, entry.bytes);
      return { name: entry.name, path, mutations: entry.mutations };
    }));
    let from = 0;
    while (from < total) {
      const planFile = join(dir, "plan.json");
      const childPlan: ChildPlan = {
        seed,
        from,
        recheckEvery: options.recheckEvery ?? 25,
        samples: samplePaths,
      };
      await Deno.writeTextFile(planFile, JSON.stringify(childPlan));
      const [program, ...args] = options.command;
      const child = new Deno.Command(program, {
        args: [...args, planFile],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      children++;
      let stderr = "";
      const stderrDone = child.stderr.pipeThrough(new TextDecoderStream())
        .pipeTo(
          new WritableStream({
            write(chunk) {
              stderr = (stderr + chunk).slice(-4000);
            },
          }),
        );
      const reader = textLines(child.stdout).getReader();
      let last = from - 1;
      let childWarm = 0, childPeak = 0;
      let childHwm: number | undefined;
      let ended = false;
      const warm = await nextReport(reader, options.warmUpTimeoutMs ?? 300_000);
      if (typeof warm === "string" || warm.type !== "warm") {
        if (warm === "timeout") child.kill("SIGKILL");
        await child.status;
        await reader.cancel();
        await stderrDone;
        throw new Error(
          `the fuzz child failed before its first input (${
            typeof warm === "string" ? warm : warm.type
          }): ${stderr}`,
        );
      }
      samples = warm.results;
      childWarm = childPeak = warm.rss;
      while (true) {
        const line = await nextReport(reader, timeoutMs);
        if (line === "timeout" || line === "closed") {
          if (line === "timeout") child.kill("SIGKILL");
          const status = await child.status;
          if (last + 1 < total) {
            const outcome = line === "timeout" ? "timeout" : "crash";
            const input = inputAt(plan, seed, last + 1);
            count(input.sample, outcome);
            await bug(
              last + 1,
              outcome,
              line === "timeout"
                ? `no answer in ${timeoutMs} ms`
                : `exit code ${status.code}: ${stderr}`,
              input,
            );
            options.onProgress?.(++done, total);
          }
          from = last + 2;
          break;
        }
        if (line.type === "input") {
          last = line.index;
          childPeak = Math.max(childPeak, line.peak);
          if (line.highWaterMark !== undefined) {
            childHwm = Math.max(childHwm ?? 0, line.highWaterMark);
          }
          const { sample } = line;
          count(sample, line.outcome);
          if (FUZZ_BUGS.includes(line.outcome)) {
            await bug(line.index, line.outcome, line.detail ?? "");
          }
          if (!slowest || line.ms > slowest.ms) {
            slowest = { index: line.index, sample, ms: line.ms };
          }
          options.onProgress?.(++done, total);
        } else if (line.type === "recheck") {
          rechecks++;
          if (line.detail) await bug(line.after, "valid changed", line.detail);
        } else if (line.type === "end") {
          childPeak = Math.max(childPeak, line.peak);
          if (line.highWaterMark !== undefined) {
            childHwm = Math.max(childHwm ?? 0, line.highWaterMark);
          }
          ended = true;
          const status = await child.status;
          if (!status.success) {
            throw new Error(
              `the fuzz child exited with ${status.code}: ${stderr}`,
            );
          }
          break;
        }
      }
      if (grewMost(childWarm, childPeak, childHwm)) {
        warmRss = childWarm;
        peakRss = childPeak;
        highWater = childHwm;
      }
      await reader.cancel();
      await stderrDone;
      if (ended) break;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return {
    inputs: total,
    counts,
    samples,
    bugs,
    rechecks,
    warmRss,
    peakRss,
    highWaterMark: highWater,
    children,
    slowest,
    ms: performance.now() - start,
  };
}
