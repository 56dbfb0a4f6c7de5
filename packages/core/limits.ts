/**
 * How large an image may be, by default: one memory budget for a decode,
 * and what each decoder takes per pixel, measured. A format whose decoder
 * needs little memory per pixel is allowed more pixels, up to a 24 Mi
 * pixel cap (every 24-megapixel phone photo), so that a recent phone's
 * JPEG or HEIC is read while the budget, and a 512 MiB edge isolate, hold.
 *
 * @module
 */

/**
 * The memory one decode may take at its default limit: 384 MiB, which
 * with the largest decoder's first load (AVIF, 42 MB) and a bare Deno
 * runtime (about 40 MB) fits a 512 MiB edge isolate.
 *
 * @example
 * ```ts
 * import { DECODE_MEMORY_BUDGET } from "@facever/core";
 * console.log(DECODE_MEMORY_BUDGET / 2 ** 20); // 384
 * ```
 */
export const DECODE_MEMORY_BUDGET: number = 384 * 2 ** 20;

/**
 * The decoders the memory budget tells apart: the container format, and
 * for JPEG whether it is sequential (baseline or extended, gray or YCbCr:
 * MozJPEG, or our own decoder through `openImage`), progressive (MozJPEG
 * keeps every coefficient) or CMYK/YCCK (jpeg-js).
 *
 * @example
 * ```ts
 * import type { DecodeKind } from "@facever/core";
 * const phone: DecodeKind = "jpeg";
 * console.log(phone);
 * ```
 */
export type DecodeKind =
  | "jpeg"
  | "jpeg-progressive"
  | "jpeg-cmyk"
  | "png"
  | "webp"
  | "avif"
  | "heic"
  | "gif"
  | "bmp"
  | "tiff";

/**
 * The most memory a decode takes per pixel, by decoder: its peak resident
 * memory (decoder heap, decoded samples and the RGB result together),
 * measured on large images and rounded up by at least 10 % (Linux VmHWM
 * above the process before the decode; packages/core/README.md has the
 * measurements). A decode of `pixels` stays under this many bytes times
 * `pixels`, for hostile input too, plus the decoder's own load the first
 * time a format is seen.
 *
 * @example
 * ```ts
 * import { DECODE_BYTES_PER_PIXEL } from "@facever/core";
 * console.log(DECODE_BYTES_PER_PIXEL.jpeg, DECODE_BYTES_PER_PIXEL.avif); // 13 32
 * ```
 */
export const DECODE_BYTES_PER_PIXEL: Readonly<Record<DecodeKind, number>> =
  Object.freeze({
    jpeg: 13, // 11.7 at 24 MP (MozJPEG); `openImage`: 0.7, 5.5 with a 1/2 read
    "jpeg-progressive": 19, // 14.6 at 24 MP 4:2:0, 17.2 4:4:4
    "jpeg-cmyk": 64, // 61.5 at 6 MP (jpeg-js)
    png: 15, // 12.9
    webp: 12, // 10.6
    avif: 32, // 29.2 for 10-bit 4:4:4
    heic: 16, // 14.6 at 24 MP (one HEVC image), 9.2 for iPhone grids
    gif: 8, // 7.2
    bmp: 4, // 3.1
    tiff: 8, // 3.0 for LZW
  });

/**
 * The cap of the default pixel limit, 24 Mi pixels (above 24-megapixel
 * phone photos, 6000 × 4000): the limit of every decoder that needs at
 * most 16 bytes per pixel. Beyond it the RGB image and the detector's
 * work on it would take more than the budget too; raise `maxPixels` where
 * memory allows.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_PIXELS } from "@facever/core";
 * console.log(DEFAULT_MAX_PIXELS); // 25165824
 * ```
 */
export const DEFAULT_MAX_PIXELS: number = 24 * 2 ** 20;

/**
 * The default pixel limit of `decodeImage` and `openImage` for a decoder:
 * {@linkcode DECODE_MEMORY_BUDGET} over its
 * {@linkcode DECODE_BYTES_PER_PIXEL}, at most
 * {@linkcode DEFAULT_MAX_PIXELS}: 24 Mi pixels for sequential JPEG, HEIC,
 * PNG, WebP, GIF, BMP and TIFF; 20 Mi for progressive JPEG, 12 Mi for
 * AVIF, 6 Mi for CMYK JPEG.
 *
 * @example
 * ```ts
 * import { defaultMaxPixels } from "@facever/core";
 * console.log(defaultMaxPixels("avif") / 2 ** 20); // 12
 * ```
 */
export function defaultMaxPixels(kind: DecodeKind): number {
  return Math.min(
    DEFAULT_MAX_PIXELS,
    Math.floor(DECODE_MEMORY_BUDGET / DECODE_BYTES_PER_PIXEL[kind]),
  );
}
