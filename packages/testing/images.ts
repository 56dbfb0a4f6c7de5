/**
 * Image writers for tests, so that tests build every file in code: a
 * minimal baseline JPEG encoder (DC coefficients only, so each 8x8 block is
 * stored as its mean and decodes back exactly), EXIF segments, and a PNG
 * writer with stored (uncompressed) deflate blocks.
 *
 * @module
 */
import { crc32 } from "node:zlib";

// ---------------------------------------------------------------- JPEG ---

/** Big-endian 16-bit. */
function u16(value: number): number[] {
  return [(value >> 8) & 0xff, value & 0xff];
}

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, ...u16(body.length + 2), ...body];
}

class BitWriter {
  bytes: number[] = [];
  #acc = 0;
  #count = 0;
  write(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >> i) & 1);
      if (++this.#count === 8) {
        this.bytes.push(this.#acc);
        if (this.#acc === 0xff) this.bytes.push(0x00); // byte stuffing
        this.#acc = 0;
        this.#count = 0;
      }
    }
  }
  flush() {
    while (this.#count !== 0) this.write(1, 1); // pad with 1-bits
  }
}

export interface FlatJpegOptions {
  width: number;
  height: number;
  /** 1 gray, 3 RGB (stored as YCbCr), 4 CMYK ink (stored inverted, Adobe). */
  components: 1 | 3 | 4;
  /** Interleaved samples, `components` per pixel. */
  samples: Uint8Array;
  /** Extra segments (complete, with marker) placed right after SOI. */
  segments?: Uint8Array[];
  /** MCUs between restart markers (a DRI segment is written); 0: none. */
  restartInterval?: number;
}

/**
 * Encodes a baseline JPEG that keeps only each 8x8 block's mean (one DC
 * coefficient, quantiser 1, no chroma subsampling). Blocks that are flat in
 * the input decode back to the input exactly (up to colour conversion).
 */
export function encodeFlatJpeg(options: FlatJpegOptions): Uint8Array {
  const { width, height, components: nc, samples } = options;
  const planes: Float64Array[] = [];
  for (let c = 0; c < nc; c++) planes.push(new Float64Array(width * height));
  for (let i = 0; i < width * height; i++) {
    if (nc === 3) {
      const r = samples[i * 3], g = samples[i * 3 + 1], b = samples[i * 3 + 2];
      planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
      planes[1][i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      planes[2][i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
    } else if (nc === 4) {
      for (let c = 0; c < 4; c++) planes[c][i] = 255 - samples[i * 4 + c];
    } else {
      planes[0][i] = samples[i];
    }
  }
  const bw = Math.ceil(width / 8), bh = Math.ceil(height / 8);
  const bits = new BitWriter();
  const previous = new Array(nc).fill(0);
  const interval = options.restartInterval ?? 0;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const mcu = by * bw + bx;
      if (interval > 0 && mcu > 0 && mcu % interval === 0) {
        // Restart: byte-align, write RSTn, reset the DC predictions.
        bits.flush();
        bits.bytes.push(0xff, 0xd0 + ((mcu / interval - 1) & 7));
        previous.fill(0);
      }
      for (let c = 0; c < nc; c++) {
        let sum = 0;
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            // Edge blocks repeat the last row/column.
            const sx = Math.min(bx * 8 + x, width - 1);
            const sy = Math.min(by * 8 + y, height - 1);
            sum += planes[c][sy * width + sx];
          }
        }
        const dc = Math.round(sum / 8 - 1024); // 8 * (mean - 128)
        const diff = dc - previous[c];
        previous[c] = dc;
        const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
        bits.write(size, 4); // DC table: category s has the 4-bit code s
        if (size > 0) {
          bits.write(diff > 0 ? diff : diff + (1 << size) - 1, size);
        }
        bits.write(0, 1); // AC table: EOB is the only code, "0"
      }
    }
  }
  bits.flush();

  const out: number[] = [0xff, 0xd8];
  for (const extra of options.segments ?? []) out.push(...extra);
  if (nc === 4) {
    // Adobe APP14, transform 0: CMYK stored as is (inverted, as Photoshop).
    out.push(
      ...segment(0xee, [
        ...new TextEncoder().encode("Adobe"),
        0,
        100,
        0,
        0,
        0,
        0,
        0,
      ]),
    );
  }
  out.push(...segment(0xdb, [0x00, ...new Array(64).fill(1)]));
  if (interval > 0) out.push(...segment(0xdd, u16(interval)));
  const sof = [8, ...u16(height), ...u16(width), nc];
  for (let c = 0; c < nc; c++) sof.push(c + 1, 0x11, 0);
  out.push(...segment(0xc0, sof));
  const dcBits = [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const dcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acBits = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  out.push(
    ...segment(0xc4, [0x00, ...dcBits, ...dcValues, 0x10, ...acBits, 0x00]),
  );
  const sos: number[] = [nc];
  for (let c = 0; c < nc; c++) sos.push(c + 1, 0x00);
  sos.push(0, 63, 0);
  out.push(...segment(0xda, sos), ...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}

/** An APP1 Exif segment whose IFD0 holds only the Orientation tag. */
export function exifSegment(
  orientation: number,
  littleEndian = false,
): Uint8Array {
  return Uint8Array.from(segment(0xe1, [
    ...new TextEncoder().encode("Exif\0\0"),
    ...tiffWithOrientation(orientation, littleEndian),
  ]));
}

/** A TIFF structure with IFD0 = { Orientation (SHORT) = orientation }. */
export function tiffWithOrientation(
  orientation: number,
  littleEndian: boolean,
): number[] {
  const b16 = (v: number) => littleEndian ? [v & 0xff, v >> 8] : u16(v);
  const b32 = (v: number) =>
    littleEndian
      ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24]
      : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  return [
    ...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]),
    ...b16(42),
    ...b32(8),
    ...b16(2), // two entries: ImageDescription first, then Orientation
    ...b16(0x010e),
    ...b16(2),
    ...b32(4),
    0x61,
    0x62,
    0x63,
    0x00,
    ...b16(0x0112),
    ...b16(3),
    ...b32(1),
    ...b16(orientation),
    0,
    0,
    ...b32(0), // no next IFD
  ];
}

