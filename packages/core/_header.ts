/**
 * Container parsing for every supported format, independent of any pixel
 * decoder: format sniffing (by content, never by name), header fields,
 * orientation, and a structural check of the whole stream so that
 * truncated and damaged files get precise error codes whatever the
 * decoder would have done with them. Each format's parser lives in its own
 * file; this one dispatches. Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import { ascii, startsWith, truncated } from "./_bytes.ts";
import {
  checkJpegStructure,
  type JpegHeader,
  parseJpegHeader,
} from "./_jpeg_header.ts";
import {
  checkPngStructure,
  parsePngHeader,
  type PngHeader,
} from "./_png_header.ts";
import { isWebp, parseWebpHeader, type WebpHeader } from "./_webp_header.ts";
import {
  checkHeifStructure,
  type HeifHeader,
  isHeif,
  parseHeifHeader,
} from "./_heif_header.ts";
import {
  checkGifStructure,
  type GifHeader,
  isGif,
  parseGifHeader,
} from "./_gif_header.ts";
import {
  type BmpHeader,
  checkBmpStructure,
  isBmp,
  parseBmpHeader,
} from "./_bmp.ts";
import {
  checkTiffStructure,
  isTiff,
  parseTiffHeader,
  type TiffHeader,
} from "./_tiff_header.ts";

/** Every container format decoded. */
export type ImageFormat = ParsedHeader["format"];

/** Everything the decoder needs to know from a header. */
export type ParsedHeader =
  | JpegHeader
  | PngHeader
  | WebpHeader
  | HeifHeader
  | GifHeader
  | BmpHeader
  | TiffHeader;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** Formats a few bytes already identify, for a file cut shorter than that. */
const PREFIXES: readonly (readonly number[])[] = [
  JPEG_SIGNATURE,
  PNG_SIGNATURE,
  [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], // GIF89a
  [0x42, 0x4d], // BM
  [0x52, 0x49, 0x46, 0x46], // RIFF
  [0x49, 0x49, 0x2a, 0x00], // II*\0
  [0x4d, 0x4d, 0x00, 0x2a], // MM\0*
];

function isPrefixOf(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length > 0 && bytes.length < signature.length &&
    bytes.every((b, i) => b === signature[i]);
}

/** Names a few formats we recognise but do not decode, for the message. */
function otherFormat(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 4, 8) === "ftypjxl " || ascii(bytes, 4, 4) === "JXL ") {
    return "JPEG XL";
  }
  if (bytes[0] === 0xff && bytes[1] === 0x0a) return "JPEG XL";
  if (ascii(bytes, 4, 4) === "ftyp") return "this ISOBMFF brand";
  if (ascii(bytes, 0, 4) === "II+\0" || ascii(bytes, 0, 4) === "MM\0+") {
    return "BigTIFF";
  }
  if (ascii(bytes, 0, 4) === "%PDF") return "PDF";
  return undefined;
}

/**
 * Identifies the container from its first bytes. Throws
 * `unsupported_format` for anything else, and `truncated_image` for a
 * proper prefix of a signature.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (startsWith(bytes, JPEG_SIGNATURE)) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (isWebp(bytes)) return "webp";
  if (isGif(bytes)) return "gif";
  if (isTiff(bytes)) return "tiff";
  if (isBmp(bytes)) return "bmp";
  if (isHeif(bytes)) return "heic"; // or AVIF: its items tell
  if (PREFIXES.some((signature) => isPrefixOf(bytes, signature))) {
    throw new ImageDecodeError(
      "truncated_image",
      `image data ends after ${bytes.length} byte(s), inside the file signature`,
    );
  }
  if (
    bytes.length < 16 &&
    (ascii(bytes, 0, 4) === "RIFF" || ascii(bytes, 4, 4) === "ftyp")
  ) {
    throw truncated(`${bytes.length} bytes hold no complete image header`);
  }
  if (bytes.length === 0) {
    throw new ImageDecodeError(
      "unsupported_format",
      "no image data: the input is empty",
    );
  }
  const other = otherFormat(bytes);
  throw new ImageDecodeError(
    "unsupported_format",
    other
      ? `${other} images are not supported`
      : "not an image format we decode (unrecognised file signature)",
  );
}

/** Parses the header of any supported format (up to its image data). */
export function parseHeader(bytes: Uint8Array): ParsedHeader {
  switch (sniffFormat(bytes)) {
    case "jpeg":
      return parseJpegHeader(bytes);
    case "png":
      return parsePngHeader(bytes);
    case "webp":
      return parseWebpHeader(bytes);
    case "gif":
      return parseGifHeader(bytes);
    case "tiff":
      return parseTiffHeader(bytes);
    case "bmp":
      return parseBmpHeader(bytes);
    default:
      return parseHeifHeader(bytes);
  }
}

/** What the structure check hands on to the pixel decoder. */
export type CheckedStream =
  | { header: PngHeader; compact: Uint8Array }
  | { header: TiffHeader; layout: ReturnType<typeof checkTiffStructure> }
  | { header: Exclude<ParsedHeader, PngHeader | TiffHeader> };

/**
 * Checks the rest of the stream after the header; throws when it is
 * truncated or damaged.
 */
export function checkStructure(
  bytes: Uint8Array,
  header: ParsedHeader,
): CheckedStream {
  switch (header.format) {
    case "jpeg":
      checkJpegStructure(bytes, header);
      return { header };
    case "png":
      return { header, compact: checkPngStructure(bytes, header) };
    case "webp":
      return { header: parseWebpHeader(bytes, true) };
    case "gif":
      checkGifStructure(bytes, header);
      return { header };
    case "tiff":
      return { header, layout: checkTiffStructure(bytes, header) };
    case "bmp":
      checkBmpStructure(bytes, header);
      return { header };
    default:
      checkHeifStructure(bytes);
      return { header };
  }
}
