/**
 * Writers and editors for the formats beyond JPEG and PNG, so that tests
 * build their files in code: a synthetic photo-like picture, BMP and TIFF
 * writers, a WebP EXIF and animation wrapper, a HEIF/AVIF editor that adds
 * rotation and mirroring, and the damage the decoder must refuse (a PNG
 * split into tiny IDAT chunks, a JPEG whose frame claims another size).
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { concat, pngChunk } from "./images.ts";

/** 8-bit RGB pixels, row by row. */
export interface Picture {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A deterministic picture with what photos have: smooth gradients, sharp
 * edges, a bright disc and fine texture.
 *
 * @example
 * ```ts
 * import { syntheticPicture } from "@facever/testing";
 * console.log(syntheticPicture(4, 2).data.length); // 24
 * ```
 */
export function syntheticPicture(width: number, height: number): Picture {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width, v = y / height;
      const disc = (u - 0.6) ** 2 + (v - 0.4) ** 2 < 0.04 ? 90 : 0;
      const edge = u > 0.25 && u < 0.3 ? -60 : 0;
      const texture = ((x * 7 + y * 13) % 17) - 8;
      const base = [40 + 150 * u, 60 + 120 * v, 200 - 120 * u * v];
      for (let c = 0; c < 3; c++) {
        const value = base[c] + disc + edge + texture;
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, value));
      }
    }
  }
  return { width, height, data };
}

// ----------------------------------------------------------------- PNG ---

/**
 * Rewrites a PNG so that its image data comes in IDAT chunks of `size`
 * bytes (1 gives the pathological file of a million chunks).
 *
 * @example
 * ```ts
 * import { encodePng, splitIdat } from "@facever/testing";
 * const png = encodePng({ width: 1, height: 1, colorType: 0, bitDepth: 8, samples: [7] });
 * console.log(splitIdat(png, 1).length > png.length); // true
 * ```
 */
export function splitIdat(png: Uint8Array, size: number): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const before: Uint8Array[] = [png.subarray(0, 8)];
  const after: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  for (let pos = 8; pos < png.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const chunk = png.subarray(pos, pos + 12 + length);
    if (type === "IDAT") data.push(chunk.subarray(8, 8 + length));
    else (data.length ? after : before).push(chunk);
    pos += 12 + length;
  }
  const all = concat(data);
  const pieces: Uint8Array[] = [];
  for (let pos = 0; pos < all.length; pos += size) {
    pieces.push(pngChunk("IDAT", all.subarray(pos, pos + size)));
  }
  return concat([...before, ...pieces, ...after]);
}

// ---------------------------------------------------------------- JPEG ---

/**
 * A copy of a JPEG whose frame header (SOF) claims `width` x `height`:
 * the scan data stays that of the original size.
 *
 * @example
 * ```ts
 * import { encodeFlatJpeg, withJpegSize } from "@facever/testing";
 * const jpeg = encodeFlatJpeg({ width: 8, height: 8, components: 1, samples: new Uint8Array(64) });
 * console.log(withJpegSize(jpeg, 7000, 7000).length === jpeg.length); // true
 * ```
 */
export function withJpegSize(
  jpeg: Uint8Array,
  width: number,
  height: number,
): Uint8Array {
  const out = jpeg.slice();
  for (let i = 2; i + 9 < out.length; i++) {
    const m = out[i + 1];
    if (out[i] === 0xff && m >= 0xc0 && m <= 0xc2) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return out;
    }
  }
  throw new Error("no SOF0/1/2 marker");
}

// ----------------------------------------------------------------- BMP ---

/** What {@linkcode encodeBmp} writes. */
export interface BmpOptions {
  width: number;
  height: number;
  /** 8: palette indices; 24: RGB; 32: RGBA (bit fields, V5 header). */
  bitsPerPixel: 8 | 24 | 32;
  /** Indices, RGB or RGBA samples, row by row from the top. */
  samples: ArrayLike<number>;
  /** Palette entries [r, g, b] for 8 bits. */
  palette?: number[][];
  /** Rows stored top-down (negative height) instead of bottom-up. */
  topDown?: boolean;
  /** RLE8-compress an 8-bit image. */
  rle?: boolean;
}

