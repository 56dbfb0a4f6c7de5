/**
 * Pixel operations on {@linkcode RgbImage}: resizing, cropping, affine
 * warping and grayscale conversion. All of them allocate only their output
 * (plus one scratch buffer for resizing) and loop over typed arrays.
 *
 * Coordinates follow the pixel-centre convention: pixel (i, j) has its centre
 * at the point (i, j), so an image of width W covers x ∈ [-0.5, W - 0.5].
 *
 * @module
 */
import type { AffineMatrix, Box, Point, RgbImage } from "./types.ts";
import { assertOutputSize, assertRgbImage } from "./_validate.ts";
import {
  areaTable,
  type AxisTable,
  bilinearTable,
  resample,
} from "./_resample.ts";

function axisTable(src: number, dst: number): AxisTable {
  return dst < src ? areaTable(0, src, src, dst) : bilinearTable(src, dst);
}

function clampByte(value: number): number {
  // Math.round of a value already known to lie in a sane range.
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/**
 * Resizes an image. Each axis is treated on its own: an axis that shrinks is
 * area-averaged (every source pixel contributes in proportion to its overlap,
 * so there is no aliasing), an axis that grows or stays the same is sampled
 * bilinearly with pixel centres aligned and edges clamped.
 *
 * @param image Source image.
 * @param width Output width, a positive integer.
 * @param height Output height, a positive integer.
 * @returns A new image of `width` x `height`.
 * @throws {RangeError} When the source or the requested size is invalid.
 *
 * @example
 * ```ts
 * import { resizeImage } from "@facever/core";
 * const checker = {
 *   width: 2,
 *   height: 2,
 *   data: new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]),
 * };
 * const mean = resizeImage(checker, 1, 1);
 * console.log(mean.data); // Uint8Array(3) [ 128, 128, 128 ]
 * ```
 */
export function resizeImage(
  image: RgbImage,
  width: number,
  height: number,
): RgbImage {
  assertRgbImage(image);
  assertOutputSize(width, height);
  const srcW = image.width;
  const srcH = image.height;
  const src = image.data;
  if (srcW === width && srcH === height) {
    return { width, height, data: src.slice() };
  }
  return resample(
    image,
    axisTable(srcW, width),
    axisTable(srcH, height),
    width,
    height,
  );
}

/**
 * Cuts a rectangle out of an image. The box edges are rounded to whole
 * pixels (`round(x)` to `round(x + width)`, likewise vertically) and then
 * clipped to the image.
 *
 * @param image Source image.
 * @param box Rectangle in image coordinates; may extend past the image.
 * @returns A new image holding the clipped rectangle.
 * @throws {RangeError} When the box is not finite or the clipped result
 * would have no pixels.
 *
 * @example
 * ```ts
 * import { cropImage } from "@facever/core";
 * const image = { width: 4, height: 4, data: new Uint8Array(48).fill(7) };
 * const crop = cropImage(image, { x: 1, y: 1, width: 10, height: 2 });
 * console.log(crop.width, crop.height); // 3 2
 * ```
 */
export function cropImage(image: RgbImage, box: Box): RgbImage {
  assertRgbImage(image);
  const { x, y, width, height } = box;
  if (![x, y, width, height].every(Number.isFinite)) {
    throw new RangeError(
      `crop box must be finite, got ${JSON.stringify(box)}`,
    );
  }
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + width));
  const y1 = Math.min(image.height, Math.round(y + height));
  if (x1 <= x0 || y1 <= y0) {
    throw new RangeError(
      `crop box ${
        JSON.stringify(box)
      } leaves no pixels inside the ${image.width}x${image.height} image`,
    );
  }
  const outW = x1 - x0;
  const outH = y1 - y0;
  const out = new Uint8Array(outW * outH * 3);
  const srcStride = image.width * 3;
  for (let row = 0; row < outH; row++) {
    const start = (y0 + row) * srcStride + x0 * 3;
    out.set(image.data.subarray(start, start + outW * 3), row * outW * 3);
  }
  return { width: outW, height: outH, data: out };
}

function assertMatrix(matrix: AffineMatrix): void {
  if (matrix.length !== 6 || !matrix.every(Number.isFinite)) {
    throw new RangeError(
      `affine matrix must be 6 finite numbers, got [${matrix.join(", ")}]`,
    );
  }
}

/**
 * Inverts an affine transform.
 *
 * @param matrix `[a, b, c, d, e, f]`, mapping (x, y) to
 * (a·x + b·y + c, d·x + e·y + f).
 * @returns The transform that undoes `matrix`.
 * @throws {RangeError} When the matrix is singular or not finite.
 *
 * @example
 * ```ts
 * import { applyAffine, invertAffine } from "@facever/core";
 * const inverse = invertAffine([2, 0, 10, 0, 2, 20]);
 * console.log(applyAffine(inverse, { x: 12, y: 22 })); // { x: 1, y: 1 }
 * ```
 */
