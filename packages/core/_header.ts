/**
 * Container parsing for JPEG and PNG, independent of any pixel decoder:
 * format sniffing, header fields, EXIF orientation, and a structural check
 * of the whole stream (every segment or chunk present, PNG CRCs correct) so
 * that truncated and damaged files get precise error codes whatever the
 * decoder would have done with them. Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import { readExifOrientation } from "./_exif.ts";

/** Everything the decoder needs to know from a header. */
export interface ParsedHeader {
  format: "jpeg" | "png";
  width: number;
  height: number;
  orientation: number;
  /** JPEG: number of colour components (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK). */
  components: number;
  /** PNG: bits per sample (1, 2, 4, 8, 16). JPEG: sample precision. */
  bitDepth: number;
  /** PNG colour type (0, 2, 3, 4, 6); -1 for JPEG. */
  colorType: number;
  /** Byte offset where the header ends (first SOS / first IDAT). */
  headerEnd: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}

function isPrefixOf(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length > 0 && bytes.length < signature.length &&
    bytes.every((b, i) => b === signature[i]);
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Names a few formats we recognise but do not decode, for the message. */
function otherFormat(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 0, 4) === "GIF8") return "GIF";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    return "WebP";
  }
  if (ascii(bytes, 0, 2) === "BM") return "BMP";
  if (ascii(bytes, 0, 4) === "II*\0" || ascii(bytes, 0, 4) === "MM\0*") {
    return "TIFF";
  }
  if (ascii(bytes, 4, 4) === "ftyp") return "HEIF/AVIF";
  if (ascii(bytes, 0, 4) === "\0\0\0\x0cjXL".slice(0, 4)) return "JPEG XL";
  if (bytes[0] === 0xff && bytes[1] === 0x0a) return "JPEG XL";
  if (ascii(bytes, 0, 4) === "%PDF") return "PDF";
  return undefined;
}

/**
 * Identifies the container. Throws `unsupported_format` for anything but
 * JPEG and PNG, and `truncated_image` for a proper prefix of a signature.
 */
export function sniffFormat(bytes: Uint8Array): "jpeg" | "png" {
  if (startsWith(bytes, JPEG_SIGNATURE)) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (isPrefixOf(bytes, JPEG_SIGNATURE) || isPrefixOf(bytes, PNG_SIGNATURE)) {
    throw new ImageDecodeError(
      "truncated_image",
      `image data ends after ${bytes.length} byte(s), inside the file signature`,
    );
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
      ? `${other} images are not supported; use JPEG or PNG`
      : "not a JPEG or PNG image (unrecognised file signature)",
  );
}

/** Parses the header of a JPEG or PNG stream (up to its first image data). */
export function parseHeader(bytes: Uint8Array): ParsedHeader {
  return sniffFormat(bytes) === "jpeg"
    ? parseJpegHeader(bytes)
    : parsePngHeader(bytes);
}

/** Checks the rest of the stream after the header; throws when damaged. */
export function checkStructure(bytes: Uint8Array, header: ParsedHeader): void {
  if (header.format === "jpeg") checkJpegStructure(bytes, header.headerEnd);
  else checkPngStructure(bytes, header.headerEnd);
}

function truncated(what: string): ImageDecodeError {
  return new ImageDecodeError(
    "truncated_image",
    `image data ends early: ${what}`,
  );
}

function corrupt(what: string): ImageDecodeError {
  return new ImageDecodeError("corrupt_image", `corrupt image: ${what}`);
}

// ---------------------------------------------------------------- JPEG ---

const SOI = 0xd8, EOI = 0xd9, SOS = 0xda, APP1 = 0xe1;

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
    marker !== 0xc8 && marker !== 0xcc;
}

/** Markers with no length field. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * Finds the next marker at or after `pos` the way libjpeg does: skips any
 * bytes before an 0xFF and any fill 0xFFs. Returns the position of the
 * marker code byte, or -1 when the data ends first.
 */
function nextMarker(bytes: Uint8Array, pos: number): number {
  let p = bytes.indexOf(0xff, pos);
  while (p >= 0 && p + 1 < bytes.length) {
    const code = bytes[p + 1];
    if (code !== 0xff) return p + 1;
    p++;
  }
  return -1;
}