/**
 * Writes a BMP.
 *
 * @example
 * ```ts
 * import { encodeBmp } from "@facever/testing";
 * const bmp = encodeBmp({ width: 1, height: 1, bitsPerPixel: 24, samples: [1, 2, 3] });
 * console.log(bmp.length); // 58
 * ```
 */
export function encodeBmp(options: BmpOptions): Uint8Array {
  const { width, height, bitsPerPixel: bits, samples } = options;
  const channels = bits / 8;
  const stride = Math.ceil(width * bits / 32) * 4;
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) {
    const row: number[] = [];
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      if (bits === 8) row.push(samples[s]);
      else if (bits === 24) {
        row.push(samples[s + 2], samples[s + 1], samples[s]);
      } else {
        row.push(samples[s + 2], samples[s + 1], samples[s], samples[s + 3]);
      }
    }
    rows.push(row);
  }
  const stored = options.topDown ? rows : rows.slice().reverse();
  const pixels: number[] = [];
  if (options.rle) {
    for (const row of stored) {
      for (let x = 0; x < row.length;) {
        let run = 1;
        while (run < 255 && row[x + run] === row[x]) run++;
        pixels.push(run, row[x]);
        x += run;
      }
      pixels.push(0, 0);
    }
    pixels.push(0, 1);
  } else {
    for (const row of stored) {
      pixels.push(...row);
      for (let pad = row.length; pad < stride; pad++) pixels.push(0);
    }
  }
  const dib = bits === 32 ? 124 : 40;
  const palette = (options.palette ?? []).flatMap(([r, g, b]) => [b, g, r, 0]);
  const offset = 14 + dib + palette.length;
  const header = new DataView(new ArrayBuffer(offset - palette.length));
  header.setUint8(0, 0x42);
  header.setUint8(1, 0x4d);
  header.setUint32(2, offset + pixels.length, true);
  header.setUint32(10, offset, true);
  header.setUint32(14, dib, true);
  header.setInt32(18, width, true);
  header.setInt32(22, options.topDown ? -height : height, true);
  header.setUint16(26, 1, true);
  header.setUint16(28, bits, true);
  header.setUint32(30, options.rle ? 1 : bits === 32 ? 3 : 0, true);
  header.setUint32(34, pixels.length, true);
  header.setUint32(46, (options.palette ?? []).length, true);
  if (bits === 32) {
    [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000].forEach((mask, i) =>
      header.setUint32(54 + 4 * i, mask, true)
    );
  }
  return concat([
    new Uint8Array(header.buffer),
    Uint8Array.from(palette),
    Uint8Array.from(pixels),
  ]);
}

// ---------------------------------------------------------------- TIFF ---

/** What {@linkcode encodeTiff} writes. */
export interface TiffOptions {
  width: number;
  height: number;
  /** 1 gray (black is zero), 2 RGB, 3 palette. */
  photometric: 1 | 2 | 3;
  bitsPerSample: 8 | 16;
  /** Samples per pixel; one more than the colours adds unassociated alpha. */
  samplesPerPixel: number;
  /** Sample values row by row (16-bit values for 16 bits). */
  samples: ArrayLike<number>;
  /** TIFF Orientation tag (1..8). */
  orientation?: number;
  /** 16-bit colour map: all reds, then greens, then blues. */
  colorMap?: number[];
  /** 1 none, 5 LZW, 8 Deflate. */
  compression?: 1 | 5 | 8;
  /** Big-endian ("MM") instead of little-endian. */
  bigEndian?: boolean;
}