export function invertAffine(matrix: AffineMatrix): AffineMatrix {
  assertMatrix(matrix);
  const [a, b, c, d, e, f] = matrix;
  const det = a * e - b * d;
  const magnitude = Math.max(
    Math.abs(a),
    Math.abs(b),
    Math.abs(d),
    Math.abs(e),
  );
  if (
    det === 0 || !Number.isFinite(1 / det) ||
    Math.abs(det) <= Number.EPSILON * magnitude * magnitude
  ) {
    throw new RangeError(
      `affine matrix [${matrix.join(", ")}] is singular and cannot be inverted`,
    );
  }
  return [
    e / det,
    -b / det,
    (b * f - e * c) / det,
    -d / det,
    a / det,
    (d * c - a * f) / det,
  ];
}

/**
 * Maps a point through an affine transform.
 *
 * @example
 * ```ts
 * import { applyAffine } from "@facever/core";
 * console.log(applyAffine([0, -1, 5, 1, 0, 0], { x: 1, y: 0 })); // { x: 5, y: 1 }
 * ```
 */
export function applyAffine(matrix: AffineMatrix, point: Point): Point {
  const [a, b, c, d, e, f] = matrix;
  return { x: a * point.x + b * point.y + c, y: d * point.x + e * point.y + f };
}

/**
 * Warps an image with an affine transform. `matrix` maps SOURCE coordinates
 * to DESTINATION coordinates (pixel centres at integer coordinates); every
 * output pixel is sampled bilinearly at the inverse-mapped position. Source
 * pixels outside the image count as black (0), so edges fade to black the
 * way OpenCV's `BORDER_CONSTANT` does.
 *
 * @param image Source image.
 * @param matrix Source → destination transform.
 * @param width Output width, a positive integer.
 * @param height Output height, a positive integer.
 * @throws {RangeError} When the matrix is singular or a size is invalid.
 *
 * @example
 * ```ts
 * import { warpAffine } from "@facever/core";
 * const image = { width: 2, height: 1, data: new Uint8Array([9, 9, 9, 200, 200, 200]) };
 * // Shift one pixel to the right: the first output pixel comes from x = -1.
 * const shifted = warpAffine(image, [1, 0, 1, 0, 1, 0], 2, 1);
 * console.log(shifted.data); // Uint8Array(6) [ 0, 0, 0, 9, 9, 9 ]
 * ```
 */
export function warpAffine(
  image: RgbImage,
  matrix: AffineMatrix,
  width: number,
  height: number,
): RgbImage {
  assertRgbImage(image);
  assertOutputSize(width, height);
  const [ia, ib, ic, id, ie, iff] = invertAffine(matrix);
  const srcW = image.width;
  const srcH = image.height;
  const src = image.data;
  const stride = srcW * 3;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    // Row start computed afresh so rounding error never builds up.
    let sx = ib * y + ic;
    let sy = ie * y + iff;
    for (let x = 0; x < width; x++, sx += ia, sy += id, o += 3) {
      if (!(sx > -1 && sy > -1 && sx < srcW && sy < srcH)) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p = y0 * stride + x0 * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < srcW && y0 + 1 < srcH) {
        const q = p + stride;
        // A convex combination of bytes is a byte: rounding is all it needs.
        out[o] = w00 * src[p] + w10 * src[p + 3] + w01 * src[q] +
          w11 * src[q + 3] + 0.5;
        out[o + 1] = w00 * src[p + 1] + w10 * src[p + 4] + w01 * src[q + 1] +
          w11 * src[q + 4] + 0.5;
        out[o + 2] = w00 * src[p + 2] + w10 * src[p + 5] + w01 * src[q + 2] +
          w11 * src[q + 5] + 0.5;
      } else {
        // Border: neighbours outside the image contribute black.
        const left = x0 >= 0;
        const right = x0 + 1 < srcW;
        const top = y0 >= 0;
        const bottom = y0 + 1 < srcH;
        for (let ch = 0; ch < 3; ch++) {
          let v = 0;
          if (top && left) v += w00 * src[p + ch];
          if (top && right) v += w10 * src[p + 3 + ch];
          if (bottom && left) v += w01 * src[p + stride + ch];
          if (bottom && right) v += w11 * src[p + stride + 3 + ch];
          out[o + ch] = clampByte(v);
        }
      }
    }
  }
  return { width, height, data: out };
}

/**
 * Converts an image to 8-bit luma with the ITU-R BT.601 weights
 * (0.299 R + 0.587 G + 0.114 B), rounded to the nearest integer.
 *
 * @returns `width * height` bytes, row by row.
 *
 * @example
 * ```ts
 * import { toGrayscale } from "@facever/core";
 * const image = { width: 1, height: 1, data: new Uint8Array([255, 0, 0]) };
 * console.log(toGrayscale(image)); // Uint8Array(1) [ 76 ]
 * ```
 */
export function toGrayscale(image: RgbImage): Uint8Array {
  assertRgbImage(image);
  const src = image.data;
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    // Exact integer form of Math.round(0.299 R + 0.587 G + 0.114 B).
    out[i] = ((299 * src[p] + 587 * src[p + 1] + 114 * src[p + 2] + 500) /
      1000) | 0;
  }
  return out;
}
