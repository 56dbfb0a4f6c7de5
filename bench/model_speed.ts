/**
 * Times one face (batch 1) through each bundled model on three paths, in
 * one process, rounds alternating between them so that drift in machine
 * load hits them alike, in rotating order: `OnnxModel` on the native backend, onnxruntime-node
 * called directly with the same session options, and `OnnxModel` on wasm.
 * Prints the medians and the ratio of the first two, which the native
 * backend keeps within 1.1.
 *
 * ```sh
 * deno task bench:model
 * ```
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { OnnxModel } from "@facever/model";
import { DETECTOR_URL, EMBEDDER_URL, LANDMARKER_URL } from "@facever/weights";
import { median } from "./_statistics.ts";

const WARM_UP = 10;
const RUNS = 301;

const MODELS = [
  { name: "mobilefacenet", url: EMBEDDER_URL, dims: [1, 3, 112, 112] },
  { name: "face_detector", url: DETECTOR_URL, dims: [1, 3, 240, 320] },
  { name: "face_landmark68", url: LANDMARKER_URL, dims: [1, 1, 64, 64] },
] as const;

/** Image-like input: smooth, in the models' normalised range. */
function input(dims: readonly number[]): Float32Array {
  const size = dims.reduce((a, b) => a * b, 1);
  return new Float32Array(size).map((_, i) =>
    0.8 * Math.sin(i / 37) * Math.cos(i / 301)
  );
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

for (const { name, url, dims } of MODELS) {
  const data = input(dims);
  const native = await OnnxModel.load(url, { backend: "native" });
  const wasm = await OnnxModel.load(url, { backend: "wasm" });
  const direct = await ort.InferenceSession.create(await Deno.readFile(url), {
    executionProviders: ["cpu"],
    executionMode: "sequential",
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const paths = {
    "OnnxModel native": () =>
      native.run({ [native.inputNames[0]]: { data, dims } }),
    "onnxruntime-node direct": () =>
      direct.run({
        [direct.inputNames[0]]: new ort.Tensor("float32", data, dims),
      }),
    "OnnxModel wasm": () => wasm.run({ [wasm.inputNames[0]]: { data, dims } }),
  };
  const times = Object.fromEntries(
    Object.keys(paths).map((label) => [label, [] as number[]]),
  );
  const order = Object.entries(paths);
  for (let round = 0; round < WARM_UP + RUNS; round++) {
    // Each path follows each other path equally often, so that what one
    // leaves in the caches favours none.
    for (let k = 0; k < order.length; k++) {
      const [label, run] = order[(round + k) % order.length];
      const ms = await time(run);
      if (round >= WARM_UP) times[label].push(ms);
    }
  }
  const medians = Object.fromEntries(
    Object.entries(times).map(([label, values]) => [label, median(values)]),
  );
  console.log(
    `${name}: ${
      Object.entries(medians).map(([label, ms]) =>
        `${label} ${ms.toFixed(2)} ms`
      ).join(", ")
    }; native / direct = ${
      (medians["OnnxModel native"] / medians["onnxruntime-node direct"])
        .toFixed(3)
    }`,
  );
}
