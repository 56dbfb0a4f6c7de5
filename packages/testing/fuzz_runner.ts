/**
 * Runs damaged images through the whole face pipeline in a subprocess that
 * a supervisor watches: the supervisor ({@linkcode runFuzz}) writes the
 * samples and the plan, spawns the child, gives each input a deadline (a
 * synchronous decoder that loops forever blocks every timer of its own
 * process, so only another process can stop it), restarts the child after
 * a hang or a crash, and counts outcomes; the child ({@linkcode runFuzzChild})
 * regenerates the inputs from the seed, runs each through a pipeline such
 * as {@linkcode facePipeline}, and reports its outcome and resident memory
 * (`Deno.memoryUsage().rss` sampled, and Linux's exact high-water mark
 * where it may read /proc) line by line.
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

/**
 * What {@linkcode facePipeline} reads of a face.
 *
 * @example
 * ```ts
 * import type { FuzzFace } from "@facever/testing";
 * const face: FuzzFace = {
 *   box: { x: 1, y: 2, width: 30, height: 40 },
 *   score: 0.9,
 *   landmarks: [],
 * };
 * console.log(face.score);
 * ```
 */
export interface FuzzFace {
  readonly box: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
  readonly score: number;
  readonly landmarks: readonly { readonly x: number; readonly y: number }[];
  readonly embedding?: ArrayLike<number>;
}

/**
 * The two calls of a face engine that {@linkcode facePipeline} drives
 * (`FaceEngine` of `@facever/model` has them).
 *
 * @example
 * ```ts
 * import type { FuzzEngine } from "@facever/testing";
 * const blind: FuzzEngine = {
 *   analyze: () => Promise.resolve({ width: 1, height: 1, faces: [] }),
 *   embedImage: () => Promise.reject(new Error("no face")),
 * };
 * console.log((await blind.analyze(new Uint8Array())).faces.length); // 0
 * ```
 */
export interface FuzzEngine {
  analyze(bytes: Uint8Array): Promise<{
    readonly width: number;
    readonly height: number;
    readonly faces: readonly FuzzFace[];
  }>;
  embedImage(bytes: Uint8Array): Promise<FuzzFace>;
}

/**
 * What one input did: an outcome (see {@linkcode FUZZ_BUGS} for those
 * that are bugs), what went wrong when it is one, and, for a decoded
 * image, a short signature of the result, equal for equal results.
 *
 * @example
 * ```ts
 * import type { FuzzResult } from "@facever/testing";
 * const refused: FuzzResult = { outcome: "truncated_image" };
 * console.log(refused.outcome);
 * ```
 */
export interface FuzzResult {
  /**
   * `"faces"` or `"no faces"` for a decoded image, the error's code for
   * a typed error, or one of {@linkcode FUZZ_BUGS}.
   */
  readonly outcome: string;
  readonly detail?: string;
  readonly signature?: string;
}

/**
 * The outcomes that are bugs: an error that is not one of ours
 * (`"untyped"`), a result that breaks the API's promises (`"invalid
 * result"`: a non-finite or non-unit embedding, a box outside the image,
 * …), `analyze` and `embedImage` disagreeing on one input
 * (`"inconsistent"`), an input that did not return in time (`"timeout"`),
 * the process dying (`"crash"`), and a valid sample that no longer gives
 * its first result after damaged ones (`"valid changed"`).
 *
 * @example
 * ```ts
 * import { FUZZ_BUGS } from "@facever/testing";
 * console.log(FUZZ_BUGS.includes("timeout")); // true
 * ```
 */
export const FUZZ_BUGS: readonly string[] = [
  "untyped",
  "invalid result",
  "inconsistent",
  "timeout",
  "crash",
  "valid changed",
];

type Attempt<T> =
  | { readonly value: T }
  | { readonly code: string }
  | { readonly untyped: string };

async function attempt<T>(
  call: () => Promise<T>,
  codeOf: (error: unknown) => string | undefined,
): Promise<Attempt<T>> {
  try {
    return { value: await call() };
  } catch (error) {
    const code = codeOf(error);
    if (code !== undefined) return { code };
    return {
      untyped: error instanceof Error
        ? error.stack ?? String(error)
        : String(error),
    };
  }
}

const finite = (...values: number[]) => values.every(Number.isFinite);

