/**
 * Cold start: from process start to the first embedding of one LFW image.
 * Runs itself as a fresh process several times and prints, for each
 * backend, the medians of the wall time (spawn to exit, measured outside)
 * and of the phases measured inside: Deno's start to the first line, the
 * import of `@facever/model`, `FaceEngine.create`, reading and decoding
 * the image, and `embedImage` (detection, landmarks, alignment and
 * embedding). Children alternate between the backends, so that drift in
 * machine load hits them alike.
 *
 * ```sh
 * deno task bench:cold-start [--runs 7]
 * ```
 *
 * @module
 */

const started = performance.now();

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { median } from "./_statistics.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    child: { type: "string" },
    runs: { type: "string", default: "7" },
  },
});

/** The phases one child measured, in milliseconds. */
interface Phases {
  readonly backend: string;
  readonly firstLine: number;
  readonly importModel: number;
  readonly createEngine: number;
  readonly decode: number;
  readonly embed: number;
  readonly total: number;
}

async function child(file: string): Promise<Phases> {
  const firstLine = started;
  let last = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  const { FaceEngine, resolveBackend } = await import("@facever/model");
  const { decodeImage } = await import("@facever/core");
  const importModel = lap();
  const engine = await FaceEngine.create();
  const createEngine = lap();
  const pixels = await decodeImage(await Deno.readFile(file));
  const decode = lap();
  await engine.embedImage(pixels);
  const embed = lap();
  return {
    backend: await resolveBackend(),
    firstLine,
    importModel,
    createEngine,
    decode,
    embed,
    total: performance.now(),
  };
}

async function spawn(
  file: string,
  ffi: boolean,
): Promise<Phases & { wall: number }> {
  const args = [
    "run",
    "--allow-read",
    "--allow-env",
    ...(ffi ? ["--allow-ffi"] : []),
    fileURLToPath(import.meta.url),
    "--child",
    file,
  ];
  const start = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
  }).output();
  const wall = performance.now() - start;
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return { ...JSON.parse(new TextDecoder().decode(stdout)), wall };
}

if (values.child) {
  console.log(JSON.stringify(await child(values.child)));
} else {
  const { lfwRoot } = await import("@facever/testing");
  const root = lfwRoot();
  if (!root) {
    console.error(
      "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
    );
    Deno.exit(1);
  }
  const file = join(
    root,
    "images_deepfunneled",
    "Aaron_Peirsol",
    "Aaron_Peirsol_0001.jpg",
  );
  const results: Record<string, (Phases & { wall: number })[]> = {
    "native (--allow-ffi)": [],
    "wasm (no --allow-ffi)": [],
  };
  for (let i = 0; i < Number(values.runs); i++) {
    results["native (--allow-ffi)"].push(await spawn(file, true));
    results["wasm (no --allow-ffi)"].push(await spawn(file, false));
  }
  for (const [label, runs] of Object.entries(results)) {
    const phases = (
      [
        "wall",
        "total",
        "firstLine",
        "importModel",
        "createEngine",
        "decode",
        "embed",
      ] as const
    ).map((key) => `${key} ${median(runs.map((run) => run[key])).toFixed(0)}`);
    console.log(
      `${label}, backend ${runs[0].backend}, medians of ${runs.length} (ms): ${
        phases.join(", ")
      }`,
    );
  }
}
