import assert from "node:assert/strict";
import * as ort from "onnxruntime-web/wasm";
import { maxAbsDifference, NORMALISE, syntheticImages } from "@facever/testing";
import { EMBEDDER_URL, EMBEDDER_WASM_URL } from "@facever/weights";
import { WasmModel, WasmModelError } from "./_compiled.ts";

ort.env.wasm.numThreads = 1;

const WASM = EMBEDDER_WASM_URL;
const ONNX = EMBEDDER_URL;
const FACE = [3, 112, 112];
const FACE_SIZE = 3 * 112 * 112;

function faces(batch: number, seed: number): Float32Array {
  return syntheticImages(
    [batch, 3, 112, 112],
    NORMALISE["(x - 127.5) / 128"],
    seed,
  );
}

const rejects = (promise: Promise<unknown>, code: string) =>
  assert.rejects(
    promise,
    (error: unknown) => error instanceof WasmModelError && error.code === code,
  );

Deno.test("mobilefacenet.wasm gives the embeddings of mobilefacenet.onnx", async () => {
  const batch = 5;
  const data = faces(batch, 3);
  const model = await WasmModel.load(WASM);
  assert.deepEqual(model.inputNames, ["input"]);
  assert.deepEqual(model.outputNames, ["output"]);
  const { output } = await model.run({
    input: { data, dims: [batch, ...FACE] },
  });
  assert.deepEqual(output.dims, [batch, 512]);
  const session = await ort.InferenceSession.create(await Deno.readFile(ONNX));
  const expected = await session.run({
    input: new ort.Tensor("float32", data, [batch, ...FACE]),
  });
  const difference = maxAbsDifference(
    output.data,
    expected.output.data as Float32Array,
  );
  assert.ok(difference <= 1e-4, `differs by ${difference}`);
});

Deno.test("a batch gives the outputs of its items run alone", async () => {
  const model = await WasmModel.load(await Deno.readFile(WASM));
  const data = faces(3, 9);
  const batched = await model.run({ input: { data, dims: [3, ...FACE] } });
  for (let item = 0; item < 3; item++) {
    const single = await model.run({
      input: {
        data: data.subarray(item * FACE_SIZE, (item + 1) * FACE_SIZE),
        dims: [1, ...FACE],
      },
    });
    assert.deepEqual(
      single.output.data,
      batched.output.data.subarray(item * 512, (item + 1) * 512),
    );
  }
  const empty = await model.run({
    input: { data: new Float32Array(0), dims: [0, ...FACE] },
  });
  assert.deepEqual(empty.output.dims, [0, 512]);
});

Deno.test("wrong inputs are refused", async (t) => {
  const model = await WasmModel.load(WASM);
  const face = new Float32Array(FACE_SIZE);
  await t.step("another name", () =>
    rejects(
      model.run({ image: { data: face, dims: [1, ...FACE] } }),
      "invalid_input",
    ));
  await t.step("an extra feed", () =>
    rejects(
      model.run({
        input: { data: face, dims: [1, ...FACE] },
        extra: { data: face, dims: [1, ...FACE] },
      }),
      "invalid_input",
    ));
  await t.step("other dimensions", () =>
    rejects(
      model.run({ input: { data: face, dims: [1, 112, 112, 3] } }),
      "invalid_input",
    ));
  await t.step("data that does not fill the dimensions", () =>
    rejects(
      model.run({ input: { data: face, dims: [2, ...FACE] } }),
      "invalid_input",
    ));
});

Deno.test("what is not a compiled model is refused", async (t) => {
  await t.step(
    "bytes that are not wasm",
    () =>
      rejects(WasmModel.load(new Uint8Array([1, 2, 3, 4])), "invalid_module"),
  );
  await t.step("wasm without the interface section", () =>
    rejects(
      // The empty module: magic number and version, no section at all.
      WasmModel.load(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
      "invalid_module",
    ));
  await t.step("a file that is not there", () =>
    rejects(
      WasmModel.load(new URL("./no-such-model.wasm", import.meta.url)),
      "load_failed",
    ));
});
