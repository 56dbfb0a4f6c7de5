import assert from "node:assert/strict";
import { packDepthwise } from "./_compile_depthwise.ts";
import type { LoweredConv } from "./_compile_types.ts";

/** A depthwise 3×3 step whose weight of channel c, tap t is 100c + t + 1. */
function step(c: number, channels: number): LoweredConv {
  const shape = { c, channels, h: 4, w: 4 };
  return {
    kind: "depthwise",
    name: "s",
    input: "a",
    output: "b",
    inShape: shape,
    outShape: shape,
    kernel: 3,
    stride: 1,
    pad: 1,
    dilation: 1,
    onInput: false,
    weight: Float32Array.from(
      { length: channels * 9 },
      (_, i) => 100 * Math.floor(i / 9) + i % 9 + 1,
    ),
    epilogue: { bias: new Float32Array(c), relu: false },
  };
}

/** The weights of tap `t` for channels `from` to `to` (exclusive). */
const tap = (t: number, from: number, to: number) =>
  Float32Array.from({ length: to - from }, (_, i) => 100 * (from + i) + t + 1);

Deno.test("depthwise weights: per tap, up to four vectors of channels", async (t) => {
  await t.step("8 channels, two vectors per tap", () => {
    const packed = packDepthwise(step(8, 8));
    assert.equal(packed.length, 8 * 9);
    assert.deepEqual(packed.slice(0, 8), tap(0, 0, 8));
    assert.deepEqual(packed.slice(8, 16), tap(1, 0, 8));
  });
  await t.step("12 channels stored as 16, four vectors per tap", () => {
    const packed = packDepthwise(step(16, 12));
    assert.equal(packed.length, 16 * 9);
    assert.deepEqual(packed.slice(16, 28), tap(1, 0, 12));
    assert.deepEqual(packed.slice(28, 32), new Float32Array(4));
  });
  await t.step("12 channels, one vector at a time", () => {
    const packed = packDepthwise(step(12, 12));
    assert.deepEqual(packed.slice(0, 4), tap(0, 0, 4));
    assert.deepEqual(packed.slice(4, 8), tap(1, 0, 4));
    // The second vector of channels starts after all 9 taps of the first.
    assert.deepEqual(packed.slice(36, 40), tap(0, 4, 8));
  });
});
