/**
 * Reads the nodes the compiler turns into layers (Conv and Gemm) and the
 * per-channel initializers that are fused into them, refusing what the
 * kernels cannot run.
 *
 * @module
 */

import type { GraphNode, Initializer } from "./_onnx.ts";
import { unsupported } from "./_compile_types.ts";

/** A Conv-like layer as read from the graph, before fusion. */
export interface LayerSource {
  readonly x: string;
  /** Weights `[cout, cin / group, k, k]`. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly cout: number;
  readonly group: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation: number;
}

/** A Conv node with a square kernel and equal strides, pads and dilations. */
export function convSource(
  node: GraphNode,
  initializers: ReadonlyMap<string, Initializer>,
  where: string,
): LayerSource {
  const [x, weightName, biasName] = node.inputs;
  const weight = initializer(initializers, weightName, where);
  const [cout, , kh, kw] = weight.dims;
  const list = (key: string, fallback: number[]) => {
    const value = node.attributes[key] ?? fallback;
    return typeof value === "number" ? [value] : value;
  };
  const group = node.attributes.group ?? 1;
  const strides = list("strides", [1, 1]);
  const pads = list("pads", [0, 0, 0, 0]);
  const dilations = list("dilations", [1, 1]);
  const same = (values: readonly number[]) =>
    values.every((v) => v === values[0]);
  if (
    weight.dims.length !== 4 || kh !== kw || typeof group !== "number" ||
    !same(strides) || !same(pads) || !same(dilations) ||
    node.attributes.auto_pad !== undefined
  ) {
    unsupported(
      `${where}: only square kernels and equal strides, pads and dilations are compiled`,
    );
  }
  return {
    x,
    weight: weight.data as Float32Array,
    bias: biasOf(initializers, biasName, cout, where),
    cout,
    group,
    kernel: kh,
    stride: strides[0],
    pad: pads[0],
    dilation: dilations[0],
  };
}

/** A Gemm node computing x · Wᵀ + b. */
export function gemmSource(
  node: GraphNode,
  initializers: ReadonlyMap<string, Initializer>,
  where: string,
): LayerSource {
  const [x, weightName, biasName] = node.inputs;
  const weight = initializer(initializers, weightName, where);
  const { alpha = 1, beta = 1, transA = 0, transB = 0 } = node.attributes;
  if (
    alpha !== 1 || beta !== 1 || transA !== 0 || transB !== 1 ||
    weight.dims.length !== 2
  ) {
    unsupported(`${where}: only x · Wᵀ + b is compiled`);
  }
  const [cout] = weight.dims;
  // On a flattened 1×1 map, x · Wᵀ + b is a 1×1 convolution.
  return {
    x,
    weight: weight.data as Float32Array,
    bias: biasOf(initializers, biasName, cout, where),
    cout,
    group: 1,
    kernel: 1,
    stride: 1,
    pad: 0,
    dilation: 1,
  };
}

/**
 * A MatMul node computing x · W with W an initializer `[K, N]`: on a
 * flattened 1×1 map, a 1×1 convolution with weights Wᵀ and no bias.
 */
export function matMulSource(
  node: GraphNode,
  initializers: ReadonlyMap<string, Initializer>,
  where: string,
): LayerSource {
  const [x, weightName] = node.inputs;
  const weight = initializer(initializers, weightName, where);
  if (weight.dims.length !== 2) {
    unsupported(`${where}: only x · W with a 2-D initializer W is compiled`);
  }
  const [k, n] = weight.dims;
  const w = weight.data as Float32Array;
  const transposed = new Float32Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let o = 0; o < n; o++) transposed[o * k + i] = w[i * n + o];
  }
  return {
    x,
    weight: transposed,
    bias: new Float32Array(n),
    cout: n,
    group: 1,
    kernel: 1,
    stride: 1,
    pad: 0,
    dilation: 1,
  };
}

/** A layer's optional bias input; none is a bias of zeros. */
function biasOf(
  initializers: ReadonlyMap<string, Initializer>,
  name: string | undefined,
  cout: number,
  where: string,
) {
  return name
    ? perChannel(initializers, name, cout, where)
    : new Float32Array(cout);
}

function initializer(
  initializers: ReadonlyMap<string, Initializer>,
  name: string,
  where: string,
): Initializer {
  const found = initializers.get(name);
  if (!found || !(found.data instanceof Float32Array)) {
    unsupported(`${where}: ${name} is not a float32 initializer`);
  }
  return found;
}

/** One value per channel; a single value is broadcast to every channel. */
export function perChannel(
  initializers: ReadonlyMap<string, Initializer>,
  name: string,
  channels: number,
  where: string,
): Float32Array {
  const { data } = initializer(initializers, name, where);
  const values = data as Float32Array;
  if (values.length === channels) return values;
  if (values.length === 1) return new Float32Array(channels).fill(values[0]);
  return unsupported(
    `${where}: ${name} has ${values.length} values for ${channels} channels`,
  );
}
