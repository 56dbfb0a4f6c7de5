import assert from "node:assert/strict";
import * as ort from "onnxruntime-web/wasm";
import { compileGraph, UnsupportedGraphError } from "./_compile.ts";
import { maxAbsDifference, randomFloats } from "@facever/testing";
import { onnxModel, type TestGraph, type TestNode } from "./_test_util.ts";
import { WasmModel } from "@facever/model/compiled";

ort.env.wasm.numThreads = 1;

let seed = 100;
const weights = (dims: number[], scale = 0.3) => ({
  dims,
  data: randomFloats(dims.reduce((n, d) => n * d, 1), seed++, scale),
});
const slopes = (channels: number) => ({
  dims: [channels, 1, 1],
  data: randomFloats(channels, seed++, 0.5).map((s) => s + 0.25),
});
const conv = (
  x: string,
  w: string,
  b: string | undefined,
  y: string,
  { kernel = 1, stride = 1, pad = 0, group = 1, dilation = 1 } = {},
): TestNode => ({
  op: "Conv",
  inputs: b ? [x, w, b] : [x, w],
  outputs: [y],
  attributes: {
    kernel_shape: [kernel, kernel],
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
    dilations: [dilation, dilation],
    group,
  },
});
const prelu = (x: string, slope: string, y: string): TestNode => ({
  op: "PRelu",
  inputs: [x, slope],
  outputs: [y],
});

/**
 * A small MobileFaceNet-like graph with every pattern the compiler fuses,
 * at sizes that leave partial pixel blocks: a dense 3×3/2 stem, depthwise
 * 3×3 at strides 1 and 2, expansions into padded maps, a residual Add, a
 * bias-free Conv, a scalar PRelu slope, a global depthwise 4×4 and a final
 * Reshape.
 */
function testGraph(): TestGraph {
  return {
    input: { name: "x", dims: ["batch", 3, 14, 14] },
    output: { name: "y", dims: ["batch", 24] },
    nodes: [
      conv("x", "w1", "b1", "c1", { kernel: 3, stride: 2, pad: 1 }),
      prelu("c1", "s1", "p1"),
      conv("p1", "w2", "b2", "c2", { kernel: 3, pad: 1, group: 8 }),
      prelu("c2", "s2", "p2"),
      conv("p2", "w3", undefined, "t1"),
      conv("t1", "w4", "b4", "c4"),
      prelu("c4", "s4", "p4"),
      conv("p4", "w5", "b5", "c5", { kernel: 3, pad: 1, group: 24 }),
      prelu("c5", "s5", "p5"),
      conv("p5", "w6", "b6", "c6"),
      { op: "Add", inputs: ["t1", "c6"], outputs: ["t2"] },
      conv("t2", "w7", "b7", "c7"),
      prelu("c7", "s7", "p7"),
      conv("p7", "w8", "b8", "c8", { kernel: 3, stride: 2, pad: 1, group: 32 }),
      prelu("c8", "s8", "p8"),
      conv("p8", "w9", "b9", "c9", { kernel: 4, group: 32 }),
      conv("c9", "w10", "b10", "c10"),
      { op: "Reshape", inputs: ["c10", "shape"], outputs: ["y"] },
    ],
    initializers: {
      w1: weights([8, 3, 3, 3]),
      b1: weights([8]),
      s1: slopes(8),
      w2: weights([8, 1, 3, 3]),
      b2: weights([8]),
      s2: slopes(8),
      w3: weights([16, 8, 1, 1]),
      w4: weights([24, 16, 1, 1]),
      b4: weights([24]),
      s4: slopes(24),
      w5: weights([24, 1, 3, 3]),
      b5: weights([24]),
      s5: { dims: [1], data: Float32Array.of(0.2) },
      w6: weights([16, 24, 1, 1]),
      b6: weights([16]),
      w7: weights([32, 16, 1, 1]),
      b7: weights([32]),
      s7: slopes(32),
      w8: weights([32, 1, 3, 3]),
      b8: weights([32]),
      s8: slopes(32),
      w9: weights([32, 1, 4, 4]),
      b9: weights([32]),
      w10: weights([24, 32, 1, 1]),
      b10: weights([24]),
      shape: { dims: [2], data: BigInt64Array.of(0n, -1n) },
    },
  };
}

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
  // u = t + conv1x1(t): the output must not overwrite t while the second
  // block of 8 output channels still reads it.
  const model = onnxModel({
    input: { name: "x", dims: ["batch", 3, 4, 4] },
    output: { name: "y", dims: ["batch", 16] },
    nodes: [
      conv("x", "w1", "b1", "t", { kernel: 3, pad: 1 }),
      conv("t", "w2", "b2", "c"),
      { op: "Add", inputs: ["c", "t"], outputs: ["u"] },
      conv("u", "w3", "b3", "g", { kernel: 4, group: 16 }),
      conv("g", "w4", "b4", "h"),
      { op: "Reshape", inputs: ["h", "shape"], outputs: ["y"] },
    ],
    initializers: {
      w1: weights([16, 3, 3, 3]),
      b1: weights([16]),
      w2: weights([16, 16, 1, 1]),
      b2: weights([16]),
      w3: weights([16, 1, 4, 4]),
      b3: weights([16]),
      w4: weights([16, 16, 1, 1]),
      b4: weights([16]),
      shape: { dims: [2], data: BigInt64Array.of(0n, -1n) },
    },
  });
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

