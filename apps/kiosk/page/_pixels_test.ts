import assert from "node:assert/strict";
import { rgbaToRgb, rgbToRgba } from "./_pixels.ts";

Deno.test("pixels between the canvas and the pipeline", async (t) => {
  await t.step("RGBA to RGB drops alpha, row by row", () => {
    const rgba = new Uint8ClampedArray([
      ...[1, 2, 3, 255],
      ...[4, 5, 6, 0],
      ...[7, 8, 9, 128],
      ...[10, 11, 12, 255],
    ]);
    const image = rgbaToRgb(rgba, 2, 2);
    assert.equal(image.width, 2);
    assert.equal(image.height, 2);
    assert.deepEqual([...image.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  await t.step("RGB to RGBA is opaque and round-trips", () => {
    const image = {
      width: 3,
      height: 1,
      data: new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1]),
    };
    const rgba = rgbToRgba(image);
    assert.deepEqual([...rgba], [9, 8, 7, 255, 6, 5, 4, 255, 3, 2, 1, 255]);
    assert.deepEqual(rgbaToRgb(rgba, 3, 1), image);
  });

  await t.step("a buffer of the wrong size is a RangeError", () => {
    assert.throws(() => rgbaToRgb(new Uint8ClampedArray(15), 2, 2), RangeError);
    assert.throws(
      () => rgbaToRgb(new Uint8ClampedArray(4), 0.5, 2),
      RangeError,
    );
  });
});
