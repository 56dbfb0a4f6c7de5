/**
 * BMP (Windows and OS/2 bitmaps), parsed and decoded here: the format is
 * a header and rows of samples, and writing it ourselves keeps every read
 * inside the file. Supported: 1/4/8-bit palettes, RLE4 and RLE8, 16/24/32
 * bits with or without bit-field masks, bottom-up and top-down. Alpha (a
 * mask that is not all zero in the file) is composited over white, as are
 * pixels an RLE stream leaves out. Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import type { RgbImage } from "./types.ts";
import { corrupt, i32le, truncated, u16le, u32le } from "./_bytes.ts";

/** What the decoder needs from a BMP header. */
export interface BmpHeader {
  format: "bmp";
  width: number;
  height: number;
  orientation: number;
  bitsPerPixel: number;
  /** 0 none, 1 RLE8, 2 RLE4, 3 bit fields. */
  compression: number;
  topDown: boolean;
  /** Offset of the pixel data. */
  dataOffset: number;
  /** Offset and entry size (3 or 4 bytes) of the palette. */
  paletteOffset: number;
  paletteEntry: number;
  paletteSize: number;
  /** Red, green, blue and alpha masks (alpha 0: none). */
  masks: readonly [number, number, number, number];
}

/** Whether the bytes start like a BMP (the "BM" magic and a DIB size). */
export function isBmp(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const dib = bytes.length >= 18 ? u32le(bytes, 14) : 40;
  return [12, 16, 40, 52, 56, 64, 108, 124].includes(dib);
}

const DEFAULT_MASKS: Record<number, [number, number, number, number]> = {
  16: [0x7c00, 0x03e0, 0x001f, 0],
  24: [0xff0000, 0x00ff00, 0x0000ff, 0],
  32: [0xff0000, 0x00ff00, 0x0000ff, 0],
};

/** Parses the file and DIB headers. */
export function parseBmpHeader(bytes: Uint8Array): BmpHeader {
  if (bytes.length < 26) throw truncated("the BMP header is incomplete");
  const dataOffset = u32le(bytes, 10);
  const dib = u32le(bytes, 14);
  if (bytes.length < 14 + dib) throw truncated("the BMP header is incomplete");
  let width: number, height: number, planes: number, bits: number;
  let compression = 0, colours = 0;
  if (dib === 12) {
    width = u16le(bytes, 18);
    height = u16le(bytes, 20);
    planes = u16le(bytes, 22);
    bits = u16le(bytes, 24);
  } else {
    width = i32le(bytes, 18);
    height = i32le(bytes, 22);
    planes = u16le(bytes, 26);
    bits = u16le(bytes, 28);
    if (dib >= 20) compression = u32le(bytes, 30);
    if (dib >= 36) colours = u32le(bytes, 46);
  }
  if (planes !== 1) throw corrupt(`BMP with ${planes} planes`);
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height === 0) {
    throw corrupt(`BMP size is ${width}x${height}`);
  }
  if (compression === 6) compression = 3; // alpha bit fields
  if (compression > 3) {
    throw new ImageDecodeError(
      "unsupported_format",
      `BMP compression ${compression} (embedded JPEG/PNG, Huffman) is not supported`,
    );
  }
  const valid = compression === 1
    ? bits === 8
    : compression === 2
    ? bits === 4
    : compression === 3
    ? bits === 16 || bits === 32
    : [1, 4, 8, 16, 24, 32].includes(bits);
  if (!valid) {
    throw corrupt(`BMP of ${bits} bits with compression ${compression}`);
  }
  if (topDown && compression !== 0 && compression !== 3) {
    throw corrupt("a top-down BMP cannot be run-length coded");
  }
  let masks = DEFAULT_MASKS[bits] ?? [0, 0, 0, 0];
  if (compression === 3) {
    // Masks sit in the header (V2 and later) or right after a 40-byte one.
    const at = 14 + 40;
    const count = dib >= 56 || dib === 40 ? 4 : 3;
    if (bytes.length < at + 4 * count) {
      throw truncated("the BMP colour masks are cut off");
    }
    const read = (i: number) => i < count ? u32le(bytes, at + 4 * i) : 0;
    masks = [read(0), read(1), read(2), dib === 40 ? 0 : read(3)];
    if (!masks[0] && !masks[1] && !masks[2]) {
      throw corrupt("BMP bit-field masks are all zero");
    }
  } else if (dib >= 56 && bits === 32) {
    masks = [...masks.slice(0, 3), u32le(bytes, 14 + 52)] as [
      number,
      number,
      number,
      number,
    ];
  }
  const paletteEntry = dib === 12 ? 3 : 4;
  const paletteOffset = 14 + dib + (compression === 3 && dib === 40 ? 12 : 0);
  const paletteSize = bits <= 8 ? (colours || 1 << bits) : 0;
  if (paletteSize > 1 << bits && bits <= 8) {
    throw corrupt(`BMP palette of ${paletteSize} colours for ${bits} bits`);
  }
  if (paletteOffset + paletteSize * paletteEntry > bytes.length) {
    throw truncated("the BMP palette is cut off");
  }
  return {
    format: "bmp",
    width,
    height,
    orientation: 1,
    bitsPerPixel: bits,
    compression,
    topDown,
    dataOffset,
    paletteOffset,
    paletteEntry,
    paletteSize,
    masks,
  };
}

