/**
 * The small ONNX graphs the compiler's tests compile, with every pattern
 * it fuses, and the builders they are made of.
 *
 * @module
 */

import assert from "node:assert/strict";
import { randomFloats } from "@facever/testing";
import type { TestGraph, TestNode } from "./_test_util.ts";
import {
  isConv,
  type LoweredConv,
  type LoweredStep,
} from "./_compile_types.ts";

/** The steps, each checked to be a convolution, typed as such. */
export const convSteps = (steps: readonly LoweredStep[]): LoweredConv[] =>
  steps.map((step) => {
    assert.ok(isConv(step), `${step.name} is a ${step.kind}, not a Conv`);
    return step;
  });

let seed = 100;
/** Random weights of the given dimensions, a new seed each call. */
export const weights = (dims: number[], scale = 0.3) => ({
  dims,
  data: randomFloats(dims.reduce((n, d) => n * d, 1), seed++, scale),
});
/** Random PReLU slopes, one per channel. */
export const slopes = (channels: number) => ({
  dims: [channels, 1, 1],
  data: randomFloats(channels, seed++, 0.5).map((s) => s + 0.25),
});
/** A square Conv node. */
export const conv = (
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
/** A PRelu node. */
export const prelu = (x: string, slope: string, y: string): TestNode => ({
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
export function testGraph(): TestGraph {
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

/**
 * The detector's patterns: ReLU, dense dilated 3×3 convolutions inside the
 * graph, a channel Concat, a scalar Mul, an Add followed by a ReLU, output
 * channels that are not a multiple of 8, and an NHWC feature-map output;
 * the landmark net's Flatten, Gemm and BatchNormalization.
 */
export function detectorGraph(): TestGraph {
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

/**
 * A residual that is also the convolution's input: u = t + conv1x1(t), so
 * the output must not overwrite t while the second block of 8 output
 * channels still reads it.
 */
export function residualGraph(): TestGraph {
  return {
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
  };
}

/** The landmark net's head: Flatten, Gemm and BatchNormalization on a 1×1 map. */
export function gemmGraph(): TestGraph {
  return {
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
  };
}

/** A node of `op` with inputs, one output and numeric attributes. */
const node = (
  op: string,
  inputs: string[],
  output: string,
  attributes?: Record<string, number | number[]>,
): TestNode => ({ op, inputs, outputs: [output], attributes });

/**
 * The `[batch, -1]` target PyTorch exports for `x.view(x.size(0), -1)`:
 * Shape → Gather index 0 → Unsqueeze → Concat with -1, then the Reshape.
 */
const batchFlatten = (x: string, y: string): TestNode[] => [
  node("Shape", [x], `${y}_shape`),
  node("Gather", [`${y}_shape`, "zero"], `${y}_n`, { axis: 0 }),
  node("Unsqueeze", [`${y}_n`], `${y}_n1`, { axes: [0] }),
  node("Concat", [`${y}_n1`, "minus_one"], `${y}_target`, { axis: 0 }),
  node("Reshape", [x, `${y}_target`], y),
];
const batchFlattenConstants = {
  zero: { dims: [], data: BigInt64Array.of(0n) },
  minus_one: { dims: [1], data: BigInt64Array.of(-1n) },
};

/**
 * The liveness net's patterns: a squeeze-and-excite gate (global average
 * pool, 1×1 convolutions with ReLU and Sigmoid, the Mul of the map by the
 * gate, a residual Add), 12 channels stored as 16, a global depthwise
 * convolution, the computed `[batch, -1]` Reshape, and MatMul,
 * BatchNormalization, MatMul.
 */
export function gateGraph(): TestGraph {
  return {
    input: { name: "x", dims: ["batch", 3, 10, 9] },
    output: { name: "y", dims: ["batch", 3] },
    opset: 11,
    nodes: [
      conv("x", "w1", "b1", "c1", { kernel: 3, stride: 2, pad: 1 }),
      prelu("c1", "s1", "p1"),
      conv("p1", "w2", "b2", "r"),
      conv("r", "w3", "b3", "t"),
      node("GlobalAveragePool", ["t"], "g"),
      conv("g", "w4", "b4", "e1"),
      node("Relu", ["e1"], "e2"),
      conv("e2", "w5", "b5", "e3"),
      node("Sigmoid", ["e3"], "gate"),
      node("Mul", ["t", "gate"], "m"),
      node("Add", ["r", "m"], "a"),
      conv("a", "w6", "b6", "dw", { kernel: 5, group: 12 }),
      ...batchFlatten("dw", "f"),
      node("MatMul", ["f", "w7"], "l"),
      node(
        "BatchNormalization",
        ["l", "gamma", "beta", "mean", "variance"],
        "n",
      ),
      node("MatMul", ["n", "w8"], "y"),
    ],
    initializers: {
      w1: weights([16, 3, 3, 3]),
      b1: weights([16]),
      s1: slopes(16),
      w2: weights([12, 16, 1, 1]),
      b2: weights([12]),
      w3: weights([12, 12, 1, 1]),
      b3: weights([12]),
      w4: weights([4, 12, 1, 1], 1),
      b4: weights([4]),
      w5: weights([12, 4, 1, 1], 2),
      b5: weights([12]),
      w6: weights([12, 1, 5, 5]),
      b6: weights([12]),
      w7: weights([12, 8]),
      gamma: weights([8]),
      beta: weights([8]),
      mean: weights([8]),
      variance: {
        dims: [8],
        data: weights([8]).data.map((v) => 0.5 + Math.abs(v)),
      },
      w8: weights([8, 3]),
      ...batchFlattenConstants,
    },
  };
}

/**
 * The eye net's patterns: unpadded dense 3×3 convolutions with ReLU,
 * bias-free depthwise convolutions, strided 1×1 convolutions (one of them
 * on a map that a padded convolution also reads), 3×3/2 max pools padded
 * by 1 whose windows lose taps at every edge, each added to the strided
 * branch (once into a map stored with a border), a global average pool
 * and the computed `[batch, -1]` Reshape.
 */
export function poolGraph(): TestGraph {
  const pool = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
  return {
    input: { name: "x", dims: ["batch", 1, 12, 11] },
    output: { name: "y", dims: ["batch", 2] },
    opset: 11,
    nodes: [
      conv("x", "w1", "b1", "c1", { kernel: 3 }),
      node("Relu", ["c1"], "r1"),
      conv("r1", "w2", "b2", "skip1", { stride: 2 }),
      conv("r1", "w3", undefined, "d1", { kernel: 3, pad: 1, group: 8 }),
      conv("d1", "w4", "b4", "q1"),
      node("MaxPool", ["q1"], "m1", pool),
      node("Add", ["skip1", "m1"], "a1"),
      conv("a1", "w5", "b5", "skip2", { stride: 2 }),
      conv("a1", "w6", undefined, "d2", { kernel: 3, pad: 1, group: 16 }),
      conv("d2", "w7", "b7", "q2"),
      node("MaxPool", ["q2"], "m2", pool),
      node("Add", ["skip2", "m2"], "a2"),
      conv("a2", "w8", "b8", "z", { kernel: 3, pad: 1 }),
      node("GlobalAveragePool", ["z"], "g"),
      ...batchFlatten("g", "y"),
    ],
    initializers: {
      w1: weights([8, 1, 3, 3]),
      b1: weights([8]),
      w2: weights([16, 8, 1, 1]),
      b2: weights([16]),
      w3: weights([8, 1, 3, 3]),
      w4: weights([16, 8, 1, 1]),
      b4: weights([16]),
      w5: weights([16, 16, 1, 1]),
      b5: weights([16]),
      w6: weights([16, 1, 3, 3]),
      w7: weights([16, 16, 1, 1]),
      b7: weights([16]),
      w8: weights([2, 16, 3, 3]),
      b8: weights([2]),
      ...batchFlattenConstants,
    },
  };
}
