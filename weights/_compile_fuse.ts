/**
 * Fuses into a layer the nodes that follow it: a per-tensor scale and a
 * BatchNormalization are folded into its weights and bias; a PRelu (or a
 * Relu ahead of a residual Add), the Add, a Relu and a Sigmoid after it
 * become its epilogue.
 *
 * @module
 */

import type { GraphNode, Initializer } from "./_onnx.ts";
import { type LayerSource, perChannel } from "./_compile_nodes.ts";

/** What fusion needs to know of the graph around a layer. */
export interface FusionContext {
  readonly initializers: ReadonlyMap<string, Initializer>;
  /**
   * The node of operator `op` that alone reads `name`, if there is one and
   * `name` is not an output.
   */
  soleConsumer(name: string, op: string): GraphNode | undefined;
  /** The other operand of the Add consuming `name`, if it can be fused. */
  residualOf(name: string): string | undefined;
}

/** A layer's weights and epilogue once the nodes after it are fused in. */
export interface Fusion {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** PReLU slope per graph output channel, if activated. */
  readonly slope?: Float32Array;
  readonly residual?: string;
  readonly relu: boolean;
  /** Whether a Sigmoid ends the layer. */
  readonly sigmoid: boolean;
  /** The tensor the fused layer writes: the last fused node's output. */
  readonly output: string;
  /** The nodes fused in, in graph order. */
  readonly nodes: readonly GraphNode[];
}

/** Fuses what follows `layer`, whose node writes `layerOutput`. */
export function fuse(
  layer: LayerSource,
  layerOutput: string,
  graph: FusionContext,
  where: string,
): Fusion {
  let output = layerOutput;
  const nodes: GraphNode[] = [];
  const fold = (node: GraphNode) => {
    nodes.push(node);
    output = node.outputs[0];
  };
  let weight = layer.weight;
  let bias = layer.bias;
  const mul = graph.soleConsumer(output, "Mul");
  const factor = mul &&
    scalar(
      graph.initializers,
      mul.inputs[0] === output ? mul.inputs[1] : mul.inputs[0],
    );
  if (mul && factor !== undefined) {
    weight = weight.map((v) => v * factor);
    bias = bias.map((v) => v * factor);
    fold(mul);
  }
  const norm = graph.soleConsumer(output, "BatchNormalization");
  if (norm) {
    const [gamma, beta, mean, variance] = norm.inputs.slice(1).map((name) =>
      perChannel(graph.initializers, name, layer.cout, where)
    );
    const epsilon = Number(norm.attributes.epsilon ?? 1e-5);
    const scale = gamma.map((g, o) => g / Math.sqrt(variance[o] + epsilon));
    const perOut = weight.length / layer.cout;
    weight = weight.map((v, i) => v * scale[Math.floor(i / perOut)]);
    bias = bias.map((b, o) => (b - mean[o]) * scale[o] + beta[o]);
    fold(norm);
  }
  let slope: Float32Array | undefined;
  const prelu = graph.soleConsumer(output, "PRelu");
  const earlyRelu = graph.soleConsumer(output, "Relu");
  if (prelu) {
    slope = perChannel(
      graph.initializers,
      prelu.inputs[1],
      layer.cout,
      where,
    );
    fold(prelu);
  } else if (
    earlyRelu && graph.soleConsumer(earlyRelu.outputs[0], "Add") &&
    graph.residualOf(earlyRelu.outputs[0])
  ) {
    // A ReLU ahead of a residual Add is a PReLU of slope 0.
    slope = new Float32Array(layer.cout);
    fold(earlyRelu);
  }
  let residual: string | undefined;
  const add = graph.soleConsumer(output, "Add");
  const other = add && graph.residualOf(output);
  if (add && other) {
    residual = other;
    fold(add);
  }
  const relu = graph.soleConsumer(output, "Relu");
  if (relu) fold(relu);
  const sigmoid = graph.soleConsumer(output, "Sigmoid");
  if (sigmoid) fold(sigmoid);
  return {
    weight,
    bias,
    slope,
    residual,
    relu: relu !== undefined,
    sigmoid: sigmoid !== undefined,
    output,
    nodes,
  };
}

/** The value of a one-element float initializer. */
function scalar(
  initializers: ReadonlyMap<string, Initializer>,
  name: string,
): number | undefined {
  const found = initializers.get(name)?.data;
  return found instanceof Float32Array && found.length === 1
    ? found[0]
    : undefined;
}