function rowBytes(header: BmpHeader): number {
  return Math.ceil(header.width * header.bitsPerPixel / 32) * 4;
}

/**
 * Checks that the pixel data is all there for uncompressed rows. An RLE
 * stream may legally end after two bytes (the rest is transparent), so it
 * is checked while it is decoded: it must reach its end-of-bitmap code.
 */
export function checkBmpStructure(bytes: Uint8Array, header: BmpHeader) {
  if (header.dataOffset > bytes.length) {
    throw truncated("the BMP pixel data is missing");
  }
  const available = bytes.length - header.dataOffset;
  if (header.compression === 1 || header.compression === 2) {
    if (available < 2) throw truncated("the BMP RLE data is cut off");
    return;
  }
  const needed = rowBytes(header) * header.height;
  if (available < needed) {
    throw truncated(
      `the BMP pixel data needs ${needed} bytes, ${available} remain`,
    );
  }
}

/** round((c·a + 255·(255 − a)) / 255). */
function over(c: number, a: number): number {
  return ((c * a + 255 * (255 - a) + 127) / 255) | 0;
}

/** Palette as RGB triples. */
function readPalette(bytes: Uint8Array, header: BmpHeader): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < header.paletteSize; i++) {
    const at = header.paletteOffset + i * header.paletteEntry;
    lut[i * 3] = bytes[at + 2];
    lut[i * 3 + 1] = bytes[at + 1];
    lut[i * 3 + 2] = bytes[at];
  }
  return lut;
}

