/**
 * Decoded pixels as an {@linkcode ImageSource}, so that code reading faces
 * takes a photo's bytes (through `openImage`) and pixels a caller already
 * holds the same way.
 *
 * @module
 */
import type { Box, ImageSource, RgbImage } from "./types.ts";
import { cropImage, resizeImage } from "./image.ts";
import { assertRgbImage } from "./_validate.ts";

/**
 * Wraps decoded pixels as an {@linkcode ImageSource}: a read crops and
 * resizes them (`resizeImage(cropImage(image, box), width, height)`, the
 * crop skipped for the whole image); `detail` changes nothing, the pixels
 * being all there is. The pixels are not copied.
 *
 * @throws {RangeError} When `image` is not a valid RGB image.
 *
 * @example
 * ```ts
 * import { imageSource } from "@facever/core";
 * const image = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
 * const source = imageSource(image);
 * const half = source.read({ x: 0, y: 0, width: 640, height: 480 }, 320, 240);
 * console.log(half.width, half.height); // 320 240
 * ```
 */
export function imageSource(image: RgbImage): ImageSource {
  assertRgbImage(image);
  return {
    width: image.width,
    height: image.height,
    read(box: Box, width: number, height: number, detail = 1): RgbImage {
      if (!(detail >= 1 && Number.isFinite(detail))) {
        throw new RangeError(
          `detail must be a finite number ≥ 1, got ${detail}`,
        );
      }
      const whole = box.x === 0 && box.y === 0 &&
        box.width === image.width && box.height === image.height;
      return resizeImage(whole ? image : cropImage(image, box), width, height);
    },
  };
}
