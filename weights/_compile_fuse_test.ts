import assert from "node:assert/strict";
import type { GraphNode, Initializer } from "./_onnx.ts";
import { fuse, type FusionContext } from "./_compile_fuse.ts";
import type { LayerSource } from "./_compile_nodes.ts";
import { UnsupportedGraphError } from "./_compile_types.ts";

/** A 1×1 layer of two output channels over two input channels. */
const LAYER: LayerSource = {
  x: "x",
  weight: Float32Array.of(1, 2, 3, 4),
  bias: Float32Array.of(0.5, -1),
  cout: 2,
  group: 1,
  kernel: 1,
  stride: 1,
  pad: 0,
  dilation: 1,
};

const node = (
  op: string,
  inputs: string[],
  output: string,
  attributes: GraphNode["attributes"] = {},
): GraphNode => ({ op, domain: "", inputs, outputs: [output], attributes });

/**
 * The graph around the layer, which writes `y`: the nodes after it, its
 * initializers, and the tensors an Add may take as its residual.
 */
function context(
  nodes: GraphNode[],
  values: Record<string, number[]>,
  residuals: Record<string, string> = {},
): FusionContext {
  const initializers = new Map<string, Initializer>(
    Object.entries(values).map((
      [name, data],
    ) => [name, { dims: [data.length], data: Float32Array.from(data) }]),
  );
  const soleConsumer = (name: string, op: string) => {
    const users = nodes.filter((n) => n.inputs.includes(name));
    return users.length === 1 && users[0].op === op ? users[0] : undefined;
  };
  return {
    initializers,
    soleConsumer,
    residualOf: (name) =>
      soleConsumer(name, "Add") ? residuals[name] : undefined,
  };
}

Deno.test("scale, BatchNormalization, PRelu, Add and Relu fuse in order", () => {
  const nodes = [
    node("Mul", ["two", "y"], "m"),
    node("BatchNormalization", ["m", "gamma", "beta", "mean", "var"], "n", {
      epsilon: 1,
    }),
    node("PRelu", ["n", "slope"], "p"),
    node("Add", ["p", "r"], "a"),
    node("Relu", ["a"], "out"),
  ];
  const fusion = fuse(
    LAYER,
    "y",
    context(nodes, {
      two: [2],
      gamma: [1, 2],
      beta: [0, 1],
      mean: [0.5, 0],
      var: [3, 0],
      slope: [0.25, 0.5],
    }, { p: "r" }),
    "test",
  );
  // × 2, then × gamma / √(var + 1) = [0.5, 2] per output channel.
  assert.deepEqual(fusion.weight, Float32Array.of(1, 2, 12, 16));
  // (2b − mean) · scale + beta.
  assert.deepEqual(fusion.bias, Float32Array.of(0.25, -3));
  assert.deepEqual(fusion.slope, Float32Array.of(0.25, 0.5));
  assert.equal(fusion.residual, "r");
  assert.equal(fusion.relu, true);
  assert.equal(fusion.output, "out");
  assert.deepEqual(fusion.nodes, nodes);
});

Deno.test("a Relu ahead of a residual Add is a PReLU of slope 0", () => {
  const nodes = [node("Relu", ["y"], "q"), node("Add", ["q", "r"], "a")];
  const fusion = fuse(LAYER, "y", context(nodes, {}, { q: "r" }), "test");
  assert.deepEqual(fusion.slope, new Float32Array(2));
  assert.equal(fusion.residual, "r");
  assert.equal(fusion.relu, false);
  assert.equal(fusion.output, "a");
  assert.deepEqual(fusion.nodes, nodes);
});

Deno.test("a Relu without a residual after it stays a ReLU", () => {
  const nodes = [node("Relu", ["y"], "q"), node("Add", ["q", "z"], "a")];
  // The Add's other operand is not computed yet, so it cannot be fused.
  const fusion = fuse(LAYER, "y", context(nodes, {}), "test");
  assert.equal(fusion.slope, undefined);
  assert.equal(fusion.residual, undefined);
  assert.equal(fusion.relu, true);
  assert.equal(fusion.output, "q");
});

Deno.test("a Mul by a tensor is not fused", () => {
  const fusion = fuse(
    LAYER,
    "y",
    context([node("Mul", ["y", "v"], "m")], { v: [1, 2] }),
    "test",
  );
  assert.equal(fusion.weight, LAYER.weight);
  assert.equal(fusion.bias, LAYER.bias);
  assert.equal(fusion.output, "y");
  assert.deepEqual(fusion.nodes, []);
});

Deno.test("a slope per channel of another layer is refused", () => {
  assert.throws(
    () =>
      fuse(
        LAYER,
        "y",
        context([node("PRelu", ["y", "s"], "p")], { s: [1, 2, 3] }),
        "node Conv -> y",
      ),
    (error: unknown) =>
      error instanceof UnsupportedGraphError &&
      error.message === "node Conv -> y: s has 3 values for 2 channels",
  );
});
