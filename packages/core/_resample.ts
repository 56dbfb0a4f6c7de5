/**
 * Separable resampling: per-axis tap tables (area averages for an axis
 * that shrinks, bilinear for one that grows) and the two-pass kernel that
 * applies them. `resizeImage` uses it on whole images; a JPEG source on a
 * window of a reduced decode whose edges fall between its pixels.
 * Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";

/**
 * Resampling taps for one axis: output index `i` reads `count[i]` source
 * indices starting at `first[i]`, with weights `weights[i * taps + k]`.
 */
export interface AxisTable {
  readonly taps: number;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
}

/**
 * Area-average taps (box filter of the output pixel's footprint) of `dst`
 * outputs over the source span `[start, start + length)`, where source
 * pixel s covers `[s, s + 1)` and there are `limit` of them.
 */
export function areaTable(
  start: number,
  length: number,
  limit: number,
  dst: number,
): AxisTable {
  const scale = length / dst;
  const taps = Math.ceil(scale) + 1;
  const first = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * taps);
  for (let i = 0; i < dst; i++) {
    const from = start + i * scale;
    const end = Math.min(start + (i + 1) * scale, limit);
    const lo = Math.floor(from);
    const hi = Math.min(Math.ceil(end), limit, lo + taps);
    first[i] = lo;
    count[i] = hi - lo;
    let total = 0;
    for (let s = lo; s < hi; s++) {
      const overlap = Math.min(end, s + 1) - Math.max(from, s);
      weights[i * taps + s - lo] = overlap;
      total += overlap;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
  }
  return { taps, first, count, weights };
}

/** Bilinear taps with pixel centres aligned, clamped at the borders. */
export function bilinearTable(src: number, dst: number): AxisTable {
  const scale = src / dst;
  const first = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * 2);
  for (let i = 0; i < dst; i++) {
    const pos = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), src - 1);
    const lo = Math.min(Math.floor(pos), src - 1);
    const frac = pos - lo;
    first[i] = lo;
    if (frac > 0 && lo + 1 < src) {
      count[i] = 2;
      weights[i * 2] = 1 - frac;
      weights[i * 2 + 1] = frac;
    } else {
      count[i] = 1;
      weights[i * 2] = 1;
    }
  }
  return { taps: 2, first, count, weights };
}

/**
 * Applies the tables: columns through `xt` (`width` of them), rows
 * through `yt` (`height`). Only the source rows the vertical taps reach
 * are read.
 */
export function resample(
  image: RgbImage,
  xt: AxisTable,
  yt: AxisTable,
  width: number,
  height: number,
): RgbImage {
  const srcW = image.width;
  const src = image.data;
  const rowFrom = yt.first[0];
  const rowTo = yt.first[height - 1] + yt.count[height - 1];

  // Horizontal pass: the rows needed, `width` pixels each, kept as floats.
  const rowLen = width * 3;
  const tmp = new Float32Array((rowTo - rowFrom) * rowLen);
  const xTaps = xt.taps;
  const { count: xCount, first: xFirst, weights: xWeights } = xt;
  for (let y = rowFrom; y < rowTo; y++) {
    const srcRow = y * srcW * 3;
    let o = (y - rowFrom) * rowLen;
    for (let x = 0; x < width; x++, o += 3) {
      const n = xCount[x];
      let wi = x * xTaps;
      let p = srcRow + xFirst[x] * 3;
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < n; k++, p += 3, wi++) {
        const w = xWeights[wi];
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }

  // Vertical pass into the output. A clamped array rounds and clamps each
  // value as it is stored, without a call per byte.
  const out = new Uint8Array(height * rowLen);
  const clamped = new Uint8ClampedArray(out.buffer);
  const acc = new Float32Array(rowLen);
  const yTaps = yt.taps;
  for (let y = 0; y < height; y++) {
    const n = yt.count[y];
    const first = yt.first[y] - rowFrom;
    const w0 = yt.weights[y * yTaps];
    let base = first * rowLen;
    for (let i = 0; i < rowLen; i++) acc[i] = w0 * tmp[base + i];
    for (let k = 1; k < n; k++) {
      const w = yt.weights[y * yTaps + k];
      base = (first + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * tmp[base + i];
    }
    clamped.set(acc, y * rowLen);
  }
  return { width, height, data: out };
}
