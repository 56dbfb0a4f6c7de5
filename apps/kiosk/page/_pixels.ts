/**
 * Between the browser's pixels and the pipeline's: a canvas gives RGBA
 * (`ImageData`), the detector and alignment take RGB (`RgbImage`).
 *
 * @module
 */

import type { RgbImage } from "@facever/core";

/**
 * The RGB image of RGBA pixels, alpha dropped (a camera frame is opaque).
 *
 * @throws {RangeError} When `rgba` does not hold `width * height` pixels.
 *
 * @example
 * ```ts
 * import { rgbaToRgb } from "./_pixels.ts";
 * const image = rgbaToRgb(new Uint8ClampedArray([1, 2, 3, 255]), 1, 1);
 * console.log(image.data); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export function rgbaToRgb(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): RgbImage {
  const pixels = width * height;
  if (
    !(Number.isInteger(width) && Number.isInteger(height) && pixels >= 0 &&
      rgba.length === pixels * 4)
  ) {
    throw new RangeError(
      `expected ${width}x${height} RGBA pixels (${
        pixels * 4
      } bytes), got ${rgba.length} bytes`,
    );
  }
  const data = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    data[o] = rgba[i];
    data[o + 1] = rgba[i + 1];
    data[o + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

/**
 * Opaque RGBA pixels of an RGB image, as `ImageData` takes them.
 *
 * @example
 * ```ts
 * import { rgbToRgba } from "./_pixels.ts";
 * const rgba = rgbToRgba({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]) });
 * console.log(rgba); // Uint8ClampedArray(4) [ 1, 2, 3, 255 ]
 * ```
 */
export function rgbToRgba(image: RgbImage): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, o = 0; i < image.data.length; i += 3, o += 4) {
    rgba[o] = image.data[i];
    rgba[o + 1] = image.data[i + 1];
    rgba[o + 2] = image.data[i + 2];
    rgba[o + 3] = 255;
  }
  return rgba;
}
