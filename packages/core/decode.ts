/**
 * Decoding JPEG and PNG bytes into upright RGB images.
 *
 * @module
 */
import { FaceError, ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import type { RgbImage } from "./types.ts";
import { checkStructure, parseHeader } from "./_header.ts";
import {
  CodecError,
  decodeJpegCmyk,
  decodeJpegMozjpeg,
  decodePng,
} from "./_codecs.ts";
import { applyOrientation } from "./_orient.ts";

/**
 * What an image header says, read without decoding pixels.
 *
 * @example
 * ```ts
 * import { type ImageInfo, readImageInfo } from "@facever/core";
 * const png = Uint8Array.from(atob(
 *   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
 * ), (c) => c.charCodeAt(0));
 * const info: ImageInfo = readImageInfo(png);
 * console.log(info); // { format: "png", width: 1, height: 1, orientation: 1 }
 * ```
 */
export interface ImageInfo {
  /** Container format. */
  format: "jpeg" | "png";
  /** Width as stored, before any EXIF orientation is applied. */
  width: number;
  /** Height as stored, before any EXIF orientation is applied. */
  height: number;
  /**
   * EXIF orientation 1..8 (JPEG APP1 Exif, PNG eXIf before the image data);
   * 1 when absent or unreadable. 5..8 mean the upright image is
   * `height` x `width`.
   */
  orientation: number;
}

/**
 * Reads format, stored size and EXIF orientation from the header of a JPEG
 * (segments up to the first scan: SOFn, APP1 Exif) or PNG (chunks up to the
 * first IDAT: IHDR, eXIf). Pixel data is not read or checked.
 *
 * @throws {ImageDecodeError} `unsupported_format` for anything but JPEG and
 * PNG (and for JPEG variants the decoder lacks: arithmetic, lossless,
 * 12-bit), `truncated_image` when the header is cut off, `corrupt_image`
 * when it is malformed (including a zero width or height).
 *
 * @example
 * ```ts
 * import { readImageInfo } from "@facever/core";
 * try {
 *   readImageInfo(new TextEncoder().encode("GIF89a..."));
 * } catch (error) {
 *   console.log((error as { code: string }).code); // "unsupported_format"
 * }
 * ```
 */
export function readImageInfo(bytes: Uint8Array): ImageInfo {
  assertBytes(bytes);
  const { format, width, height, orientation } = parseHeader(bytes);
  return { format, width, height, orientation };
}

/**
 * The default pixel limit of {@linkcode decodeImage}: 50 megapixels, about
 * 150 MB of RGB (and 200 MB of RGBA inside the decoder).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_PIXELS } from "@facever/core";
 * console.log(DEFAULT_MAX_PIXELS); // 50000000
 * ```
 */
export const DEFAULT_MAX_PIXELS: number = 50_000_000;

/**
 * Options of {@linkcode decodeImage}.
 *
 * @example
 * ```ts
 * import type { DecodeOptions } from "@facever/core";
 * const options: DecodeOptions = { maxPixels: 4096 * 4096 };
 * console.log(options.maxPixels);
 * ```
 */
export interface DecodeOptions {
  /**
   * Largest `width * height` accepted, checked against the header before
   * any pixel memory is allocated. Default {@linkcode DEFAULT_MAX_PIXELS}.
   */
  maxPixels?: number;
}

/**
 * Decodes a JPEG or PNG into an upright 8-bit RGB image.
 *
 * - JPEG: baseline, extended and progressive; grayscale, YCbCr and
 *   CMYK/YCCK (Adobe). Arithmetic-coded, lossless and 12-bit JPEGs are
 *   rejected as `unsupported_format`.
 * - PNG: every colour type and bit depth (gray, gray + alpha, palette with or
 *   without tRNS, RGB, RGBA; 1..16 bits; interlaced). 16-bit samples are
 *   rounded to 8 bits. Transparency (alpha channel, palette alpha or tRNS
 *   colour key) is composited over WHITE: `out = (c·a + 255·(255 − a)) / 255`,
 *   rounded.
 * - EXIF orientation (see {@linkcode readImageInfo}) is applied, so the
 *   result may be `height` x `width` of the stored image.
 *
 * The header is read first: an image over `maxPixels` throws
 * {@linkcode ImageTooLargeError} before anything is decoded. The whole
 * stream is then checked (every JPEG segment up to EOI, every PNG chunk and
 * its CRC up to IEND) so a damaged file fails with a precise code, and
 * decoder warnings about lost data are treated as errors.
 *
 * @throws {ImageDecodeError} `unsupported_format`, `truncated_image` or
 * `corrupt_image`; the decoder's own exception, if any, is the `cause`.
 * @throws {ImageTooLargeError} When `width * height > maxPixels`.
 *
 * @example
 * ```ts
 * import { decodeImage } from "@facever/core";
 * const png = Uint8Array.from(atob(
 *   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
 * ), (c) => c.charCodeAt(0));
 * const image = await decodeImage(png);
 * console.log(image.width, image.height, image.data); // 1 1 Uint8Array(3) [ 255, 0, 0 ]
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<RgbImage> {
  assertBytes(bytes);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) {
    throw new FaceError(
      "invalid_argument",
      `maxPixels must be a positive number, got ${maxPixels}`,
    );
  }
  const header = parseHeader(bytes);
  if (header.width * header.height > maxPixels) {
    throw new ImageTooLargeError(header.width, header.height, maxPixels);
  }
  checkStructure(bytes, header);

  let raw: RgbImage;
  try {
    if (header.format === "png") {
      raw = await decodePng(bytes);
    } else if (header.components === 4) {
      raw = await decodeJpegCmyk(bytes);
    } else {
      raw = await decodeJpegMozjpeg(bytes);
    }
  } catch (cause) {
    if (cause instanceof FaceError) throw cause;
    const detail = cause instanceof CodecError ? cause.message : String(cause);
    throw new ImageDecodeError(
      "corrupt_image",
      `the ${header.format.toUpperCase()} data cannot be decoded${
        detail ? `: ${detail}` : ""
      }`,
      { cause },
    );
  }
  if (raw.width !== header.width || raw.height !== header.height) {
    throw new ImageDecodeError(
      "corrupt_image",
      `the decoder produced ${raw.width}x${raw.height} pixels for a ${header.width}x${header.height} header`,
    );
  }
  const expected = raw.width * raw.height * 3;
  if (raw.data.length !== expected) {
    throw new ImageDecodeError(
      "corrupt_image",
      `the decoder produced ${raw.data.length} samples, expected ${expected}`,
    );
  }
  return applyOrientation(raw, header.orientation);
}

function assertBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new FaceError(
      "invalid_argument",
      "image bytes must be a Uint8Array",
    );
  }
}