/** What breaks the promises of the face API in one face of a w x h image. */
function faceProblems(face: FuzzFace, width: number, height: number) {
  const problems: string[] = [];
  const { x, y, width: w, height: h } = face.box;
  // Boxes are clipped to the image; a hair of float error is allowed.
  const slack = 1e-6;
  if (
    !finite(x, y, w, h) || x < 0 || y < 0 || w <= 0 || h <= 0 ||
    x + w > width + slack || y + h > height + slack
  ) {
    problems.push(
      `box ${JSON.stringify(face.box)} empty or outside ${width}x${height}`,
    );
  }
  if (!(face.score >= 0 && face.score <= 1)) {
    problems.push(`score ${face.score}`);
  }
  if (
    face.landmarks.length !== 5 ||
    !face.landmarks.every((p) => finite(p.x, p.y))
  ) {
    problems.push(`landmarks ${JSON.stringify(face.landmarks)}`);
  }
  if (face.embedding) {
    let sum = 0;
    for (let i = 0; i < face.embedding.length; i++) {
      sum += face.embedding[i] ** 2;
    }
    // NaN or Infinity anywhere makes the norm fail this too.
    const norm = Math.sqrt(sum);
    if (!(Math.abs(norm - 1) <= 1e-3)) {
      problems.push(`embedding of norm ${norm}`);
    }
  }
  return problems;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/**
 * The pipeline a fuzz run drives: `engine.analyze` (decode, detect, embed
 * every face) and `engine.embedImage` (the largest face) on the same
 * bytes, and what came out. Either call failing with an error that
 * `codeOf` does not recognise is `"untyped"`; both must fail with the same
 * code, or both find a face (the same one, embedded alike) or none; every
 * face must be inside the image with a finite score, five finite
 * landmarks and a unit-length embedding.
 *
 * @example
 * ```ts
 * import { facePipeline, type FuzzEngine } from "@facever/testing";
 * class Refused extends Error {}
 * const engine: FuzzEngine = {
 *   analyze: () => Promise.reject(new Refused()),
 *   embedImage: () => Promise.reject(new Refused()),
 * };
 * const run = facePipeline(engine, (e) => e instanceof Refused ? "refused" : undefined);
 * console.log((await run(new Uint8Array(3))).outcome); // "refused"
 * ```
 */
export function facePipeline(
  engine: FuzzEngine,
  codeOf: (error: unknown) => string | undefined,
): (bytes: Uint8Array) => Promise<FuzzResult> {
  return async (bytes) => {
    const all = await attempt(() => engine.analyze(bytes), codeOf);
    const one = await attempt(() => engine.embedImage(bytes), codeOf);
    if ("untyped" in all) {
      return { outcome: "untyped", detail: `analyze: ${all.untyped}` };
    }
    if ("untyped" in one) {
      return { outcome: "untyped", detail: `embedImage: ${one.untyped}` };
    }
    if ("code" in all) {
      return "code" in one && one.code === all.code ? { outcome: all.code } : {
        outcome: "inconsistent",
        detail: `analyze refused it (${all.code}), embedImage gave ${
          "code" in one ? one.code : "a face"
        }`,
      };
    }
    const { width, height, faces } = all.value;
    const problems = Number.isInteger(width) && Number.isInteger(height) &&
        width > 0 && height > 0
      ? faces.flatMap((face) => faceProblems(face, width, height))
      : [`size ${width}x${height}`];
    const areas = faces.map(({ box }) => box.width * box.height);
    if (areas.some((area, i) => i > 0 && area > areas[i - 1])) {
      problems.push("faces not largest first");
    }
    if (faces.some((face) => !face.embedding)) {
      problems.push("a face without an embedding");
    }
    if ("value" in one) {
      problems.push(...faceProblems(one.value, width, height));
      if (!one.value.embedding) problems.push("embedImage gave no embedding");
    }
    if (problems.length > 0) {
      return { outcome: "invalid result", detail: problems.join("; ") };
    }
    if (faces.length === 0) {
      return "code" in one && one.code === "no_face"
        ? { outcome: "no faces", signature: `${width}x${height}, no faces` }
        : {
          outcome: "inconsistent",
          detail: `analyze found no face, embedImage gave ${
            "code" in one ? one.code : "a face"
          }`,
        };
    }
    if (!("value" in one)) {
      return {
        outcome: "inconsistent",
        detail: `analyze found ${faces.length} faces, embedImage ${one.code}`,
      };
    }
    const similarity = cosine(one.value.embedding!, faces[0].embedding!);
    if (similarity < 0.999) {
      return {
        outcome: "inconsistent",
        detail: `embedImage's face ${
          JSON.stringify(one.value.box)
        } is not analyze's largest ${
          JSON.stringify(faces[0].box)
        } (cosine ${similarity})`,
      };
    }
    const first = Array.from(faces[0].embedding!).slice(0, 4)
      .map((v) => v.toFixed(5));
    return {
      outcome: "faces",
      signature: `${width}x${height}, ${faces.length} faces, ${first}`,
    };
  };
}

/** Where the child finds its work: written by the supervisor. */
interface ChildPlan {
  readonly seed: number;
  /** The first input to run (inputs before it ran in an earlier child). */
  readonly from: number;
  /** Re-run a valid sample after this many inputs. */
  readonly recheckEvery: number;
  readonly samples: readonly {
    name: string;
    path: string;
    mutations: number;
  }[];
}

/** One line of the child's report, after {@linkcode LINE_PREFIX}. */
type ChildLine =
  | { type: "warm"; rss: number; results: Record<string, FuzzResult> }
  | {
    type: "input";
    index: number;
    sample: string;
    outcome: string;
    detail?: string;
    ms: number;
    rss: number;
    peak: number;
    highWaterMark?: number;
  }
  | { type: "recheck"; sample: string; after: number; detail?: string }
  | { type: "end"; peak: number; highWaterMark?: number };

/** Marks the child's report lines among whatever else it prints. */
const LINE_PREFIX = "FUZZ\t";

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
