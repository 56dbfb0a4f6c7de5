/**
 * Times one face through the embedder and the landmark model on
 * onnxruntime-web with one thread: the npm originals against the same
 * graphs with tiny weights flushed, in one process. Rounds alternate between
 * the variants so that drift in machine load hits them alike.
 *
 * ```sh
 * deno run --allow-read --allow-env --allow-run=npm --allow-write=weights weights/_speed.ts
 * ```
 *
 * @module
 */

import * as ort from "onnxruntime-web/wasm";
import { extractFiles, pathFromFileUrl } from "./_npm.ts";
import { fetchSource, MODELS, type ModelSpec, transform } from "./convert.ts";
import { NORMALISE, syntheticImages } from "./_synthetic.ts";

const WARM_UP = 5;
const RUNS = 41;

interface Variant {
  readonly label: string;
  readonly spec: ModelSpec;
  readonly session: ort.InferenceSession;
  readonly input: ort.Tensor;
  readonly times: number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  ort.env.wasm.numThreads = 1;
  const dir = new URL(".", import.meta.url);
  const tarball = await fetchSource(pathFromFileUrl(dir));
  const specs = MODELS.filter((spec) =>
    spec.id === "mobilefacenet" || spec.id === "face_landmark68"
  );
  const originals = await extractFiles(
    tarball,
    specs.map((spec) => spec.sourcePath),
  );
  const variants: Variant[] = [];
  for (const [i, spec] of specs.entries()) {
    const [, channels, height, width] = spec.input.shape;
    const input = new ort.Tensor(
      "float32",
      syntheticImages(
        [1, Number(channels), Number(height), Number(width)],
        NORMALISE[spec.input.normalisation],
        1,
      ),
      [1, Number(channels), Number(height), Number(width)],
    );
    const models: [string, Uint8Array][] = [
      ["npm original", originals[i]],
      [
        "converted (flushed, dynamic batch)",
        await Deno.readFile(new URL(spec.file, dir)),
      ],
      [
        "dynamic batch only (not flushed)",
        transform(spec, originals[i], { flush: false }).bytes,
      ],
    ];
    for (const [label, bytes] of models) {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ["wasm"],
        graphOptimizationLevel: "all",
      });
      variants.push({ label, spec, session, input, times: [] });
    }
  }
  const once = async (variant: Variant) => {
    const start = performance.now();
    const results = await variant.session.run({
      [variant.spec.input.name]: variant.input,
    });
    const elapsed = performance.now() - start;
    for (const tensor of Object.values(results)) tensor.dispose();
    return elapsed;
  };
  for (let round = 0; round < WARM_UP; round++) {
    for (const variant of variants) await once(variant);
  }
  for (let round = 0; round < RUNS; round++) {
    for (const variant of variants) variant.times.push(await once(variant));
  }
  console.log(
    `onnxruntime-web ${ort.env.versions.web}, wasm, 1 thread, ${navigator.hardwareConcurrency} cores; median of ${RUNS} runs after ${WARM_UP} warm-up runs, batch 1`,
  );
  console.log("| model | variant | median ms | min ms |");
  console.log("| --- | --- | ---: | ---: |");
  for (const variant of variants) {
    console.log(
      `| ${variant.spec.id} | ${variant.label} | ${
        median(variant.times).toFixed(1)
      } | ${Math.min(...variant.times).toFixed(1)} |`,
    );
  }
  for (const variant of variants) await variant.session.release();
}

if (import.meta.main) {
  await main();
}
