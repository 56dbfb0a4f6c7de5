/**
 * Plain data types shared by every package.
 *
 * @module
 */

/**
 * An 8-bit RGB image: `data` holds `width * height * 3` bytes, row by row,
 * each pixel as R, G, B.
 *
 * @example
 * ```ts
 * import type { RgbImage } from "@facever/core";
 * const black: RgbImage = { width: 2, height: 1, data: new Uint8Array(6) };
 * console.log(black.data.length); // 6
 * ```
 */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height * 3` bytes: R, G, B per pixel, row by row. */
  readonly data: Uint8Array;
}

/**
 * A point in image coordinates (pixels, origin top-left, x to the right).
 *
 * @example
 * ```ts
 * import type { Point } from "@facever/core";
 * const noseTip: Point = { x: 56, y: 72 };
 * console.log(noseTip.x);
 * ```
 */
export interface Point {
  /** Horizontal coordinate in pixels, growing to the right. */
  readonly x: number;
  /** Vertical coordinate in pixels, growing downwards. */
  readonly y: number;
}

/**
 * An axis-aligned rectangle in image coordinates.
 *
 * @example
 * ```ts
 * import type { Box } from "@facever/core";
 * const box: Box = { x: 10, y: 20, width: 100, height: 120 };
 * console.log(box.width * box.height);
 * ```
 */
export interface Box {
  /** Left edge. */
  readonly x: number;
  /** Top edge. */
  readonly y: number;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/**
 * A 2-D affine transform `[a, b, c, d, e, f]` that maps (x, y) to
 * (a·x + b·y + c, d·x + e·y + f).
 *
 * @example
 * ```ts
 * import type { AffineMatrix } from "@facever/core";
 * const identity: AffineMatrix = [1, 0, 0, 0, 1, 0];
 * console.log(identity.length); // 6
 * ```
 */
export type AffineMatrix = readonly [
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
];

/**
 * An image read in parts, each at the resolution it is needed at: what
 * `openImage` returns, and what the detector and `alignFace` read faces
 * from. A large baseline JPEG is never decoded whole: a read decodes only
 * the blocks under its box, at 1/8, 1/4, 1/2 or full scale. Any other
 * image is decoded once (`imageSource` wraps decoded pixels), and a read
 * crops and resizes it.
 *
 * @example
 * ```ts
 * import { imageSource, type ImageSource } from "@facever/core";
 * const source: ImageSource = imageSource({
 *   width: 4,
 *   height: 4,
 *   data: new Uint8Array(48).fill(200),
 * });
 * // The top-left 2×2 pixels as one pixel.
 * const mean = source.read({ x: 0, y: 0, width: 2, height: 2 }, 1, 1);
 * console.log(source.width, mean.data); // 4 Uint8Array(3) [ 200, 200, 200 ]
 * ```
 */
export interface ImageSource {
  /** Width of the upright image (its EXIF orientation applied), in pixels. */
  readonly width: number;
  /** Height of the upright image, in pixels. */
  readonly height: number;
  /**
   * The part of the upright image inside `box` (its edges rounded to whole
   * pixels and clipped to the image, as `cropImage` does) resized to
   * `width` × `height` as `resizeImage` resizes: for decoded pixels,
   * exactly `resizeImage(cropImage(image, box), width, height)`. Where the
   * file offers reduced resolutions, the coarsest one with at least
   * `detail` (default 1) of its pixels per output pixel on each axis is
   * decoded, and area-averaged to the size.
   *
   * @throws {RangeError} When the box leaves no pixel inside the image, a
   * size is not a positive integer, or `detail` is below 1.
   */
  read(box: Box, width: number, height: number, detail?: number): RgbImage;
}
