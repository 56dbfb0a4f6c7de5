/**
 * Decoding JPEG, PNG, WebP, AVIF, HEIC, GIF, BMP and TIFF bytes into
 * upright RGB images.
 *
 * @module
 */
import { FaceError, ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import type { ImageSource, RgbImage } from "./types.ts";
import {
  type CheckedStream,
  checkStructure,
  type ImageFormat as HeaderFormat,
  type ParsedHeader,
  parseHeader,
} from "./_header.ts";
import { checkJpegStructure } from "./_jpeg_header.ts";
import { planBaseline } from "./_jpeg_baseline.ts";
import { JpegSource } from "./_jpeg_source.ts";
import { imageSource } from "./source.ts";
import { type DecodeKind, defaultMaxPixels } from "./limits.ts";
import { decodePixels } from "./_codecs.ts";
import { CodecError } from "./_wasm.ts";

/**
 * A container format {@linkcode decodeImage} reads: `"jpeg"`, `"png"`,
 * `"webp"`, `"avif"`, `"heic"`, `"gif"`, `"bmp"` or `"tiff"`.
 *
 * @example
 * ```ts
 * import { type ImageFormat, readImageInfo } from "@facever/core";
 * const gif = Uint8Array.from(atob(
 *   "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=",
 * ), (c) => c.charCodeAt(0));
 * const format: ImageFormat = readImageInfo(gif).format;
 * console.log(format); // "gif"
 * ```
 */
export type ImageFormat = HeaderFormat;

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
  /** Container format, recognised from the bytes (never from a name). */
  format: ImageFormat;
  /**
   * Width as stored, before any orientation is applied (the logical
   * screen of a GIF, the canvas of an animated WebP).
   */
  width: number;
  /** Height as stored, before any orientation is applied. */
  height: number;
  /**
   * EXIF-numbered orientation 1..8 (JPEG APP1 Exif, PNG eXIf, WebP EXIF,
   * TIFF Orientation, HEIF/AVIF `irot`/`imir` or else their EXIF); 1 when
   * absent or unreadable. 5..8 mean the upright image is `height` x
   * `width`.
   */
  orientation: number;
}

/**
 * Reads format, stored size and orientation from the header of an image
 * (JPEG segments up to the first scan, PNG chunks up to the first IDAT,
 * the WebP chunk list, HEIF/AVIF `meta`, the GIF screen, BMP headers, TIFF
 * IFD0). Pixel data is not read or checked.
 *
 * @throws {ImageDecodeError} `unsupported_format` for other formats (and
 * for variants no decoder here handles: arithmetic, lossless or 12-bit
 * JPEG, BigTIFF, ...), `truncated_image` when the header is cut off,
 * `corrupt_image` when it is malformed (including a zero width or height).
 * @throws {TypeError} When `bytes` is not a Uint8Array.
 *
 * @example
 * ```ts
 * import { readImageInfo } from "@facever/core";
 * try {
 *   readImageInfo(new TextEncoder().encode("%PDF-1.7"));
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
   * any pixel memory is allocated. Default: what the memory budget allows
   * the file's decoder (see {@linkcode defaultMaxPixels}), at most
   * `DEFAULT_MAX_PIXELS`.
   */
  maxPixels?: number;
}

/**
 * Decodes an image into an upright 8-bit RGB image. The format is
 * recognised from the bytes, so a WebP saved as `.jpg` decodes.
 *
 * - JPEG: baseline, extended and progressive; grayscale, YCbCr and
 *   CMYK/YCCK (Adobe). Arithmetic-coded, lossless and 12-bit JPEGs are
 *   rejected as `unsupported_format`.
 * - PNG: every colour type and bit depth (1..16 bits, palette, tRNS,
 *   interlaced).
 * - WebP (lossy, lossless, alpha, animated: first frame), AVIF (8..12
 *   bits, animated: first frame), HEIC (HEVC stills, grids), GIF (first
 *   frame), BMP (1..32 bits, RLE4/8, bit fields) and TIFF (first image;
 *   none, LZW, Deflate, PackBits or JPEG compression; gray, RGB, palette,
 *   CMYK; 1..16 bits).
 * - 16-bit samples are rounded to 8 bits. Transparency (alpha, palette
 *   alpha, tRNS, GIF transparent index, the canvas around a first frame) is
 *   composited over WHITE: `out = (c·a + 255·(255 − a)) / 255`, rounded.
 * - The orientation (see {@linkcode readImageInfo}) is applied, so the
 *   result may be `height` x `width` of the stored image.
 *
 * The header is read first: an image over `maxPixels` throws
 * {@linkcode ImageTooLargeError} before anything is decoded. The whole
 * stream is then checked (every JPEG scan with its restart markers up to
 * EOI, every PNG chunk and CRC, every RIFF, ISOBMFF, GIF or TIFF piece) and
 * data too short for the declared size is refused before any pixel is
 * allocated, so a damaged file fails with a precise code; decoder warnings
 * about lost data are errors too. Peak memory stays under the file's
 * decoder's `DECODE_BYTES_PER_PIXEL` times its pixels, within
 * `DECODE_MEMORY_BUDGET` at the default limit.
 *
 * @throws {ImageDecodeError} `unsupported_format`, `truncated_image` or
 * `corrupt_image`; the decoder's own exception, if any, is the `cause`.
 * @throws {ImageTooLargeError} When `width * height > maxPixels`.
 * @throws {TypeError} When `bytes` is not a Uint8Array.
 * @throws {RangeError} When `maxPixels` is not a positive number.
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
  const header = parseWithinLimit(bytes, options);
  return await decodeChecked(bytes, checkStructure(bytes, header));
}

/**
 * JPEGs above this many pixels are opened by {@linkcode openImage} without
 * being decoded whole, when our decoder reads them. Below it a full
 * decode (MozJPEG) costs little, and the detector's first pyramid level
 * would need more than the 1/8-scale image anyway.
 */