function segmentLength(bytes: Uint8Array, markerPos: number): number {
  if (markerPos + 3 > bytes.length) {
    throw truncated(
      `JPEG segment 0xFF${hex(bytes[markerPos])} has no length`,
    );
  }
  const length = (bytes[markerPos + 1] << 8) | bytes[markerPos + 2];
  if (length < 2) {
    throw corrupt(`JPEG segment 0xFF${hex(bytes[markerPos])} length ${length}`);
  }
  if (markerPos + 1 + length > bytes.length) {
    throw truncated(
      `JPEG segment 0xFF${hex(bytes[markerPos])} needs ${length} bytes, ${
        bytes.length - markerPos - 1
      } remain`,
    );
  }
  return length;
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

function parseJpegHeader(bytes: Uint8Array): ParsedHeader {
  let orientation = 0; // 0 = no EXIF seen yet
  let sof:
    | { width: number; height: number; components: number; p: number }
    | undefined;
  let pos = 2; // after SOI
  for (;;) {
    const m = nextMarker(bytes, pos);
    if (m < 0) throw truncated("the JPEG header is incomplete");
    const marker = bytes[m];
    if (marker === 0x00) {
      throw corrupt("stray 0xFF00 in the JPEG header");
    }
    if (isStandalone(marker)) {
      pos = m + 1;
      continue;
    }
    if (marker === SOI) throw corrupt("a second SOI marker in the JPEG header");
    if (marker === EOI) throw corrupt("the JPEG stream has no image data");
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === SOS) {
      if (!sof) throw corrupt("JPEG scan before any frame header (SOF)");
      return {
        format: "jpeg",
        width: sof.width,
        height: sof.height,
        orientation: orientation || 1,
        components: sof.components,
        bitDepth: sof.p,
        colorType: -1,
        headerEnd: m - 1,
      };
    }
    if (
      marker === APP1 && orientation === 0 && length >= 8 &&
      ascii(bytes, body, 6) === "Exif\0\0"
    ) {
      orientation = readExifOrientation(bytes, body + 6, end);
    } else if (isSof(marker)) {
      if (sof) throw corrupt("more than one JPEG frame header (SOF)");
      if (length < 8) throw corrupt("JPEG frame header too short");
      const p = bytes[body];
      const height = (bytes[body + 1] << 8) | bytes[body + 2];
      const width = (bytes[body + 3] << 8) | bytes[body + 4];
      const components = bytes[body + 5];
      if (length !== 8 + 3 * components) {
        throw corrupt(
          `JPEG frame header length ${length} does not fit ${components} components`,
        );
      }
      if (
        marker === 0xc3 || marker >= 0xc5 && marker <= 0xc7 ||
        marker >= 0xcb
      ) {
        throw new ImageDecodeError(
          "unsupported_format",
          `lossless or hierarchical JPEG (SOF 0xFF${
            hex(marker)
          }) is not supported`,
        );
      }
      if (marker >= 0xc9) {
        throw new ImageDecodeError(
          "unsupported_format",
          `arithmetic-coded JPEG (SOF 0xFF${hex(marker)}) is not supported`,
        );
      }
      if (p !== 8) {
        throw new ImageDecodeError(
          "unsupported_format",
          `${p}-bit JPEG is not supported (only 8-bit samples)`,
        );
      }
      if (width === 0 || height === 0) {
        throw corrupt(`JPEG frame size is ${width}x${height}`);
      }
      if (components !== 1 && components !== 3 && components !== 4) {
        throw new ImageDecodeError(
          "unsupported_format",
          `JPEG with ${components} colour components is not supported`,
        );
      }
      sof = { width, height, components, p };
    }
    pos = end;
  }
}

/**
 * Walks the JPEG stream from its first scan to EOI: entropy-coded data,
 * restart markers and any later tables or scans (progressive JPEG).
 */
function checkJpegStructure(bytes: Uint8Array, sosPos: number): void {
  let pos = sosPos; // position of 0xFF of the first SOS
  let inScan = false;
  for (;;) {
    let m: number;
    if (inScan) {
      // Inside entropy-coded data 0xFF is followed by 0x00 (stuffing) or a
      // restart marker; anything else ends the scan.
      m = -1;
      let p = bytes.indexOf(0xff, pos);
      while (p >= 0 && p + 1 < bytes.length) {
        const code = bytes[p + 1];
        if (code === 0x00 || (code >= 0xd0 && code <= 0xd7)) {
          p = bytes.indexOf(0xff, p + 2);
        } else if (code === 0xff) {
          p++;
        } else {
          m = p + 1;
          break;
        }
      }
      if (m < 0) throw truncated("the JPEG scan data stops before EOI");
    } else {
      m = nextMarker(bytes, pos);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
    }
    const marker = bytes[m];
    if (marker === EOI) return;
    if (isStandalone(marker)) {
      pos = m + 1;
      continue;
    }
    if (marker === SOI || marker === 0x00) {
      throw corrupt(`unexpected JPEG marker 0xFF${hex(marker)}`);
    }
    if (isSof(marker)) throw corrupt("more than one JPEG frame header (SOF)");
    const length = segmentLength(bytes, m);
    pos = m + 1 + length;
    inScan = marker === SOS;
  }
}

