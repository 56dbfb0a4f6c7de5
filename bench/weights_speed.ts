/**
 * Times the embedder side by side in one process, on one thread: a default
 * onnxruntime-web session (`InferenceSession.create(bytes)`, no options) on
 * the npm original and on `mobilefacenet.onnx`, against
 * `mobilefacenet.wasm` run by `WasmModel`, at batch 1 and 8; and the
 * landmark model before and after flushing. Every round runs each variant
 * once, in an order that rotates from round to round, so that drift in
 * machine load hits them alike; ratios are to the default session on the
 * converted ONNX file at the same batch.
 *
 * The faces are real: LFW images (from `LFW_DIR` or
 * `../shared/datasets/lfw`) aligned with the mean landmarks our detector
 * finds on LFW, or image-like synthetic faces where LFW is absent.
 *
 * ```sh
 * deno task bench:weights
 * ```
 *
 * @module
 */

import * as ort from "onnxruntime-web/wasm";
import {
  alignFace,
  decodeImage,
  facesToTensor,
  type Point,
} from "@facever/core";
import { WasmModel } from "@facever/model/compiled";
import { lfwRoot, NORMALISE, syntheticImages } from "@facever/testing";
import { MANIFEST_URL } from "@facever/weights";
import {
  extractFiles,
  fetchSource,
  MODELS,
  type ModelSpec,
} from "@facever/weights/convert";
import { median } from "./_statistics.ts";

const WARM_UP = 5;
const RUNS = 41;
const BATCHES = [1, 8];

/** Mean of the five points our detector finds on LFW's deep-funneled faces. */
const LFW_LANDMARKS: readonly Point[] = [
  { x: 104.2, y: 112.2 },
  { x: 143.8, y: 111.4 },
  { x: 124.5, y: 135.1 },
  { x: 109.7, y: 159.3 },
  { x: 142.9, y: 159.0 },
];

interface Variant {
  readonly model: string;
  readonly batch: number;
  readonly label: string;
  readonly reference: boolean;
  readonly run: () => Promise<void>;
  readonly times: number[];
}

/** Up to `count` LFW faces as a BGR tensor, or undefined without LFW. */
async function lfwFaces(count: number): Promise<Float32Array | undefined> {
  const root = lfwRoot();
  if (!root) return undefined;
  const images = `${root}/images_deepfunneled`;
  try {
    const people = [...Deno.readDirSync(images)].filter((e) => e.isDirectory)
      .map((e) => e.name).sort().slice(0, count);
    const faces = [];
    for (const person of people) {
      const bytes = await Deno.readFile(
        `${images}/${person}/${person}_0001.jpg`,
      );
      faces.push(alignFace(await decodeImage(bytes), LFW_LANDMARKS));
    }
    return facesToTensor(faces, { channelOrder: "bgr" });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  ort.env.wasm.numThreads = 1;
  // npm writes its tarball into a temporary directory made in .cache/.
  await Deno.mkdir(".cache", { recursive: true });
  const tarball = await fetchSource(".cache");
  const byId = (id: string) =>
    MODELS.find((spec) => spec.id === id) as ModelSpec;
  // The converted files sit beside the manifest.
  const dir = new URL(".", MANIFEST_URL);
  const embedder = byId("mobilefacenet");
  const landmarks = byId("face_landmark68");
  const [embedderOriginal, landmarksOriginal] = await extractFiles(tarball, [
    embedder.sourcePath,
    landmarks.sourcePath,
  ]);

  const maxBatch = Math.max(...BATCHES);
  const lfw = await lfwFaces(maxBatch);
  const faces = lfw ??
    syntheticImages(
      [maxBatch, 3, 112, 112],
      NORMALISE[embedder.input.normalisation],
      1,
    );
  const variants: Variant[] = [];
  const add = (
    model: string,
    batch: number,
    label: string,
    reference: boolean,
    run: () => Promise<void>,
  ) => variants.push({ model, batch, label, reference, run, times: [] });

  const stock = async (
    bytes: Uint8Array,
    input: Float32Array,
    dims: number[],
  ) => {
    // A default session: no options at all.
    const session = await ort.InferenceSession.create(bytes);
    const tensor = new ort.Tensor("float32", input, dims);
    return async () => {
      const results = await session.run({ input: tensor });
      for (const value of Object.values(results)) value.dispose();
    };
  };
  const converted = await Deno.readFile(new URL(embedder.file, dir));
  const compiled = await WasmModel.load(
    new URL(embedder.compiled?.[0].file as string, dir),
  );
  for (const batch of BATCHES) {
    const input = faces.subarray(0, batch * 3 * 112 * 112);
    const dims = [batch, 3, 112, 112];
    if (batch === 1) {
      add(
        embedder.id,
        batch,
        "onnxruntime-web, npm original",
        false,
        await stock(embedderOriginal, input, dims),
      );
    }
    add(
      embedder.id,
      batch,
      "onnxruntime-web, mobilefacenet.onnx",
      true,
      await stock(converted, input, dims),
    );
    add(embedder.id, batch, "mobilefacenet.wasm", false, async () => {
      await compiled.run({ input: { data: input, dims } });
    });
  }
  const gray = syntheticImages(
    [1, 1, 64, 64],
    NORMALISE[landmarks.input.normalisation],
    1,
  );
  add(
    landmarks.id,
    1,
    "onnxruntime-web, npm original",
    false,
    await stock(landmarksOriginal, gray, [1, 1, 64, 64]),
  );
  add(
    landmarks.id,
    1,
    "onnxruntime-web, face_landmark68.onnx",
    true,
    await stock(await Deno.readFile(new URL(landmarks.file, dir)), gray, [
      1,
      1,
      64,
      64,
    ]),
  );

  for (let round = 0; round < WARM_UP + RUNS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length];
      const start = performance.now();
      await variant.run();
      const elapsed = performance.now() - start;
      if (round >= WARM_UP) variant.times.push(elapsed);
    }
  }

  console.log(
    `onnxruntime-web ${ort.env.versions.web}, wasm, 1 thread, ${navigator.hardwareConcurrency} cores; ${
      lfw ? "LFW faces" : "synthetic faces (LFW not found)"
    }; median of ${RUNS} rounds after ${WARM_UP} warm-up rounds`,
  );
  console.log(
    "| model | batch | variant | ms per call | ms per face | ratio |",
  );
  console.log("| --- | ---: | --- | ---: | ---: | ---: |");
  for (const variant of variants) {
    const reference = variants.find((v) =>
      v.reference && v.model === variant.model && v.batch === variant.batch
    ) as Variant;
    const ms = median(variant.times);
    console.log(
      `| ${variant.model} | ${variant.batch} | ${variant.label} | ${
        ms.toFixed(1)
      } | ${(ms / variant.batch).toFixed(1)} | ${
        (ms / median(reference.times)).toFixed(2)
      } |`,
    );
  }
}

if (import.meta.main) {
  await main();
}
