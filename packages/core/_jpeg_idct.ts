/**
 * The inverse DCT of one 8×8 block: the Loeffler–Ligtenberg–Moschytz
 * factorisation in 13-bit fixed point that libjpeg calls "islow" (its
 * default, so its output and MozJPEG's agree), written to a plane at full
 * scale, or averaged over 2×2 or 4×4 pixels for 1/2 and 1/4 scale: the
 * area average of the full-scale block, which is what the rest of the
 * pipeline does when it shrinks an image. Private.
 *
 * @module
 */

// cos-derived constants × 2^13, as the algorithm names them.
const F0298 = 2446, F0390 = 3196, F0541 = 4433, F0765 = 6270;
const F0899 = 7373, F1175 = 9633, F1501 = 12299, F1847 = 15137;
const F1961 = 16069, F2053 = 16819, F2562 = 20995, F3072 = 25172;

/** Scratch space of one block's transform. */
export interface IdctScratch {
  /** Columns' results (the first pass). */
  readonly columns: Int32Array;
  /** The full-scale block, when it is averaged down. */
  readonly block: Uint8Array;
}

export function idctScratch(): IdctScratch {
  return { columns: new Int32Array(64), block: new Uint8Array(64) };
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** Columns of the dequantised coefficients (natural order) into `ws`, scaled by 2^2. */
function columns(coef: Int32Array, ws: Int32Array): void {
  for (let col = 0; col < 8; col++) {
    if (
      coef[8 + col] === 0 && coef[16 + col] === 0 && coef[24 + col] === 0 &&
      coef[32 + col] === 0 && coef[40 + col] === 0 && coef[48 + col] === 0 &&
      coef[56 + col] === 0
    ) {
      const dc = coef[col] * 4;
      for (let r = 0; r < 64; r += 8) ws[r + col] = dc;
      continue;
    }
    // Even part.
    let z2 = coef[16 + col], z3 = coef[48 + col];
    let z1 = (z2 + z3) * F0541;
    let t2 = z1 - z3 * F1847;
    let t3 = z1 + z2 * F0765;
    z2 = coef[col];
    z3 = coef[32 + col];
    let t0 = (z2 + z3) * 8192;
    let t1 = (z2 - z3) * 8192;
    const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
    // Odd part.
    t0 = coef[56 + col];
    t1 = coef[40 + col];
    t2 = coef[24 + col];
    t3 = coef[8 + col];
    z1 = t0 + t3;
    z2 = t1 + t2;
    z3 = t0 + t2;
    let z4 = t1 + t3;
    const z5 = (z3 + z4) * F1175;
    t0 *= F0298;
    t1 *= F2053;
    t2 *= F3072;
    t3 *= F1501;
    z1 *= -F0899;
    z2 *= -F2562;
    z3 = z3 * -F1961 + z5;
    z4 = z4 * -F0390 + z5;
    t0 += z1 + z3;
    t1 += z2 + z4;
    t2 += z2 + z3;
    t3 += z1 + z4;
    // Descale by 2^(13 - 2), rounding.
    ws[col] = (e10 + t3 + 1024) >> 11;
    ws[56 + col] = (e10 - t3 + 1024) >> 11;
    ws[8 + col] = (e11 + t2 + 1024) >> 11;
    ws[48 + col] = (e11 - t2 + 1024) >> 11;
    ws[16 + col] = (e12 + t1 + 1024) >> 11;
    ws[40 + col] = (e12 - t1 + 1024) >> 11;
    ws[24 + col] = (e13 + t0 + 1024) >> 11;
    ws[32 + col] = (e13 - t0 + 1024) >> 11;
  }
}

/** Rows of `ws` into 8-bit samples, level-shifted by 128. */
function rows(ws: Int32Array, out: Uint8Array, at: number, stride: number) {
  for (let r = 0; r < 64; r += 8, at += stride) {
    if (
      ws[r + 1] === 0 && ws[r + 2] === 0 && ws[r + 3] === 0 &&
      ws[r + 4] === 0 && ws[r + 5] === 0 && ws[r + 6] === 0 && ws[r + 7] === 0
    ) {
      out.fill(clamp(((ws[r] + 16) >> 5) + 128), at, at + 8);
      continue;
    }
    let z2 = ws[r + 2], z3 = ws[r + 6];
    let z1 = (z2 + z3) * F0541;
    let t2 = z1 - z3 * F1847;
    let t3 = z1 + z2 * F0765;
    let t0 = (ws[r] + ws[r + 4]) * 8192;
    let t1 = (ws[r] - ws[r + 4]) * 8192;
    const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
    t0 = ws[r + 7];
    t1 = ws[r + 5];
    t2 = ws[r + 3];
    t3 = ws[r + 1];
    z1 = t0 + t3;
    z2 = t1 + t2;
    z3 = t0 + t2;
    let z4 = t1 + t3;
    const z5 = (z3 + z4) * F1175;
    t0 *= F0298;
    t1 *= F2053;
    t2 *= F3072;
    t3 *= F1501;
    z1 *= -F0899;
    z2 *= -F2562;
    z3 = z3 * -F1961 + z5;
    z4 = z4 * -F0390 + z5;
    t0 += z1 + z3;
    t1 += z2 + z4;
    t2 += z2 + z3;
    t3 += z1 + z4;
    // Descale by 2^(13 + 2 + 3), rounding; then the level shift.
    out[at] = clamp(((e10 + t3 + 131072) >> 18) + 128);
    out[at + 7] = clamp(((e10 - t3 + 131072) >> 18) + 128);
    out[at + 1] = clamp(((e11 + t2 + 131072) >> 18) + 128);
    out[at + 6] = clamp(((e11 - t2 + 131072) >> 18) + 128);
    out[at + 2] = clamp(((e12 + t1 + 131072) >> 18) + 128);
    out[at + 5] = clamp(((e12 - t1 + 131072) >> 18) + 128);
    out[at + 3] = clamp(((e13 + t0 + 131072) >> 18) + 128);
    out[at + 4] = clamp(((e13 - t0 + 131072) >> 18) + 128);
  }
}

/**
 * Transforms one block of dequantised coefficients (natural order) and
 * writes it at `at` in a plane `stride` samples wide: 8×8 samples at full
 * scale, or (8 / `reduce`)² samples, each the rounded mean of a `reduce`²
 * square, for `reduce` 2 or 4. A block with only its DC term is flat.
 */
export function idctBlock(
  coef: Int32Array,
  dcOnly: boolean,
  reduce: number,
  out: Uint8Array,
  at: number,
  stride: number,
  scratch: IdctScratch,
): void {
  if (dcOnly) {
    const side = 8 / reduce;
    // What both passes give for a lone DC term: (dc + 4) / 8 + 128.
    const value = clamp(((coef[0] + 4) >> 3) + 128);
    for (let y = 0; y < side; y++, at += stride) {
      out.fill(value, at, at + side);
    }
    return;
  }
  columns(coef, scratch.columns);
  if (reduce === 1) {
    rows(scratch.columns, out, at, stride);
    return;
  }
  const b = scratch.block;
  rows(scratch.columns, b, 0, 8);
  if (reduce === 2) {
    for (let p = 0; p < 64; p += 16, at += stride) {
      out[at] = (b[p] + b[p + 1] + b[p + 8] + b[p + 9] + 2) >> 2;
      out[at + 1] = (b[p + 2] + b[p + 3] + b[p + 10] + b[p + 11] + 2) >> 2;
      out[at + 2] = (b[p + 4] + b[p + 5] + b[p + 12] + b[p + 13] + 2) >> 2;
      out[at + 3] = (b[p + 6] + b[p + 7] + b[p + 14] + b[p + 15] + 2) >> 2;
    }
    return;
  }
  for (let p = 0; p < 64; p += 32, at += stride) {
    for (let x = 0; x < 2; x++) {
      let sum = 0;
      for (let q = p + 4 * x; q < p + 32; q += 8) {
        sum += b[q] + b[q + 1] + b[q + 2] + b[q + 3];
      }
      out[at + x] = (sum + 8) >> 4;
    }
  }
}
