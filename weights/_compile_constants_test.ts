import assert from "node:assert/strict";
import { readGraph } from "./_onnx.ts";
import { lowerGraph } from "./_compile_lower.ts";
import { packConstants } from "./_compile_constants.ts";
import { packDepthwise } from "./_compile_depthwise.ts";
import { packProduct } from "./_compile_product.ts";
import { ALIGN, align, F32, isConv } from "./_compile_types.ts";
import { onnxModel } from "./_test_util.ts";
import { detectorGraph, testGraph } from "./_test_graphs.ts";

Deno.test("each step's constants are packed in order, aligned, little-endian", () => {
  for (const graph of [testGraph(), detectorGraph()]) {
    const { steps } = lowerGraph(readGraph(onnxModel(graph)));
    const { bytes, steps: offsets } = packConstants(steps);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const read = (offset: number, length: number) =>
      Float32Array.from(
        { length },
        (_, i) => view.getFloat32(offset + i * F32, true),
      );
    let next = 0;
    steps.forEach((step, i) => {
      const at = offsets[i];
      if (!isConv(step)) return assert.equal(at, undefined, step.name);
      assert.ok(at, step.name);
      const weights = step.kind === "depthwise"
        ? packDepthwise(step)
        : packProduct(step);
      const { bias, slope } = step.epilogue;
      assert.equal(at.weights, next, step.name);
      assert.deepEqual(read(at.weights, weights.length), weights);
      assert.equal(at.bias, at.weights + align(weights.length * F32));
      assert.deepEqual(read(at.bias, bias.length), bias);
      next = at.bias + align(bias.length * F32);
      if (slope) {
        // Stored as slope − 1, which the epilogue multiplies by min(v, 0).
        assert.equal(at.slopeMinusOne, next);
        assert.deepEqual(
          read(next, slope.length),
          slope.map((s) => s - 1),
        );
        next += align(slope.length * F32);
      } else {
        assert.equal(at.slopeMinusOne, undefined);
      }
      for (const offset of [at.weights, at.bias, at.slopeMinusOne ?? 0]) {
        assert.equal(offset % ALIGN, 0);
      }
    });
    assert.equal(bytes.length, next);
  }
});