// ----------------------------------------------------------------- PNG ---

/** CRC-32 lookup tables for slicing-by-8: table k at offset k * 256. */
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = t[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return t;
})();

/** CRC-32 (ISO 3309, as used by PNG) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length) {
  const t = CRC_TABLES;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) |
      (bytes[i + 3] << 24));
    c = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const VALID_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function readU32(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] << 24) | (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) |
    bytes[pos + 3]) >>> 0;
}

interface Chunk {
  type: string;
  start: number; // data start
  end: number; // data end (CRC follows)
}

/** Reads the chunk at `pos`, checking that it is complete and its CRC. */
function readChunk(bytes: Uint8Array, pos: number): Chunk {
  if (pos + 8 > bytes.length) throw truncated("a PNG chunk header is cut off");
  const length = readU32(bytes, pos);
  if (length > 0x7fffffff) throw corrupt(`PNG chunk length ${length}`);
  const type = ascii(bytes, pos + 4, 4);
  if (!/^[A-Za-z]{4}$/.test(type)) {
    throw corrupt(`invalid PNG chunk type ${JSON.stringify(type)}`);
  }
  const start = pos + 8;
  const end = start + length;
  if (end + 4 > bytes.length) {
    throw truncated(`PNG chunk ${type} is cut off`);
  }
  if (crc32(bytes, pos + 4, end) !== readU32(bytes, end)) {
    throw corrupt(`PNG chunk ${type} fails its CRC check`);
  }
  return { type, start, end };
}

function parsePngHeader(bytes: Uint8Array): ParsedHeader {
  const ihdr = readChunk(bytes, 8);
  if (ihdr.type !== "IHDR") throw corrupt("PNG does not start with IHDR");
  if (ihdr.end - ihdr.start !== 13) throw corrupt("PNG IHDR is not 13 bytes");
  const p = ihdr.start;
  const width = readU32(bytes, p);
  const height = readU32(bytes, p + 4);
  const bitDepth = bytes[p + 8];
  const colorType = bytes[p + 9];
  if (width === 0 || height === 0) {
    throw corrupt(`PNG size is ${width}x${height}`);
  }
  if (width > 0x7fffffff || height > 0x7fffffff) {
    throw corrupt(`PNG size ${width}x${height} exceeds the format's limit`);
  }
  if (!VALID_DEPTHS[colorType]?.includes(bitDepth)) {
    throw corrupt(`PNG colour type ${colorType} with bit depth ${bitDepth}`);
  }
  if (bytes[p + 10] !== 0 || bytes[p + 11] !== 0 || bytes[p + 12] > 1) {
    throw corrupt("unknown PNG compression, filter or interlace method");
  }
  // Read chunks up to the first IDAT for eXIf orientation.
  let orientation = 1;
  let palette = false;
  let pos = ihdr.end + 4;
  for (;;) {
    const chunk = readChunk(bytes, pos);
    if (chunk.type === "IDAT") {
      if (colorType === 3 && !palette) {
        throw corrupt("palette PNG without a PLTE chunk before its data");
      }
      return {
        format: "png",
        width,
        height,
        orientation,
        components: 0,
        bitDepth,
        colorType,
        headerEnd: pos,
      };
    }
    if (chunk.type === "IEND") throw corrupt("PNG has no image data (IDAT)");
    if (chunk.type === "PLTE") {
      const size = chunk.end - chunk.start;
      if (size === 0 || size % 3 !== 0 || size > 768) {
        throw corrupt(`PNG PLTE chunk of ${size} bytes`);
      }
      palette = true;
    }
    if (chunk.type === "eXIf") {
      orientation = readExifOrientation(bytes, chunk.start, chunk.end);
    }
    pos = chunk.end + 4;
  }
}

function checkPngStructure(bytes: Uint8Array, idatPos: number): void {
  let pos = idatPos;
  for (;;) {
    const chunk = readChunk(bytes, pos);
    if (chunk.type === "IEND") return;
    pos = chunk.end + 4;
  }
}