// ----------------------------------------------------------------- PNG ---

function be32(value: number): number[] {
  return [
    value >>> 24,
    (value >> 16) & 0xff,
    (value >> 8) & 0xff,
    value & 0xff,
  ];
}

/** One PNG chunk with a correct CRC. */
export function pngChunk(type: string, data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  out.set(be32(data.length), 0);
  out.set(new TextEncoder().encode(type), 4);
  out.set(Array.from(data), 8);
  out.set(be32(crc32(out.subarray(4, 8 + data.length))), 8 + data.length);
  return out;
}

/** zlib stream of stored (uncompressed) deflate blocks. */
function zlibStored(data: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  for (let pos = 0; pos < data.length || pos === 0; pos += 65535) {
    const block = data.subarray(pos, pos + 65535);
    const final = pos + 65535 >= data.length ? 1 : 0;
    out.push(final, block.length & 0xff, block.length >> 8);
    out.push(~block.length & 0xff, (~block.length >> 8) & 0xff);
    for (const b of block) out.push(b);
    if (data.length === 0) break;
  }
  let a = 1, b = 0;
  for (const v of data) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  out.push(...be32(((b << 16) | a) >>> 0));
  return Uint8Array.from(out);
}

export interface PngOptions {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Sample values (palette indices for type 3), row by row, interleaved. */
  samples: ArrayLike<number>;
  /** PLTE entries as [r, g, b]. */
  palette?: number[][];
  /** tRNS chunk body. */
  transparency?: number[];
  /** Extra chunks (complete) placed before IDAT. */
  chunks?: Uint8Array[];
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

/** Writes a PNG (filter type 0 on every row, no compression). */
export function encodePng(options: PngOptions): Uint8Array {
  const { width, height, colorType, bitDepth, samples } = options;
  const perRow = width * CHANNELS[colorType];
  const rowBytes = Math.ceil(perRow * bitDepth / 8);
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let i = 0; i < perRow; i++) {
      const v = samples[y * perRow + i];
      if (bitDepth === 16) {
        raw[row + i * 2] = v >> 8;
        raw[row + i * 2 + 1] = v & 0xff;
      } else if (bitDepth === 8) {
        raw[row + i] = v;
      } else {
        const bit = i * bitDepth;
        raw[row + (bit >> 3)] |= v << (8 - bitDepth - (bit & 7));
      }
    }
  }
  const ihdr = [...be32(width), ...be32(height), bitDepth, colorType, 0, 0, 0];
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...(options.chunks ?? []),
  ];
  if (options.palette) parts.push(pngChunk("PLTE", options.palette.flat()));
  if (options.transparency) {
    parts.push(pngChunk("tRNS", options.transparency));
  }
  parts.push(pngChunk("IDAT", zlibStored(raw)), pngChunk("IEND", []));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
