import assert from "node:assert/strict";
import { maxAbsDifference } from "@facever/testing";
import { readGraph } from "./_onnx.ts";
import { type CompileOptions, lowerGraph } from "./_compile_lower.ts";
import { isConv, UnsupportedGraphError } from "./_compile_types.ts";
import { onnxModel, type TestGraph, type TestNode } from "./_test_util.ts";
import {
  conv,
  convSteps,
  detectorGraph,
  gateGraph,
  gemmGraph,
  poolGraph,
  testGraph,
  weights,
} from "./_test_graphs.ts";

const lower = (graph: TestGraph, options?: CompileOptions) =>
  lowerGraph(readGraph(onnxModel(graph)), options);
const floats = (graph: TestGraph, name: string) =>
  graph.initializers[name].data as Float32Array;

Deno.test("each layer is lowered with its kind, tensors and shapes", () => {
  const lowered = lower(testGraph());
  assert.deepEqual(lowered.input, {
    name: "x",
    shape: { c: 3, h: 14, w: 14, channels: 3 },
  });
  assert.deepEqual(
    lowered.steps.map((s) => [s.name, s.kind, s.input, s.output]),
    [
      ["c1", "dense", "x", "p1"],
      ["c2", "depthwise", "p1", "p2"],
      // t1 is read twice, by c4 and by the Add: nothing is fused into it.
      ["t1", "pointwise", "p2", "t1"],
      ["c4", "pointwise", "t1", "p4"],
      ["c5", "depthwise", "p4", "p5"],
      ["c6", "pointwise", "p5", "t2"],
      ["c7", "pointwise", "t2", "p7"],
      ["c8", "depthwise", "p7", "p8"],
      ["c9", "depthwise", "p8", "c9"],
      ["c10", "pointwise", "c9", "c10"],
    ],
  );
  const [stem, , t1, , c5, c6, , c8, c9, c10] = convSteps(lowered.steps);
  assert.equal(stem.onInput, true);
  assert.deepEqual(stem.outShape, { c: 8, h: 7, w: 7, channels: 8 });
  assert.deepEqual(c8.outShape, { c: 32, h: 4, w: 4, channels: 32 });
  assert.deepEqual(c9.outShape, { c: 32, h: 1, w: 1, channels: 32 });
  assert.deepEqual(c10.inShape, c9.outShape);
  // A bias-free Conv has a bias of zeros; a scalar slope is broadcast.
  assert.deepEqual(t1.epilogue.bias, new Float32Array(16));
  assert.deepEqual(c5.epilogue.slope, new Float32Array(24).fill(0.2));
  assert.equal(c6.epilogue.residual, "t1");
  assert.equal(c9.epilogue.slope, undefined);
  // The Reshape makes y another name for c10.
  assert.deepEqual(lowered.outputs, [{
    name: "y",
    tensor: "c10",
    shape: c10.outShape,
    declared: [24],
  }]);
  assert.deepEqual(lowered.folded, { PRelu: 6, Add: 1, Reshape: 1 });
});

Deno.test("stored channels are rounded up, with a zero bias and weights", () => {
  const graph = detectorGraph();
  const lowered = lower(graph);
  const byName = new Map(convSteps(lowered.steps).map((s) => [s.name, s]));
  const head = byName.get("m");
  assert.ok(head);
  assert.deepEqual(head.outShape, { c: 16, h: 7, w: 6, channels: 12 });
  assert.deepEqual(head.epilogue.bias.slice(0, 12), floats(graph, "b8"));
  assert.deepEqual(head.epilogue.bias.slice(12), new Float32Array(4));
  // The weights keep the graph's order and count; packing pads them.
  assert.deepEqual(head.weight, floats(graph, "w8"));
});

Deno.test("a channel Concat becomes views into one tensor", () => {
  const lowered = lower(detectorGraph());
  const shape = { c: 24, h: 7, w: 6, channels: 24 };
  assert.deepEqual([...lowered.views], [
    ["c3", { concat: "cat", shape, channel: 0 }],
    ["c5", { concat: "cat", shape, channel: 16 }],
  ]);
  const reader = lowered.steps.find((s) => s.input === "cat");
  assert.deepEqual(reader?.inShape, shape);
});

Deno.test("a scale and a BatchNormalization are folded into the weights", () => {
  const detector = detectorGraph();
  const scaled = convSteps(lower(detector).steps).find((s) => s.name === "c6");
  assert.equal(scaled?.output, "s6");
  assert.deepEqual(scaled.weight, floats(detector, "w6").map((v) => v * 0.5));
  assert.deepEqual(
    scaled.epilogue.bias,
    floats(detector, "b6").map((v) => v * 0.5),
  );

  const graph = gemmGraph();
  const lowered = lower(graph);
  assert.deepEqual(lowered.steps.map((s) => [s.kind, s.input, s.output]), [
    ["dense", "x", "g"],
    // The Gemm reads the flattened map as the map itself.
    ["pointwise", "g", "y"],
  ]);
  const gemm = convSteps(lowered.steps)[1];
  const [gamma, beta, mean, variance] = ["gamma", "beta", "mean", "variance"]
    .map((name) => floats(graph, name));
  const scale = gamma.map((g, o) => g / Math.sqrt(variance[o] + 1e-5));
  const w2 = floats(graph, "w2");
  const b2 = floats(graph, "b2");
  assert.ok(
    maxAbsDifference(gemm.weight, w2.map((v, i) => v * scale[i >> 3])) < 1e-6,
  );
  assert.ok(
    maxAbsDifference(
      gemm.epilogue.bias,
      b2.map((b, o) => (b - mean[o]) * scale[o] + beta[o]),
    ) < 1e-6,
  );
  assert.deepEqual(lowered.folded, { Flatten: 1, BatchNormalization: 1 });
});