Deno.test("unsupported graphs are refused with the node named", async (t) => {
  const refuse = (edit: (g: TestGraph) => TestGraph, pattern: RegExp) =>
    assert.throws(
      () => compileGraph(onnxModel(edit(testGraph()))),
      (error: unknown) =>
        error instanceof UnsupportedGraphError && pattern.test(error.message),
    );
  const replace = (g: TestGraph, index: number, node: TestNode) => ({
    ...g,
    nodes: g.nodes.map((n, i) => i === index ? node : n),
  });

  await t.step("an operator the compiler does not know", () =>
    refuse(
      (g) => replace(g, 1, { op: "Sigmoid", inputs: ["c1"], outputs: ["p1"] }),
      /Sigmoid -> p1: not a compiled operator/,
    ));
  await t.step("a grouped convolution that is not depthwise", () =>
    refuse(
      (g) => ({
        ...replace(
          g,
          2,
          conv("p1", "w2", "b2", "c2", { kernel: 3, pad: 1, group: 2 }),
        ),
        initializers: { ...g.initializers, w2: weights([8, 4, 3, 3]) },
      }),
      /grouped convolution with group 2/,
    ));
  await t.step("weights that do not match the input's channels", () =>
    refuse(
      (g) => ({
        ...g,
        initializers: { ...g.initializers, w3: weights([8, 12, 1, 1]) },
      }),
      /weights for 12 input channels, input has 8/,
    ));
  await t.step("an output no layer computes", () =>
    refuse(
      (g) => ({ ...g, output: { name: "x", dims: ["batch", 3, 14, 14] } }),
      /output x is not produced by a compiled layer/,
    ));
});

/**
 * The detector's patterns: ReLU, dense dilated 3×3 convolutions inside the
 * graph, a channel Concat, a scalar Mul, an Add followed by a ReLU, output
 * channels that are not a multiple of 8, and an NHWC feature-map output;
 * the landmark net's Flatten, Gemm and BatchNormalization.
 */
function detectorGraph(): TestGraph {
  const relu = (x: string, y: string): TestNode => ({
    op: "Relu",
    inputs: [x],
    outputs: [y],
  });
  return {
    input: { name: "x", dims: ["batch", 3, 13, 11] },
    output: { name: "m", dims: ["batch", 12, 7, 6] },
    nodes: [
      conv("x", "w1", "b1", "c1", { kernel: 3, stride: 2, pad: 1 }),
      relu("c1", "r1"),
      conv("r1", "w2", undefined, "c2"),
      conv("c2", "w3", "b3", "c3", { kernel: 3, pad: 2, dilation: 2 }),
      conv("r1", "w4", "b4", "c4", { kernel: 3, pad: 1 }),
      relu("c4", "r4"),
      conv("r4", "w5", "b5", "c5", { kernel: 3, pad: 3, dilation: 3 }),
      {
        op: "Concat",
        inputs: ["c3", "c5"],
        outputs: ["cat"],
        attributes: { axis: 1 },
      },
      conv("cat", "w6", "b6", "c6"),
      { op: "Mul", inputs: ["c6", "half"], outputs: ["s6"] },
      conv("r1", "w7", "b7", "c7"),
      { op: "Add", inputs: ["s6", "c7"], outputs: ["a7"] },
      relu("a7", "r7"),
      conv("r7", "w8", "b8", "m"),
    ],
    initializers: {
      w1: weights([16, 3, 3, 3]),
      b1: weights([16]),
      w2: weights([12, 16, 1, 1]),
      w3: weights([16, 12, 3, 3]),
      b3: weights([16]),
      w4: weights([8, 16, 3, 3]),
      b4: weights([8]),
      w5: weights([8, 8, 3, 3]),
      b5: weights([8]),
      w6: weights([16, 24, 1, 1]),
      b6: weights([16]),
      half: { dims: [], data: Float32Array.of(0.5) },
      w7: weights([16, 16, 1, 1]),
      b7: weights([16]),
      w8: weights([12, 16, 1, 1]),
      b8: weights([12]),
    },
  };
}

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
  const model = onnxModel({
    input: { name: "x", dims: ["batch", 8, 3, 3] },
    output: { name: "y", dims: ["batch", 16] },
    nodes: [
      conv("x", "w1", "b1", "g", { kernel: 3 }),
      { op: "Flatten", inputs: ["g"], outputs: ["f"], attributes: { axis: 1 } },
      {
        op: "Gemm",
        inputs: ["f", "w2", "b2"],
        outputs: ["l"],
        attributes: { transB: 1 },
      },
      {
        op: "BatchNormalization",
        inputs: ["l", "gamma", "beta", "mean", "variance"],
        outputs: ["y"],
      },
    ],
    initializers: {
      w1: weights([8, 8, 3, 3]),
      b1: weights([8]),
      w2: weights([16, 8]),
      b2: weights([16]),
      gamma: weights([16]),
      beta: weights([16]),
      mean: weights([16]),
      variance: {
        dims: [16],
        data: randomFloats(16, 3, 0.5).map((v) => v + 1),
      },
    },
  });
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
