import assert from "node:assert/strict";
import { facesToTensor } from "./tensor.ts";
import type { RgbImage } from "./types.ts";

Deno.test("facesToTensor", async (t) => {
  // 2x1 faces: pixel 0 = (r0, g0, b0), pixel 1 = (r1, g1, b1).
  const a: RgbImage = {
    width: 2,
    height: 1,
    data: new Uint8Array([0, 64, 128, 255, 127, 1]),
  };
  const b: RgbImage = {
    width: 2,
    height: 1,
    data: new Uint8Array([10, 20, 30, 40, 50, 60]),
  };
  const n = (v: number) => (v - 127.5) / 128;

  await t.step("NCHW layout with the paper's normalisation (rgb)", () => {
    const tensor = facesToTensor([a, b], { channelOrder: "rgb" });
    assert.equal(tensor.length, 2 * 3 * 2);
    assert.deepEqual(
      Array.from(tensor),
      [0, 255, 64, 127, 128, 1, 10, 40, 20, 50, 30, 60].map((v) =>
        Math.fround(n(v))
      ),
    );
  });

  await t.step("bgr swaps the first and last planes", () => {
    const tensor = facesToTensor([a], { channelOrder: "bgr" });
    assert.deepEqual(
      Array.from(tensor),
      [128, 1, 64, 127, 0, 255].map((v) => Math.fround(n(v))),
    );
    assert.equal(tensor[0], 0.00390625);
    assert.equal(tensor[4], -0.99609375);
    assert.equal(tensor[5], 0.99609375);
  });

  await t.step("RangeError for an empty list or mixed sizes", () => {
    assert.throws(() => facesToTensor([], { channelOrder: "rgb" }), RangeError);
    const c: RgbImage = { width: 1, height: 2, data: new Uint8Array(6) };
    assert.throws(
      () => facesToTensor([a, c], { channelOrder: "rgb" }),
      RangeError,
    );
  });
});
