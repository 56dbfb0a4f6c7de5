/**
 * The camera side of a synthetic presentation attack: where the artefact
 * (a screen or a print) sits in the camera frame (a homography), what is
 * behind it, and what the camera adds (optical blur, sensor noise). Float
 * RGB planes in 0..255, interleaved like `RgbImage`; every random choice
 * comes from a seeded generator, so a seed gives the same frame every time.
 *
 * @module
 */

import type { Point, RgbImage } from "@facever/core";

/**
 * A seeded source of uniform numbers in (0, 1).
 *
 * @example
 * ```ts
 * import { uniform } from "@facever/testing";
 * import type { Random } from "./_scene.ts";
 * const random: Random = uniform(42);
 * console.log(random() > 0 && random() < 1); // true
 * ```
 */
export type Random = () => number;

/**
 * A uniform number in [lo, hi).
 *
 * @example
 * ```ts
 * import { between } from "./_scene.ts";
 * console.log(between(() => 0.5, 2, 4)); // 3
 * ```
 */
export function between(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/**
 * A 3×3 projective transform, row-major: (x, y) maps to
 * ((h0·x + h1·y + h2) / w, (h3·x + h4·y + h5) / w) with
 * w = h6·x + h7·y + h8.
 *
 * @example
 * ```ts
 * import type { Homography } from "./_scene.ts";
 * const identity: Homography = [1, 0, 0, 0, 1, 0, 0, 0, 1];
 * console.log(identity.length); // 9
 * ```
 */
export type Homography = readonly number[];

/**
 * The homography that maps the four points `from` onto `to` (each in the
 * same corner order), by solving the usual 8×8 linear system.
 *
 * @throws {RangeError} When three of the points are collinear.
 *
 * @example
 * ```ts
 * import { homography, project } from "./_scene.ts";
 * const square = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }];
 * const doubled = square.map(({ x, y }) => ({ x: 2 * x, y: 2 * y }));
 * console.log(project(homography(square, doubled), 0.5, 0.5)); // { x: 1, y: 1 }
 * ```
 */
export function homography(
  from: readonly Point[],
  to: readonly Point[],
): Homography {
  if (from.length !== 4 || to.length !== 4) {
    throw new RangeError("a homography needs four points on each side");
  }
  // Rows of [A | b] for the unknowns h0..h7 (h8 = 1).
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i];
    const { x: u, y: v } = to[i];
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) {
      if (Math.abs(rows[r][col]) > Math.abs(rows[pivot][col])) pivot = r;
    }
    if (Math.abs(rows[pivot][col]) < 1e-12) {
      throw new RangeError("the points do not define a homography");
    }
    [rows[col], rows[pivot]] = [rows[pivot], rows[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const factor = rows[r][col] / rows[col][col];
      for (let c = col; c < 9; c++) rows[r][c] -= factor * rows[col][c];
    }
  }
  return [...rows.map((row, i) => row[8] / row[i]), 1];
}

/**
 * Where `h` maps the point (x, y).
 *
 * @example
 * ```ts
 * import { project } from "./_scene.ts";
 * console.log(project([1, 0, 5, 0, 1, 0, 0, 0, 1], 1, 2)); // { x: 6, y: 2 }
 * ```
 */
export function project(h: Homography, x: number, y: number): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return {
    x: (h[0] * x + h[1] * y + h[2]) / w,
    y: (h[3] * x + h[4] * y + h[5]) / w,
  };
}

/**
 * Smooth value noise in about [-1, 1]: random values on a lattice of
 * `cell`-sized squares, interpolated with a smoothstep. The same `seed`
 * and point give the same value.
 *
 * @example
 * ```ts
 * import { valueNoise } from "./_scene.ts";
 * const noise = valueNoise(7, 10);
 * console.log(noise(3, 4) === noise(3, 4)); // true
 * ```
 */
export function valueNoise(
  seed: number,
  cell: number,
): (x: number, y: number) => number {
  const lattice = (i: number, j: number) => {
    let h = Math.imul(i, 374761393) ^ Math.imul(j, 668265263) ^
      Math.imul(seed, 2246822519);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    return ((h ^ (h >>> 16)) >>> 0) / 2 ** 31 - 1;
  };
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (x, y) => {
    const fx = x / cell, fy = y / cell;
    const i = Math.floor(fx), j = Math.floor(fy);
    const tx = smooth(fx - i), ty = smooth(fy - j);
    const top = lattice(i, j) * (1 - tx) + lattice(i + 1, j) * tx;
    const bottom = lattice(i, j + 1) * (1 - tx) + lattice(i + 1, j + 1) * tx;
    return top * (1 - ty) + bottom * ty;
  };
}

/**
 * What lies behind the artefact: a gradient between two random colours
 * with large soft blotches, like an out-of-focus room.
 *
 * @example
 * ```ts
 * import { uniform } from "@facever/testing";
 * import { background } from "./_scene.ts";
 * const plane = background(uniform(1), 8, 6);
 * console.log(plane.length); // 144
 * ```
 */