/**
 * Writes a one-strip TIFF.
 *
 * @example
 * ```ts
 * import { encodeTiff } from "@facever/testing";
 * const tiff = encodeTiff({ width: 1, height: 1, photometric: 1, bitsPerSample: 8, samplesPerPixel: 1, samples: [9] });
 * console.log(tiff[0] === 0x49); // true
 * ```
 */
export function encodeTiff(options: TiffOptions): Uint8Array {
  const { width, height, bitsPerSample: bits, samplesPerPixel: spp } = options;
  const little = !options.bigEndian;
  const bytesPer = bits / 8;
  let strip: Uint8Array = new Uint8Array(width * height * spp * bytesPer);
  const sv = new DataView(strip.buffer);
  for (let i = 0; i < width * height * spp; i++) {
    if (bits === 16) sv.setUint16(i * 2, options.samples[i], little);
    else strip[i] = options.samples[i];
  }
  const compression = options.compression ?? 1;
  if (compression === 8) strip = new Uint8Array(deflateSync(strip));
  if (compression === 5) strip = tiffLzw(strip);
  const entries: [number, number, number[]][] = [ // tag, type, values
    [256, 4, [width]],
    [257, 4, [height]],
    [258, 3, new Array(spp).fill(bits)],
    [259, 3, [compression]],
    [262, 3, [options.photometric]],
    [273, 4, [0]], // patched below
    [274, 3, [options.orientation ?? 1]],
    [277, 3, [spp]],
    [278, 4, [height]],
    [279, 4, [strip.length]],
    [284, 3, [1]],
  ];
  if (options.colorMap) entries.push([320, 3, options.colorMap]);
  const colours = options.photometric === 2 ? 3 : 1;
  if (spp > colours) entries.push([338, 3, [2]]);
  const ifdSize = 2 + entries.length * 12 + 4;
  const extra = entries.reduce((n, [, type, values]) => {
    const size = values.length * (type === 3 ? 2 : 4);
    return n + (size > 4 ? size : 0);
  }, 0);
  const dataStart = 8 + ifdSize + extra;
  entries[5][2] = [dataStart];
  const out = new Uint8Array(dataStart + strip.length);
  const view = new DataView(out.buffer);
  out.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little);
  view.setUint16(8, entries.length, little);
  let spill = 8 + ifdSize;
  entries.forEach(([tag, type, values], i) => {
    const at = 10 + i * 12;
    const size = type === 3 ? 2 : 4;
    view.setUint16(at, tag, little);
    view.setUint16(at + 2, type, little);
    view.setUint32(at + 4, values.length, little);
    let pos = at + 8;
    if (values.length * size > 4) {
      view.setUint32(at + 8, spill, little);
      pos = spill;
      spill += values.length * size;
    }
    values.forEach((v, k) => {
      if (size === 2) view.setUint16(pos + 2 * k, v, little);
      else view.setUint32(pos + 4 * k, v, little);
    });
  });
  out.set(strip, dataStart);
  return out;
}

/**
 * TIFF LZW (as libtiff writes it): a clear code first, codes most
 * significant bit first, the width growing one code early (at 511, 1023,
 * 2047 entries), a clear code before the table overflows, and an end code.
 */
function tiffLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0, held = 0, size = 9;
  const emit = (code: number) => {
    acc = (acc << size) | code;
    held += size;
    while (held >= 8) {
      out.push((acc >>> (held - 8)) & 255);
      held -= 8;
    }
    acc &= (1 << held) - 1;
  };
  let table = new Map<number, number>();
  let next = 258;
  const grow = () => {
    next++;
    if (next === 1 << size && size < 12) size++;
  };
  emit(256);
  let word = data[0];
  for (let i = 1; i < data.length; i++) {
    const key = word * 256 + data[i];
    const known = table.get(key);
    if (known !== undefined) {
      word = known;
      continue;
    }
    emit(word);
    table.set(key, next);
    grow();
    if (next >= 4094) {
      emit(256);
      table = new Map();
      next = 258;
      size = 9;
    }
    word = data[i];
  }
  emit(word);
  grow();
  emit(257);
  if (held > 0) out.push((acc << (8 - held)) & 255);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------- WebP ---

function riffChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  out.set(new TextEncoder().encode(type));
  new DataView(out.buffer).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

function riff(chunks: Uint8Array[]): Uint8Array {
  const body = concat(chunks);
  const out = new Uint8Array(12 + body.length);
  out.set(new TextEncoder().encode("RIFF"));
  new DataView(out.buffer).setUint32(4, body.length + 4, true);
  out.set(new TextEncoder().encode("WEBP"), 8);
  out.set(body, 12);
  return out;
}

function u24(value: number): number[] {
  return [value & 255, (value >> 8) & 255, (value >> 16) & 255];
}

/** The bitstream chunk of a simple WebP and its size. */
function simpleWebp(webp: Uint8Array) {
  const type = String.fromCharCode(...webp.subarray(12, 16));
  const length = new DataView(webp.buffer, webp.byteOffset).getUint32(16, true);
  const chunk = webp.subarray(12, 20 + length + (length & 1));
  const p = 20;
  let width: number, height: number, alpha = false;
  if (type === "VP8 ") {
    width = (webp[p + 6] | (webp[p + 7] << 8)) & 0x3fff;
    height = (webp[p + 8] | (webp[p + 9] << 8)) & 0x3fff;
  } else if (type === "VP8L") {
    const bits = new DataView(webp.buffer, webp.byteOffset).getUint32(
      p + 1,
      true,
    );
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
    alpha = ((bits >>> 28) & 1) === 1;
  } else {
    throw new Error(`not a simple WebP: ${type}`);
  }
  return { chunk, width, height, alpha };
}

/**
 * Wraps a simple (VP8 or VP8L) WebP into an extended one carrying an EXIF
 * chunk with the given TIFF structure.
 *
 * @example
 * ```ts
 * import { tiffWithOrientation, webpWithExif } from "@facever/testing";
 * console.log(typeof webpWithExif); // "function"
 * ```
 */
export function webpWithExif(webp: Uint8Array, tiff: number[]): Uint8Array {
  const { chunk, width, height, alpha } = simpleWebp(webp);
  const vp8x = Uint8Array.from([
    0x08 | (alpha ? 0x10 : 0),
    0,
    0,
    0,
    ...u24(width - 1),
    ...u24(height - 1),
  ]);
  return riff([
    riffChunk("VP8X", vp8x),
    chunk,
    riffChunk("EXIF", Uint8Array.from(tiff)),
  ]);
}

/** One frame of {@linkcode animatedWebp}: a simple WebP and its place. */
export interface WebpFrameOptions {
  webp: Uint8Array;
  x: number;
  y: number;
}

/**
 * An animated WebP of simple WebP frames on a canvas (offsets even).
 *
 * @example
 * ```ts
 * import { animatedWebp } from "@facever/testing";
 * console.log(typeof animatedWebp); // "function"
 * ```
 */
export function animatedWebp(
  width: number,
  height: number,
  frames: WebpFrameOptions[],
): Uint8Array {
  const vp8x = Uint8Array.from([
    0x02 | 0x10,
    0,
    0,
    0,
    ...u24(width - 1),
    ...u24(height - 1),
  ]);
  const anim = Uint8Array.from([255, 255, 255, 255, 0, 0]);
  const anmf = frames.map(({ webp, x, y }) => {
    const frame = simpleWebp(webp);
    return riffChunk(
      "ANMF",
      concat([
        Uint8Array.from([
          ...u24(x / 2),
          ...u24(y / 2),
          ...u24(frame.width - 1),
          ...u24(frame.height - 1),
          ...u24(100),
          0x02, // do not blend
        ]),
        frame.chunk,
      ]),
    );
  });
  return riff([riffChunk("VP8X", vp8x), riffChunk("ANIM", anim), ...anmf]);
}
