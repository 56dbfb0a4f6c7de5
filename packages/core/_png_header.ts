/**
 * PNG container parsing, independent of the pixel decoder: IHDR, eXIf
 * orientation, and a check of every chunk and its CRC up to IEND. The
 * check also gathers what the decoder needs, so that it is handed one
 * IDAT and only the chunks that shape pixels (a file of a million 1-byte
 * IDATs, or a compressed text chunk that inflates to gigabytes, then costs
 * nothing). Private.
 *
 * @module
 */
import { readExifOrientation } from "./_exif.ts";
import { ascii, corrupt, truncated, u32be } from "./_bytes.ts";

/** What the decoder and the structure check need from a PNG header. */
export interface PngHeader {
  format: "png";
  width: number;
  height: number;
  orientation: number;
  /** Bits per sample (1, 2, 4, 8, 16). */
  bitDepth: number;
  /** PNG colour type (0, 2, 3, 4, 6). */
  colorType: number;
  /** Byte offset of the first IDAT chunk. */
  headerEnd: number;
}

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

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * The best deflate can do is about 1032 output bytes per input byte (a
 * 258-byte match in under two bits); a zlib stream shorter than the raw
 * image over this cannot hold it. Rounded up for interlacing's extra
 * filter bytes.
 */
const MAX_DEFLATE_RATIO = 1100;

interface Chunk {
  /** The four type bytes as a big-endian number (no string per chunk). */
  code: number;
  start: number; // data start
  end: number; // data end (CRC follows)
}

const IDAT = 0x49444154, IEND = 0x49454e44, IHDR = 0x49484452;
const PLTE = 0x504c5445, TRNS = 0x74524e53, EXIF = 0x65584966;

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** Reads the chunk at `pos`, checking that it is complete and its CRC. */
function readChunk(bytes: Uint8Array, pos: number): Chunk {
  if (pos + 8 > bytes.length) throw truncated("a PNG chunk header is cut off");
  const length = u32be(bytes, pos);
  if (length > 0x7fffffff) throw corrupt(`PNG chunk length ${length}`);
  if (
    !isLetter(bytes[pos + 4]) || !isLetter(bytes[pos + 5]) ||
    !isLetter(bytes[pos + 6]) || !isLetter(bytes[pos + 7])
  ) {
    const type = ascii(bytes, pos + 4, 4);
    throw corrupt(`invalid PNG chunk type ${JSON.stringify(type)}`);
  }
  const start = pos + 8;
  const end = start + length;
  if (end + 4 > bytes.length) {
    throw truncated(`PNG chunk ${ascii(bytes, pos + 4, 4)} is cut off`);
  }
  if (crc32(bytes, pos + 4, end) !== u32be(bytes, end)) {
    throw corrupt(`PNG chunk ${ascii(bytes, pos + 4, 4)} fails its CRC check`);
  }
  return { code: u32be(bytes, pos + 4), start, end };
}

/** Parses a PNG from its signature up to its first IDAT. */
export function parsePngHeader(bytes: Uint8Array): PngHeader {
  const ihdr = readChunk(bytes, 8);
  if (ihdr.code !== IHDR) throw corrupt("PNG does not start with IHDR");
  if (ihdr.end - ihdr.start !== 13) throw corrupt("PNG IHDR is not 13 bytes");
  const p = ihdr.start;
  const width = u32be(bytes, p);
  const height = u32be(bytes, p + 4);
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
    if (chunk.code === IDAT) {
      if (colorType === 3 && !palette) {
        throw corrupt("palette PNG without a PLTE chunk before its data");
      }
      return {
        format: "png",
        width,
        height,
        orientation,
        bitDepth,
        colorType,
        headerEnd: pos,
      };
    }
    if (chunk.code === IEND) throw corrupt("PNG has no image data (IDAT)");
    if (chunk.code === PLTE) {
      const size = chunk.end - chunk.start;
      if (size === 0 || size % 3 !== 0 || size > 768) {
        throw corrupt(`PNG PLTE chunk of ${size} bytes`);
      }
      palette = true;
    }
    if (chunk.code === EXIF) {
      orientation = readExifOrientation(bytes, chunk.start, chunk.end);
    }
    pos = chunk.end + 4;
  }
}

/** Chunks that shape pixels; every other one is left out of decoding. */
const PIXEL_CHUNKS = new Set([IHDR, PLTE, TRNS]);

/**
 * Checks every chunk up to IEND, then returns the same image as a PNG of
 * IHDR, PLTE and tRNS (when present), one IDAT holding all the image data,
 * and IEND, with CRCs left zero (they were checked here). Two passes, so
 * that a million IDATs cost no list of a million chunks.
 */
export function checkPngStructure(
  bytes: Uint8Array,
  header: PngHeader,
): Uint8Array {
  const kept: Chunk[] = [];
  let idatBytes = 0;
  let idatEnded = false;
  let pos = 8;
  for (;;) {
    const chunk = readChunk(bytes, pos);
    if (chunk.code === IEND) break;
    if (chunk.code === IDAT) {
      if (idatEnded) throw corrupt("PNG image data (IDAT) is not contiguous");
      idatBytes += chunk.end - chunk.start;
    } else {
      if (pos > header.headerEnd) idatEnded = true;
      if (PIXEL_CHUNKS.has(chunk.code)) kept.push(chunk);
    }
    pos = chunk.end + 4;
  }
  const bitsPerPixel = header.bitDepth * CHANNELS[header.colorType];
  const rawBytes = header.height * Math.ceil(header.width * bitsPerPixel / 8);
  if (idatBytes < rawBytes / MAX_DEFLATE_RATIO) {
    throw truncated(
      `${idatBytes} bytes of PNG image data cannot hold ${header.width}x${header.height} pixels`,
    );
  }
  const size = kept.reduce((n, c) => n + c.end - c.start + 12, 0);
  const out = new Uint8Array(8 + size + 12 + idatBytes + 12);
  const view = new DataView(out.buffer);
  out.set(bytes.subarray(0, 8));
  let at = 8;
  const put = (code: number, length: number) => {
    view.setUint32(at, length);
    view.setUint32(at + 4, code);
    at += 8;
  };
  for (const chunk of kept) {
    put(chunk.code, chunk.end - chunk.start);
    out.set(bytes.subarray(chunk.start, chunk.end), at);
    at += chunk.end - chunk.start + 4;
  }
  put(IDAT, idatBytes);
  // Second pass: the image data, straight from the chunks checked above.
  for (pos = header.headerEnd;;) {
    const length = u32be(bytes, pos);
    if (u32be(bytes, pos + 4) !== IDAT) break;
    out.set(bytes.subarray(pos + 8, pos + 8 + length), at);
    at += length;
    pos += 12 + length;
  }
  at += 4;
  put(IEND, 0);
  return out;
}