export function background(
  random: Random,
  width: number,
  height: number,
): Float32Array {
  const a = [0, 1, 2].map(() => between(random, 30, 220));
  const b = [0, 1, 2].map(() => between(random, 30, 220));
  const angle = between(random, 0, 2 * Math.PI);
  const dx = Math.cos(angle) / width, dy = Math.sin(angle) / height;
  const blotches = valueNoise(Math.floor(random() * 2 ** 31), 90);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + x * dx + y * dy));
      const shade = 1 + 0.25 * blotches(x, y);
      for (let c = 0; c < 3; c++) {
        out[(y * width + x) * 3 + c] = (a[c] * (1 - t) + b[c] * t) * shade;
      }
    }
  }
  return out;
}

/**
 * Blurs an interleaved RGB float plane in place with a Gaussian of
 * standard deviation `sigma` pixels (separable, edges clamped).
 *
 * @example
 * ```ts
 * import { gaussianBlur } from "./_scene.ts";
 * const plane = new Float32Array(5 * 1 * 3);
 * plane[6] = 90; // the middle pixel's red
 * gaussianBlur(plane, 5, 1, 1);
 * console.log(plane[6] < 90 && plane[3] > 0); // true
 * ```
 */
export function gaussianBlur(
  plane: Float32Array,
  width: number,
  height: number,
  sigma: number,
): void {
  if (!(sigma > 0)) return;
  const radius = Math.ceil(3 * sigma);
  const taps = Float32Array.from(
    { length: 2 * radius + 1 },
    (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = taps.reduce((sum, t) => sum + t, 0);
  taps.forEach((t, i) => taps[i] = t / total);
  const pass = (along: number, across: number, step: number, line: number) => {
    const copy = new Float32Array(along * 3);
    for (let j = 0; j < across; j++) {
      for (let i = 0; i < along; i++) {
        const at = (j * line + i * step) * 3;
        copy[i * 3] = plane[at];
        copy[i * 3 + 1] = plane[at + 1];
        copy[i * 3 + 2] = plane[at + 2];
      }
      for (let i = 0; i < along; i++) {
        let r = 0, g = 0, b = 0;
        for (let k = -radius; k <= radius; k++) {
          const from = Math.min(along - 1, Math.max(0, i + k)) * 3;
          const t = taps[k + radius];
          r += t * copy[from];
          g += t * copy[from + 1];
          b += t * copy[from + 2];
        }
        const at = (j * line + i * step) * 3;
        plane[at] = r;
        plane[at + 1] = g;
        plane[at + 2] = b;
      }
    }
  };
  pass(width, height, 1, width);
  pass(height, width, width, 1);
}

/** Standard normal values drawn once: sensor noise picks among them. */
const GAUSSIANS = (() => {
  const random = mulberry(0x5eed);
  return Float32Array.from(
    { length: 4096 },
    () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random()),
  );
})();

function mulberry(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
}

/**
 * The camera's last steps: Gaussian sensor noise of standard deviation
 * `noise` (each value drawn from a fixed table of normal values, which is
 * cheaper than drawing it), then rounding and clipping to 8 bits.
 *
 * @example
 * ```ts
 * import { uniform } from "@facever/testing";
 * import { expose } from "./_scene.ts";
 * const image = expose(new Float32Array([300, 128, -4]), 1, 1, 0, uniform(1));
 * console.log(image.data); // Uint8Array(3) [ 255, 128, 0 ]
 * ```
 */
export function expose(
  plane: Float32Array,
  width: number,
  height: number,
  noise: number,
  random: Random,
): RgbImage {
  const data = new Uint8Array(plane.length);
  const last = GAUSSIANS.length - 1;
  for (let i = 0; i < plane.length; i++) {
    const gaussian = GAUSSIANS[Math.floor(random() * last)];
    data[i] = Math.min(
      255,
      Math.max(0, Math.round(plane[i] + noise * gaussian)),
    );
  }
  return { width, height, data };
}

/**
 * The colour of `image` (8-bit, or a float raster laid out the same way)
 * at (x, y), bilinear, pixel centres at whole coordinates and edges
 * clamped, written into `out`.
 *
 * @example
 * ```ts
 * import { sampleBilinear } from "./_scene.ts";
 * const image = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 100, 50, 10]) };
 * const out = [0, 0, 0];
 * sampleBilinear(image, 0.5, 0, out);
 * console.log(out); // [ 50, 25, 5 ]
 * ```
 */
export function sampleBilinear(
  image: {
    readonly width: number;
    readonly height: number;
    readonly data: ArrayLike<number>;
  },
  x: number,
  y: number,
  out: number[],
): void {
  const { width, height, data } = image;
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.min(width - 2, Math.floor(cx)),
    y0 = Math.min(height - 2, Math.floor(cy));
  const tx = cx - Math.max(0, x0), ty = cy - Math.max(0, y0);
  const left = Math.max(0, x0), top = Math.max(0, y0);
  const right = Math.min(width - 1, left + 1),
    bottom = Math.min(height - 1, top + 1);
  for (let c = 0; c < 3; c++) {
    const p00 = data[(top * width + left) * 3 + c];
    const p10 = data[(top * width + right) * 3 + c];
    const p01 = data[(bottom * width + left) * 3 + c];
    const p11 = data[(bottom * width + right) * 3 + c];
    out[c] = (p00 * (1 - tx) + p10 * tx) * (1 - ty) +
      (p01 * (1 - tx) + p11 * tx) * ty;
  }
}
