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