const OPEN_REDUCED_PIXELS = 4_000_000;

/**
 * Opens an image for reading faces: an {@linkcode ImageSource} whose reads
 * decode no more than they need. A baseline JPEG of more than 4 million
 * pixels (a phone photo: 8-bit gray or YCbCr 4:2:0, 4:2:2 or 4:4:4, one
 * scan, with or without restart markers) is read by our own decoder:
 * opening it decodes every Huffman code once, keeping the image at 1/8
 * scale and where each block starts, and each read then decodes only the
 * blocks under its box, at the coarsest of 1/8, 1/4, 1/2 and full scale
 * that gives the detail asked for. Any other image (progressive, CMYK,
 * smaller, another format) is decoded whole by {@linkcode decodeImage}.
 *
 * The checks are those of {@linkcode decodeImage}: the header and
 * `maxPixels` first, the whole stream's structure, and every code of the
 * scan while opening, so a damaged file fails here with the same codes,
 * whatever is read later. The orientation is applied: the source's size
 * and boxes are upright.
 *
 * @throws {ImageDecodeError} `unsupported_format`, `truncated_image` or
 * `corrupt_image`.
 * @throws {ImageTooLargeError} When `width * height > maxPixels`.
 * @throws {TypeError} When `bytes` is not a Uint8Array.
 * @throws {RangeError} When `maxPixels` is not a positive number.
 *
 * @example
 * ```ts
 * import { openImage } from "@facever/core";
 * const png = Uint8Array.from(atob(
 *   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
 * ), (c) => c.charCodeAt(0));
 * const source = await openImage(png);
 * const pixel = source.read({ x: 0, y: 0, width: 1, height: 1 }, 1, 1);
 * console.log(source.width, pixel.data); // 1 Uint8Array(3) [ 255, 0, 0 ]
 * ```
 */
export async function openImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<ImageSource> {
  const header = parseWithinLimit(bytes, options);
  if (header.format !== "jpeg") {
    return imageSource(
      await decodeChecked(bytes, checkStructure(bytes, header)),
    );
  }
  const { scans } = checkJpegStructure(bytes, header);
  const plan = header.width * header.height > OPEN_REDUCED_PIXELS
    ? planBaseline(bytes, header, scans)
    : undefined;
  return plan
    ? new JpegSource(bytes, plan, header.orientation)
    : imageSource(await decodeChecked(bytes, { header }));
}

/** The header, once the size is known to be within `maxPixels`. */
function parseWithinLimit(
  bytes: Uint8Array,
  options: DecodeOptions,
): ParsedHeader {
  assertBytes(bytes);
  const { maxPixels: given } = options;
  if (given !== undefined && (typeof given !== "number" || !(given > 0))) {
    throw new RangeError(`maxPixels must be a positive number, got ${given}`);
  }
  const header = parseHeader(bytes);
  const maxPixels = given ?? defaultMaxPixels(decodeKind(header));
  if (header.width * header.height > maxPixels) {
    throw new ImageTooLargeError(header.width, header.height, maxPixels);
  }
  return header;
}

/** Which decoder, of those the memory budget tells apart, a file goes to. */
function decodeKind(header: ParsedHeader): DecodeKind {
  if (header.format !== "jpeg") return header.format;
  if (header.components === 4) return "jpeg-cmyk";
  return header.progressive ? "jpeg-progressive" : "jpeg";
}

/** Decodes a stream whose structure is checked, into upright RGB. */
async function decodeChecked(
  bytes: Uint8Array,
  checked: CheckedStream,
): Promise<RgbImage> {
  const { header } = checked;
  let image: RgbImage;
  try {
    image = await decodePixels(bytes, checked);
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
  assertSize(image, header);
  return image;
}

/** The decoder must return the upright size the header promised. */
function assertSize(image: RgbImage, header: ParsedHeader): void {
  const swap = header.orientation >= 5;
  const width = swap ? header.height : header.width;
  const height = swap ? header.width : header.height;
  // libheif applies a clean-aperture crop the header only announces.
  const cropped = header.format === "heic" && header.cropped;
  const fits = cropped
    ? image.width <= width && image.height <= height
    : image.width === width && image.height === height;
  if (!fits) {
    throw new ImageDecodeError(
      "corrupt_image",
      `the decoder produced ${image.width}x${image.height} pixels for a ${width}x${height} image`,
    );
  }
  const expected = image.width * image.height * 3;
  if (image.data.length !== expected) {
    throw new ImageDecodeError(
      "corrupt_image",
      `the decoder produced ${image.data.length} samples, expected ${expected}`,
    );
  }
}

function assertBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("image bytes must be a Uint8Array");
  }
}
