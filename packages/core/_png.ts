/**
 * Turns decoded PNG samples (any colour type, 1..16 bits, palette, tRNS)
 * into 8-bit RGB with transparency composited over white. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";

/** PNG samples as a decoder such as fast-png returns them. */
export interface PngSamples {
  width: number;
  height: number;
  /** Bits per sample. Rows of 1/2/4-bit samples are packed, byte-aligned. */
  depth: number;
  /** 1 gray or palette index, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  /** Palette entries [r, g, b] or [r, g, b, a] (tRNS merged in). */
  palette?: number[][];
  /** tRNS colour key for gray ([v]) or RGB ([r, g, b]) images. */
  transparency?: Uint16Array;
}

/** Thrown for samples that do not describe a valid image. */
export class PngSampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PngSampleError";
  }
}

/** round((c·a + 255·(255 − a)) / 255) for 8-bit c and a. */
function over8(c: number, a: number): number {
  return ((c * a + 255 * (255 - a) + 127) / 255) | 0;
}

/** 16-bit c and a composited over white, then rounded to 8 bits. */
function over16(c: number, a: number): number {
  return Math.round((c * a + 65535 * (65535 - a)) / 65535 / 257);
}

/** Converts PNG samples to RGB; transparency is composited over white. */
export function pngSamplesToRgb(png: PngSamples): RgbImage {
  const { width, height, depth, channels, data, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const key = png.transparency && png.transparency.length > 0
    ? png.transparency
    : undefined;

  if (depth < 8) {
    if (channels !== 1) {
      throw new PngSampleError(
        `${depth}-bit samples with ${channels} channels`,
      );
    }
    const rowBytes = Math.ceil(width * depth / 8);
    if (data.length < rowBytes * height) {
      throw new PngSampleError("too few samples for the image size");
    }
    const mask = (1 << depth) - 1;
    // Value of each possible sample: palette colour or scaled gray.
    const lut = new Uint8Array(3 << depth);
    const valid = new Uint8Array(1 << depth);
    for (let v = 0; v <= mask; v++) {
      let rgb: number[];
      if (palette) {
        const entry = palette[v];
        if (!entry) continue;
        const a = entry.length > 3 ? entry[3] : 255;
        rgb = [over8(entry[0], a), over8(entry[1], a), over8(entry[2], a)];
      } else {
        const g = (v * 255) / mask;
        rgb = key && key[0] === v ? [255, 255, 255] : [g, g, g];
      }
      lut.set(rgb, v * 3);
      valid[v] = 1;
    }
    for (let y = 0, o = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < width; x++, o += 3) {
        const bit = x * depth;
        const v = (data[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
        if (!valid[v]) throw new PngSampleError(`palette index ${v} missing`);
        out[o] = lut[v * 3];
        out[o + 1] = lut[v * 3 + 1];
        out[o + 2] = lut[v * 3 + 2];
      }
    }
    return { width, height, data: out };
  }

  if (data.length < n * channels) {
    throw new PngSampleError("too few samples for the image size");
  }

  if (palette) {
    if (channels !== 1 || depth !== 8) {
      throw new PngSampleError("palette image with unexpected sample layout");
    }
    const lut = new Uint8Array(256 * 3);
    const valid = new Uint8Array(256);
    palette.forEach((entry, i) => {
      if (i > 255) return;
      const a = entry.length > 3 ? entry[3] : 255;
      lut.set(
        [over8(entry[0], a), over8(entry[1], a), over8(entry[2], a)],
        i * 3,
      );
      valid[i] = 1;
    });
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = data[i];
      if (!valid[v]) throw new PngSampleError(`palette index ${v} missing`);
      out[o] = lut[v * 3];
      out[o + 1] = lut[v * 3 + 1];
      out[o + 2] = lut[v * 3 + 2];
    }
    return { width, height, data: out };
  }

  if (depth === 16) {
    convert16(data as Uint16Array, n, channels, key, out);
  } else if (channels === 3 && !key && data instanceof Uint8Array) {
    // Already RGB: the decoder's fresh buffer is the result.
    return { width, height, data: data.length === n * 3 ? data : out };
  } else {
    convert8(data as Uint8Array, n, channels, key, out);
  }
  return { width, height, data: out };
}

/** 8-bit gray, gray + alpha, RGB or RGBA to RGB (monomorphic hot loops). */
function convert8(
  data: Uint8Array,
  n: number,
  channels: number,
  key: Uint16Array | undefined,
  out: Uint8Array,
): void {
  switch (channels) {
    case 1: {
      const k = key ? key[0] : -1;
      for (let i = 0, o = 0; i < n; i++, o += 3) {
        const v = data[i];
        const g = v === k ? 255 : v;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      }
      return;
    }
    case 2:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 2, o += 3) {
        const a = data[s + 1];
        const g = a === 255 ? data[s] : over8(data[s], a);
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      }
      return;
    case 3: {
      const kr = key ? key[0] : -1, kg = key ? key[1] : -1;
      const kb = key ? key[2] : -1;
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 3) {
        const r = data[s], g = data[s + 1], b = data[s + 2];
        const hit = r === kr && g === kg && b === kb;
        out[o] = hit ? 255 : r;
        out[o + 1] = hit ? 255 : g;
        out[o + 2] = hit ? 255 : b;
      }
      return;
    }
    case 4:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
        const a = data[s + 3];
        if (a === 255) {
          out[o] = data[s];
          out[o + 1] = data[s + 1];
          out[o + 2] = data[s + 2];
        } else {
          out[o] = over8(data[s], a);
          out[o + 1] = over8(data[s + 1], a);
          out[o + 2] = over8(data[s + 2], a);
        }
      }
      return;
    default:
      throw new PngSampleError(`unexpected channel count ${channels}`);
  }
}

/** 16-bit samples to 8-bit RGB, compositing at full precision. */
function convert16(
  data: Uint16Array,
  n: number,
  channels: number,
  key: Uint16Array | undefined,
  out: Uint8Array,
): void {
  const to8 = (v: number) => Math.round(v / 257);
  switch (channels) {
    case 1:
      for (let i = 0, o = 0; i < n; i++, o += 3) {
        const v = data[i];
        out[o] = out[o + 1] = out[o + 2] = key && key[0] === v ? 255 : to8(v);
      }
      return;
    case 2:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 2, o += 3) {
        const a = data[s + 1];
        out[o] = out[o + 1] = out[o + 2] = over16(data[s], a);
      }
      return;
    case 3:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 3) {
        const r = data[s], g = data[s + 1], b = data[s + 2];
        const hit = key !== undefined && key[0] === r && key[1] === g &&
          key[2] === b;
        out[o] = hit ? 255 : to8(r);
        out[o + 1] = hit ? 255 : to8(g);
        out[o + 2] = hit ? 255 : to8(b);
      }
      return;
    case 4:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
        const a = data[s + 3];
        out[o] = over16(data[s], a);
        out[o + 1] = over16(data[s + 1], a);
        out[o + 2] = over16(data[s + 2], a);
      }
      return;
    default:
      throw new PngSampleError(`unexpected channel count ${channels}`);
  }
}
