import assert from "node:assert/strict";
import { packProduct } from "./_compile_product.ts";
import type { LoweredConv, Shape } from "./_compile_types.ts";

/**
 * A step whose weight of output `o`, input channel `c` and tap `tap` is
 * `value(o, c, tap)`; packing does not look at the map's size.
 */
function step(
  kind: LoweredConv["kind"],
  inShape: Pick<Shape, "c" | "channels">,
  outShape: Pick<Shape, "c" | "channels">,
  kernel: number,
  value: (o: number, c: number, tap: number) => number,
  onInput = false,
): LoweredConv {
  const taps = kernel * kernel;
  const weight = new Float32Array(outShape.channels * inShape.channels * taps);
  weight.forEach((_, i) => {
    const o = Math.floor(i / (inShape.channels * taps));
    const rest = i % (inShape.channels * taps);
    weight[i] = value(o, Math.floor(rest / taps), rest % taps);
  });
  return {
    kind,
    name: "s",
    input: "a",
    output: "b",
    inShape: { ...inShape, h: 1, w: 1 },
    outShape: { ...outShape, h: 1, w: 1 },
    kernel,
    stride: 1,
    pad: 0,
    dilation: 1,
    onInput,
    weight,
    epilogue: { bias: new Float32Array(outShape.c), relu: false },
  };
}

const eight = (first: number, stride: number, count = 8) =>
  Float32Array.from(
    { length: 8 },
    (_, o) => o < count ? first + o * stride : 0,
  );

Deno.test("pointwise weights: per stored input channel, 8 outputs", () => {
  // 10 outputs stored as 16 over 5 input channels stored as 8.
  const packed = packProduct(
    step(
      "pointwise",
      { c: 8, channels: 5 },
      { c: 16, channels: 10 },
      1,
      (o, c) => 100 * o + c + 1,
    ),
  );
  assert.equal(packed.length, 16 * 8);
  assert.deepEqual(packed.slice(0, 8), eight(1, 100));
  assert.deepEqual(packed.slice(4 * 8, 5 * 8), eight(5, 100));
  // Input channels that storage rounds up read zeros.
  assert.deepEqual(packed.slice(5 * 8, 8 * 8), new Float32Array(24));
  // The second block: outputs 8 and 9, then the rounded-up ones.
  assert.deepEqual(packed.slice(8 * 8, 9 * 8), eight(801, 100, 2));
});

Deno.test("dense weights: (tap, channel) on a map, (channel, tap) on the input", () => {
  const value = (o: number, c: number, tap: number) => 1000 * o + 100 * c + tap;
  const shapes = [{ c: 8, channels: 2 }, { c: 8, channels: 8 }] as const;
  const map = packProduct(step("dense", ...shapes, 3, value));
  assert.equal(map.length, 8 * 18);
  assert.deepEqual(map.slice(0, 8), eight(0, 1000));
  assert.deepEqual(map.slice(8, 16), eight(100, 1000));
  assert.deepEqual(map.slice(16, 24), eight(1, 1000));
  const input = packProduct(step("dense", ...shapes, 3, value, true));
  assert.deepEqual(input.slice(8, 16), eight(1, 1000));
  assert.deepEqual(input.slice(9 * 8, 10 * 8), eight(100, 1000));
});