/** A bit-field mask as shift and scale to 8 bits. */
function field(mask: number): { shift: number; scale: number } {
  if (mask === 0) return { shift: 0, scale: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return { shift, scale: 255 / max };
}

/** Decodes the pixel data into upright RGB. */
export function decodeBmp(bytes: Uint8Array, header: BmpHeader): RgbImage {
  const { width, height } = header;
  const out = new Uint8Array(width * height * 3);
  if (header.compression === 1 || header.compression === 2) {
    decodeRle(bytes, header, out);
  } else if (header.bitsPerPixel <= 8) {
    const lut = readPalette(bytes, header);
    const bits = header.bitsPerPixel, mask = (1 << bits) - 1;
    eachRow(header, (row, o) => {
      for (let x = 0; x < width; x++, o += 3) {
        const bit = x * bits;
        const v = (bytes[row + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask;
        if (v >= header.paletteSize) {
          throw corrupt(`BMP palette index ${v} of ${header.paletteSize}`);
        }
        out[o] = lut[v * 3];
        out[o + 1] = lut[v * 3 + 1];
        out[o + 2] = lut[v * 3 + 2];
      }
    });
  } else if (header.bitsPerPixel === 24) {
    eachRow(header, (row, o) => {
      for (let x = 0; x < width; x++, o += 3, row += 3) {
        out[o] = bytes[row + 2];
        out[o + 1] = bytes[row + 1];
        out[o + 2] = bytes[row];
      }
    });
  } else {
    decodeFields(bytes, header, out);
  }
  return { width, height, data: out };
}

/** Calls `body(rowStart, outStart)` for each stored row, in upright order. */
function eachRow(
  header: BmpHeader,
  body: (row: number, o: number) => void,
) {
  const stride = rowBytes(header);
  for (let y = 0; y < header.height; y++) {
    const upright = header.topDown ? y : header.height - 1 - y;
    body(header.dataOffset + y * stride, upright * header.width * 3);
  }
}

function decodeFields(bytes: Uint8Array, header: BmpHeader, out: Uint8Array) {
  const [r, g, b, a] = header.masks.map(field);
  const wide = header.bitsPerPixel === 32;
  // A 32-bit BMP whose alpha bytes are all zero is opaque (old writers).
  let hasAlpha = false;
  if (a.scale > 0) {
    eachRow(header, (row) => {
      for (let x = 0; x < header.width && !hasAlpha; x++, row += 4) {
        if ((u32le(bytes, row) & header.masks[3]) !== 0) hasAlpha = true;
      }
    });
  }
  eachRow(header, (row, o) => {
    for (let x = 0; x < header.width; x++, o += 3) {
      const v = wide ? u32le(bytes, row) : u16le(bytes, row);
      row += wide ? 4 : 2;
      const rv = Math.round(((v & header.masks[0]) >>> r.shift) * r.scale);
      const gv = Math.round(((v & header.masks[1]) >>> g.shift) * g.scale);
      const bv = Math.round(((v & header.masks[2]) >>> b.shift) * b.scale);
      if (hasAlpha) {
        const av = Math.round(((v & header.masks[3]) >>> a.shift) * a.scale);
        out[o] = over(rv, av);
        out[o + 1] = over(gv, av);
        out[o + 2] = over(bv, av);
      } else {
        out[o] = rv;
        out[o + 1] = gv;
        out[o + 2] = bv;
      }
    }
  });
}

/**
 * RLE8 / RLE4 (bottom-up). Pixels the stream skips (delta, early end of
 * line or of bitmap) are transparent, so white.
 */
function decodeRle(bytes: Uint8Array, header: BmpHeader, out: Uint8Array) {
  out.fill(255);
  const { width, height } = header;
  const lut = readPalette(bytes, header);
  const four = header.compression === 2;
  let x = 0, y = 0;
  let pos = header.dataOffset;
  const put = (v: number) => {
    if (x >= width) throw corrupt("a BMP RLE run passes the end of its row");
    if (v >= header.paletteSize) {
      throw corrupt(`BMP palette index ${v} of ${header.paletteSize}`);
    }
    const o = ((height - 1 - y) * width + x++) * 3;
    out[o] = lut[v * 3];
    out[o + 1] = lut[v * 3 + 1];
    out[o + 2] = lut[v * 3 + 2];
  };
  for (;;) {
    if (pos + 2 > bytes.length) throw truncated("the BMP RLE data is cut off");
    const count = bytes[pos], value = bytes[pos + 1];
    pos += 2;
    if (count > 0) {
      if (y >= height) throw corrupt("BMP RLE data past the last row");
      for (let i = 0; i < count; i++) {
        put(four ? (i & 1 ? value & 15 : value >> 4) : value);
      }
      continue;
    }
    if (value === 0) { // end of line
      x = 0;
      y++;
    } else if (value === 1) { // end of bitmap
      return;
    } else if (value === 2) { // delta
      if (pos + 2 > bytes.length) {
        throw truncated("the BMP RLE data is cut off");
      }
      x += bytes[pos];
      y += bytes[pos + 1];
      pos += 2;
      if (x > width || y > height) {
        throw corrupt("a BMP RLE delta leaves the image");
      }
    } else { // literal run of `value` pixels, padded to 16 bits
      const length = four ? Math.ceil(value / 2) : value;
      if (pos + length > bytes.length) {
        throw truncated("the BMP RLE data is cut off");
      }
      if (y >= height) throw corrupt("BMP RLE data past the last row");
      for (let i = 0; i < value; i++) {
        const byte = bytes[pos + (four ? i >> 1 : i)];
        put(four ? (i & 1 ? byte & 15 : byte >> 4) : byte);
      }
      pos += length + (length & 1);
    }
  }
}
