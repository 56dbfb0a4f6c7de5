/**
 * Decoded JPEG planes to RGB: chroma brought up to the luma's resolution
 * by libjpeg's default "fancy" upsampling (a triangle filter: each output
 * sample ¾ of the nearer input sample and ¼ of the farther, per axis), then
 * YCbCr to RGB with libjpeg's fixed-point tables, so the result is within
 * rounding of what MozJPEG gives. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { Planes } from "./_jpeg_blocks.ts";

const HALF = 1 << 15;
const fix = (x: number) => Math.round(x * 65536);
/** Per Cr or Cb byte: its red, blue and (×2^16) green contributions. */
const CR_R = new Int32Array(256), CB_B = new Int32Array(256);
const CR_G = new Int32Array(256), CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + HALF) >> 16;
  CB_B[i] = (fix(1.772) * x + HALF) >> 16;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + HALF;
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/**
 * Row `y` of a chroma plane (`stride` samples a row, of which the first
 * `width` × `height` lie in the image) at luma resolution, for luma
 * sampling `h` × `v` (1×1, 2×1 or 2×2), into `out`. Past the image's edge
 * the last sample inside repeats, as libjpeg has it.
 */
function upsampleRow(
  plane: Uint8Array,
  stride: number,
  width: number,
  height: number,
  y: number,
  h: number,
  v: number,
  out: Int32Array,
): void {
  const cy = Math.min(v === 2 ? y >> 1 : y, height - 1);
  const row = cy * stride;
  const last = width - 1;
  if (h === 1) {
    for (let i = 0; i < stride; i++) out[i] = plane[row + Math.min(i, last)];
    return;
  }
  if (v === 1) {
    if (width === 1) {
      out.fill(plane[row], 0, 2 * stride);
      return;
    }
    out[0] = plane[row];
    out[1] = (plane[row] * 3 + plane[row + 1] + 2) >> 2;
    for (let i = 1; i < last; i++) {
      const centre = plane[row + i] * 3;
      out[2 * i] = (centre + plane[row + i - 1] + 1) >> 2;
      out[2 * i + 1] = (centre + plane[row + i + 1] + 2) >> 2;
    }
    out[2 * last] = (plane[row + last] * 3 + plane[row + last - 1] + 1) >> 2;
    out.fill(plane[row + last], 2 * last + 1, 2 * stride);
    return;
  }
  // 2×2: column sums with the nearer neighbouring row (the edge row
  // repeated at the top and bottom), then the same triangle across.
  const ny = y & 1 ? Math.min(cy + 1, height - 1) : Math.max(cy - 1, 0);
  const near = ny * stride;
  const sum = (i: number) => plane[row + i] * 3 + plane[near + i];
  let previous = sum(0), current = previous;
  for (let i = 0; i < width; i++) {
    const next = i < last ? sum(i + 1) : current;
    out[2 * i] = (current * 3 + previous + 8) >> 4;
    out[2 * i + 1] = (current * 3 + next + 7) >> 4;
    previous = current;
    current = next;
  }
  out.fill(out[2 * last + 1], 2 * width, 2 * stride);
}

/**
 * RGB of decoded planes (Y, or Y Cb Cr with the luma sampling `h` × `v`),
 * as large as the luma plane. `chromaWidth` × `chromaHeight` chroma
 * samples lie inside the image; the planes' others are the encoder's
 * padding.
 */
export function planesToRgb(
  decoded: Planes,
  h: number,
  v: number,
  chromaWidth: number,
  chromaHeight: number,
): RgbImage {
  const { planes, widths, heights } = decoded;
  const width = widths[0], height = heights[0];
  const luma = planes[0];
  const out = new Uint8Array(width * height * 3);
  if (planes.length === 1) {
    for (let i = 0, o = 0; i < luma.length; i++, o += 3) {
      out[o] = out[o + 1] = out[o + 2] = luma[i];
    }
    return { width, height, data: out };
  }
  const cw = Math.min(chromaWidth, widths[1]);
  const ch = Math.min(chromaHeight, heights[1]);
  const cb = new Int32Array(widths[1] * h), cr = new Int32Array(widths[2] * h);
  for (let y = 0, o = 0; y < height; y++) {
    upsampleRow(planes[1], widths[1], cw, ch, y, h, v, cb);
    upsampleRow(planes[2], widths[2], cw, ch, y, h, v, cr);
    for (let x = 0, i = y * width; x < width; x++, i++, o += 3) {
      const l = luma[i], b = cb[x], r = cr[x];
      out[o] = clamp(l + CR_R[r]);
      out[o + 1] = clamp(l + ((CB_G[b] + CR_G[r]) >> 16));
      out[o + 2] = clamp(l + CB_B[b]);
    }
  }
  return { width, height, data: out };
}
