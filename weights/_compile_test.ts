import assert from "node:assert/strict";
import * as ort from "onnxruntime-web/wasm";
import { compileGraph, UnsupportedGraphError } from "./_compile.ts";
import { maxAbsDifference, randomFloats } from "@facever/testing";
import { onnxModel, type TestGraph } from "./_test_util.ts";
import {
  conv,
  detectorGraph,
  gateGraph,
  gemmGraph,
  poolGraph,
  residualGraph,
  testGraph,
  weights,
} from "./_test_graphs.ts";
import { WasmModel } from "@facever/model/compiled";

ort.env.wasm.numThreads = 1;

Deno.test("compiled graph gives onnxruntime's outputs", async () => {
  const model = onnxModel(testGraph());
  const compiled = compileGraph(model);
  assert.deepEqual(compiled.interface.input.dims, [3, 14, 14]);
  assert.deepEqual(compiled.interface.outputs.map((o) => o.dims), [[24]]);
  assert.deepEqual(
    compiled.layers.map((l) => [l.kind, l.prelu, l.residual]),
    [
      ["dense", true, false],
      ["depthwise", true, false],
      ["pointwise", false, false],
      ["pointwise", true, false],
      ["depthwise", true, false],
      ["pointwise", false, true],
      ["pointwise", true, false],
      ["depthwise", true, false],
      ["depthwise", false, false],
      ["pointwise", false, false],
    ],
  );
  assert.deepEqual(compiled.folded, { PRelu: 6, Add: 1, Reshape: 1 });

  const batch = 3;
  const input = randomFloats(batch * 3 * 14 * 14, 7);
  const session = await ort.InferenceSession.create(model);
  const expected = await session.run({
    x: new ort.Tensor("float32", input, [batch, 3, 14, 14]),
  });
  const wasm = await WasmModel.load(compiled.wasm);
  const { y } = await wasm.run({
    x: { data: input, dims: [batch, 3, 14, 14] },
  });
  assert.deepEqual(y.dims, [batch, 24]);
  const difference = maxAbsDifference(y.data, expected.y.data as Float32Array);
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});

Deno.test("a residual that is also the convolution's input", async () => {
  const model = onnxModel(residualGraph());
  const compiled = compileGraph(model);
  assert.deepEqual(compiled.layers.map((l) => l.residual), [
    false,
    true,
    false,
    false,
  ]);
  const input = randomFloats(2 * 3 * 4 * 4, 11);
  const session = await ort.InferenceSession.create(model);
  const expected = await session.run({
    x: new ort.Tensor("float32", input, [2, 3, 4, 4]),
  });
  const wasm = await WasmModel.load(compiled.wasm);
  const { y } = await wasm.run({ x: { data: input, dims: [2, 3, 4, 4] } });
  const difference = maxAbsDifference(y.data, expected.y.data as Float32Array);
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});

Deno.test("compiling is deterministic", () => {
  const model = onnxModel(testGraph());
  assert.deepEqual(compileGraph(model).wasm, compileGraph(model).wasm);
});

Deno.test("a graph the compiler cannot run is refused", () => {
  const graph = testGraph();
  const model = onnxModel({
    ...graph,
    nodes: graph.nodes.map((n, i) =>
      i === 1 ? { op: "Tanh", inputs: ["c1"], outputs: ["p1"] } : n
    ),
  });
  assert.throws(() => compileGraph(model), UnsupportedGraphError);
});

Deno.test("compiled detector patterns give onnxruntime's outputs", async () => {
  const model = onnxModel(detectorGraph());
  const compiled = compileGraph(model);
  assert.deepEqual(compiled.folded, { Relu: 3, Mul: 1, Add: 1 });
  assert.deepEqual(
    compiled.layers.map((l) => [l.kind, l.dilation, l.residual, l.relu]),
    [
      ["dense", 1, false, true],
      ["pointwise", 1, false, false],
      ["dense", 2, false, false],
      ["dense", 1, false, true],
      ["dense", 3, false, false],
      ["pointwise", 1, false, false],
      ["pointwise", 1, true, true],
      ["pointwise", 1, false, false],
    ],
  );
  const [port] = compiled.interface.outputs;
  assert.deepEqual([port.dims, port.layout, port.pixelStride], [
    [7, 6, 12],
    "nhwc",
    16,
  ]);
  const batch = 2;
  const input = randomFloats(batch * 3 * 13 * 11, 5);
  const session = await ort.InferenceSession.create(model);
  const expected = await session.run({
    x: new ort.Tensor("float32", input, [batch, 3, 13, 11]),
  });
  const wasm = await WasmModel.load(compiled.wasm);
  const { m } = await wasm.run({
    x: { data: input, dims: [batch, 3, 13, 11] },
  });
  assert.deepEqual(m.dims, [batch, 7, 6, 12]);
  // The module's output is NHWC; onnxruntime's NCHW.
  const nchw = expected.m.data as Float32Array;
  const nhwc = new Float32Array(nchw.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < 12; c++) {
      for (let p = 0; p < 42; p++) {
        nhwc[(n * 42 + p) * 12 + c] = nchw[(n * 12 + c) * 42 + p];
      }
    }
  }
  const difference = maxAbsDifference(m.data, nhwc);
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});