Deno.test("only what the outputs need is lowered, and no output is fused past", () => {
  const lowered = lower(testGraph(), { outputs: ["c4"] });
  assert.deepEqual(lowered.steps.map((s) => s.name), ["c1", "c2", "t1", "c4"]);
  const last = convSteps(lowered.steps)[3];
  assert.equal(last.output, "c4");
  assert.equal(last.epilogue.slope, undefined);
  assert.equal(lowered.outputs[0].declared, undefined);
});

Deno.test("an input size other than the graph's", () => {
  const lowered = lower(detectorGraph(), { inputSize: [26, 22] });
  assert.deepEqual(lowered.input.shape, { c: 3, h: 26, w: 22, channels: 3 });
  assert.deepEqual(lowered.steps[0].outShape, {
    c: 16,
    h: 13,
    w: 11,
    channels: 16,
  });
  assert.deepEqual(lowered.outputs[0].shape, {
    c: 16,
    h: 13,
    w: 11,
    channels: 12,
  });
});

Deno.test("unsupported graphs are refused with the node named", async (t) => {
  const refuse = (
    edit: (g: TestGraph) => TestGraph,
    pattern: RegExp,
    options?: CompileOptions,
  ) =>
    assert.throws(
      () => lower(edit(testGraph()), options),
      (error: unknown) =>
        error instanceof UnsupportedGraphError && pattern.test(error.message),
    );
  const replace = (g: TestGraph, index: number, node: TestNode) => ({
    ...g,
    nodes: g.nodes.map((n, i) => i === index ? node : n),
  });

  await t.step("an operator the compiler does not know", () =>
    refuse(
      (g) => replace(g, 1, { op: "Tanh", inputs: ["c1"], outputs: ["p1"] }),
      /Tanh -> p1: not a compiled operator/,
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
  await t.step("a kernel that is not square", () =>
    refuse(
      (g) => ({
        ...g,
        initializers: { ...g.initializers, w1: weights([8, 3, 3, 1]) },
      }),
      /Conv -> c1: only square kernels/,
    ));
  await t.step("an output no layer computes", () =>
    refuse(
      (g) => ({ ...g, output: { name: "x", dims: ["batch", 3, 14, 14] } }),
      /output x is not produced by a compiled layer/,
    ));
  await t.step(
    "no output asked for",
    () => refuse((g) => g, /no output asked for/, { outputs: [] }),
  );
  await t.step("a Concat member that is also an output", () =>
    assert.throws(
      () => lower(detectorGraph(), { outputs: ["m", "c3"] }),
      /Concat -> cat: only a channel Concat of layer outputs read by nothing else/,
    ));
  await t.step("a Gemm that is not x · Wᵀ + b", () => {
    const graph = gemmGraph();
    assert.throws(
      () =>
        lower({
          ...graph,
          nodes: graph.nodes.map((n) =>
            n.op === "Gemm" ? { ...n, attributes: { transB: 0 } } : n
          ),
        }),
      /Gemm -> l: only x · Wᵀ \+ b is compiled/,
    );
  });
  const edit = (graph: TestGraph, op: string, change: Partial<TestNode>) => ({
    ...graph,
    nodes: graph.nodes.map((n) => n.op === op ? { ...n, ...change } : n),
  });
  await t.step("a max pool that rounds its size up", () =>
    assert.throws(
      () =>
        lower(edit(poolGraph(), "MaxPool", {
          attributes: {
            kernel_shape: [3, 3],
            strides: [2, 2],
            pads: [1, 1, 1, 1],
            ceil_mode: 1,
          },
        })),
      /MaxPool -> m1: only square windows .* ceil_mode 0/,
    ));
  await t.step("a Mul of two maps", () =>
    assert.throws(
      () => lower(edit(gateGraph(), "Mul", { inputs: ["t", "r"] })),
      /Mul -> m: only a Mul of a computed map by a computed 1x1 map/,
    ));
  await t.step(
    "a Reshape to a computed shape other than [batch, -1]",
    () =>
      assert.throws(
        () =>
          lower(edit(gateGraph(), "Unsqueeze", { attributes: { axes: [1] } })),
        UnsupportedGraphError,
      ),
  );
  await t.step("a MatMul of a map", () => {
    const graph = gateGraph();
    assert.throws(
      () =>
        lower({
          ...graph,
          nodes: graph.nodes.map((n) =>
            n.outputs[0] === "l" ? { ...n, inputs: ["a", "w7"] } : n
          ),
        }),
      /MatMul -> l: only a MatMul of a flattened 1x1 map/,
    );
  });
});

Deno.test("a gate, pools and a computed flatten are lowered as weightless steps", () => {
  const gate = lower(gateGraph());
  const scale = gate.steps.find((s) => s.kind === "scale");
  assert.ok(scale && !isConv(scale));
  assert.deepEqual(
    [scale.input, scale.factors, scale.residual, scale.output],
    ["t", "gate", "r", "a"],
  );
  const [average] = gate.steps.filter((s) => s.kind === "average");
  assert.deepEqual(average.outShape, { c: 16, h: 1, w: 1, channels: 12 });
  // The Reshape makes f another name for dw: the MatMul reads dw.
  const matMuls = convSteps(gate.steps.slice(-2));
  assert.equal(matMuls[0].input, "dw");
  assert.deepEqual(matMuls[0].inShape, { c: 16, h: 1, w: 1, channels: 12 });

  const pools = lower(poolGraph()).steps.filter((s) => s.kind === "maxpool");
  assert.deepEqual(
    pools.map((p) => [p.input, p.output, p.outShape.h, p.outShape.w]),
    [["q1", "a1", 5, 5], ["q2", "a2", 3, 3]],
  );
});