Deno.test("Gemm and BatchNormalization on a flattened 1x1 map", async () => {
  const model = onnxModel(gemmGraph());
  const compiled = compileGraph(model);
  assert.deepEqual(compiled.folded, { Flatten: 1, BatchNormalization: 1 });
  const input = randomFloats(2 * 8 * 9, 9);
  const session = await ort.InferenceSession.create(model);
  const expected = await session.run({
    x: new ort.Tensor("float32", input, [2, 8, 3, 3]),
  });
  const wasm = await WasmModel.load(compiled.wasm);
  const { y } = await wasm.run({ x: { data: input, dims: [2, 8, 3, 3] } });
  const difference = maxAbsDifference(y.data, expected.y.data as Float32Array);
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});

/** Compiles `graph` and runs a batch of 3 through it and onnxruntime-web. */
async function compareWithOrt(
  graph: TestGraph,
  scale = 1,
): Promise<number> {
  const model = onnxModel(graph);
  const dims = graph.input.dims.map((d) => typeof d === "number" ? d : 3);
  const input = randomFloats(dims.reduce((n, d) => n * d, 1), 9, scale);
  const session = await ort.InferenceSession.create(model);
  const expected = await session.run({
    x: new ort.Tensor("float32", input, dims),
  });
  const wasm = await WasmModel.load(compileGraph(model).wasm);
  const { y } = await wasm.run({ x: { data: input, dims } });
  assert.deepEqual(y.dims, expected.y.dims);
  return maxAbsDifference(y.data, expected.y.data as Float32Array);
}

Deno.test("a squeeze-and-excite gate, MatMul and a computed flatten", async () => {
  const compiled = compileGraph(onnxModel(gateGraph()));
  assert.deepEqual(
    compiled.layers.map((l) => [l.kind, l.relu, l.sigmoid, l.residual]),
    [
      ["dense", false, false, false],
      ["pointwise", false, false, false],
      ["pointwise", false, false, false],
      ["average", false, false, false],
      ["pointwise", true, false, false],
      ["pointwise", false, true, false],
      ["scale", false, false, true],
      ["depthwise", false, false, false],
      ["pointwise", false, false, false],
      ["pointwise", false, false, false],
    ],
  );
  assert.deepEqual(compiled.folded, {
    PRelu: 1,
    Relu: 1,
    Sigmoid: 1,
    Add: 1,
    Shape: 1,
    Gather: 1,
    Unsqueeze: 1,
    Concat: 1,
    Reshape: 1,
    BatchNormalization: 1,
  });
  const difference = await compareWithOrt(gateGraph());
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});

Deno.test("max pools that keep to the map, and a global average pool", async () => {
  const compiled = compileGraph(onnxModel(poolGraph()));
  assert.deepEqual(
    compiled.layers.filter((l) => l.kind === "maxpool").map((l) => [
      l.size,
      l.residual,
    ]),
    [[[5, 5], true], [[3, 3], true]],
  );
  // Negative inputs too: a zero border would win every edge window.
  for (const scale of [1, 10]) {
    const difference = await compareWithOrt(poolGraph(), scale);
    assert.ok(difference < 1e-5 * scale, `differs by ${difference}`);
  }
});

Deno.test("the sigmoid matches onnxruntime's out to where it saturates", async () => {
  // Logits of up to about ±100, on a 1×1 map so both outputs are NCHW.
  const graph: TestGraph = {
    input: { name: "x", dims: ["batch", 4, 3, 3] },
    output: { name: "y", dims: ["batch", 8, 1, 1] },
    nodes: [
      conv("x", "w", "b", "c", { kernel: 3 }),
      { op: "Sigmoid", inputs: ["c"], outputs: ["y"] },
    ],
    initializers: { w: weights([8, 4, 3, 3], 20), b: weights([8]) },
  };
  const difference = await compareWithOrt(graph);
  assert.ok(difference < 1e-5, `differs by ${difference}`);
});
