/**
 * What the enrolment quality gates are measured with: percentiles of a
 * figure, the photos degraded on purpose (blurred, shrunk, mirrored), and
 * the verification figures of a group of images.
 *
 * @module
 */

import { resizeImage, type RgbImage } from "@facever/core";

/**
 * The percentiles the gate measurements report, in percent: the tails
 * where a gate would cut, and the middle.
 */
export const PERCENTILES: readonly number[] = [
  0.1,
  1,
  5,
  50,
  95,
  99,
  99.9,
];

/**
 * Percentiles of `values` by linear interpolation between the closest
 * ranks (the `(n − 1) · p` rule), keyed `p<percentile>` (so that they keep
 * their order in JSON).
 *
 * @throws {RangeError} For an empty list or a percentile outside [0, 100].
 *
 * @example
 * ```ts
 * import { percentiles } from "./_gate_stats.ts";
 * console.log(percentiles([4, 1, 3, 2, 5], [0, 50, 90]));
 * // { p0: 1, p50: 3, p90: 4.6 }
 * ```
 */
export function percentiles(
  values: ArrayLike<number>,
  ps: readonly number[] = PERCENTILES,
): Record<string, number> {
  if (values.length === 0) {
    throw new RangeError("percentiles of an empty list are undefined");
  }
  const sorted = Float64Array.from(values).sort();
  const result: Record<string, number> = {};
  for (const p of ps) {
    if (!(p >= 0 && p <= 100)) {
      throw new RangeError(`a percentile is in [0, 100], got ${p}`);
    }
    const at = (sorted.length - 1) * p / 100;
    const below = Math.floor(at);
    const above = Math.min(below + 1, sorted.length - 1);
    result[`p${p}`] = sorted[below] +
      (sorted[above] - sorted[below]) * (at - below);
  }
  return result;
}

/**
 * The image blurred by shrinking it `factor` times and enlarging it back
 * (area averaging down, bilinear up): the detail lost is what a camera
 * out of focus, or a face `factor` times smaller enlarged, loses.
 *
 * @throws {RangeError} When `factor` is not at least 1.
 *
 * @example
 * ```ts
 * import { blurByRescale } from "./_gate_stats.ts";
 * const image = { width: 4, height: 4, data: new Uint8Array(48).map((_, i) => i * 5) };
 * console.log(blurByRescale(image, 2).width); // 4
 * ```
 */
export function blurByRescale(image: RgbImage, factor: number): RgbImage {
  if (!(factor >= 1)) {
    throw new RangeError(`the blur factor must be at least 1, got ${factor}`);
  }
  const small = resizeImage(
    image,
    Math.max(1, Math.round(image.width / factor)),
    Math.max(1, Math.round(image.height / factor)),
  );
  return resizeImage(small, image.width, image.height);
}

/**
 * The whole image shrunk to `width` pixels wide, keeping its aspect: the
 * same photo taken from further away, its faces smaller.
 *
 * @example
 * ```ts
 * import { shrinkTo } from "./_gate_stats.ts";
 * const image = { width: 250, height: 200, data: new Uint8Array(250 * 200 * 3) };
 * const small = shrinkTo(image, 50);
 * console.log(small.width, small.height); // 50 40
 * ```
 */
export function shrinkTo(image: RgbImage, width: number): RgbImage {
  return resizeImage(
    image,
    width,
    Math.max(1, Math.round(image.height * width / image.width)),
  );
}

/**
 * The image mirrored left to right.
 *
 * @example
 * ```ts
 * import { mirror } from "./_gate_stats.ts";
 * const image = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
 * console.log(mirror(image).data); // Uint8Array(6) [ 4, 5, 6, 1, 2, 3 ]
 * ```
 */
export function mirror(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = 3 * (y * width + x), to = 3 * (y * width + width - 1 - x);
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { width, height, data: out };
}

/**
 * The image cut by `margin` pixels on every side: the same photo framed a
 * little tighter.
 *
 * @throws {RangeError} When nothing would be left.
 *
 * @example
 * ```ts
 * import { trim } from "./_gate_stats.ts";
 * const image = { width: 10, height: 8, data: new Uint8Array(240) };
 * console.log(trim(image, 2).width); // 6
 * ```
 */
export function trim(image: RgbImage, margin: number): RgbImage {
  const width = image.width - 2 * margin, height = image.height - 2 * margin;
  if (!(width > 0 && height > 0 && Number.isInteger(margin))) {
    throw new RangeError(
      `cannot trim ${margin} px from a ${image.width}x${image.height} image`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = 3 * ((y + margin) * image.width + margin);
    out.set(image.data.subarray(from, from + 3 * width), 3 * y * width);
  }
  return { width, height, data: out };
}

/**
 * The same-person and different-person cosines of one image, as a group
 * statistic needs them.
 *
 * @example
 * ```ts
 * import type { ImageScores } from "./_gate_stats.ts";
 * const scores: ImageScores = { genuine: [0.7, 0.55], impostor: [0.01, -0.08] };
 * console.log(scores.genuine.length);
 * ```
 */
export interface ImageScores {
  /** Against every other photo of the same person. */
  readonly genuine: readonly number[];
  /** Against a sample of photos of other people. */
  readonly impostor: readonly number[];
}

/**
 * Verification figures of a group of images, each image weighing the
 * same (a person with 500 photos would otherwise outweigh everyone else):
 * the mean over images of their mean same-person cosine and of the share
 * of their same-person pairs rejected at `accept` (FRR), and the share of
 * all their different-person pairs accepted at `strict` (FAR, pooled, as
 * it is small).
 *
 * @example
 * ```ts
 * import { groupFigures } from "./_gate_stats.ts";
 * const figures = groupFigures(
 *   [{ genuine: [0.7, 0.2], impostor: [0.1, 0.4] }, { genuine: [0.6], impostor: [0] }],
 *   0.3,
 *   0.35,
 * );
 * console.log(figures); // { images: 2, meanGenuine: 0.525, frr: 0.25, far: 0.3333333333333333 }
 * ```
 */
export function groupFigures(
  group: readonly ImageScores[],
  accept: number,
  strict: number,
): { images: number; meanGenuine: number; frr: number; far: number } {
  let images = 0, meanGenuine = 0, frr = 0, falseAccepts = 0, impostors = 0;
  for (const { genuine, impostor } of group) {
    for (const score of impostor) if (score >= strict) falseAccepts++;
    impostors += impostor.length;
    if (genuine.length === 0) continue;
    images++;
    meanGenuine += genuine.reduce((sum, s) => sum + s, 0) / genuine.length;
    frr += genuine.filter((s) => s < accept).length / genuine.length;
  }
  return {
    images,
    meanGenuine: meanGenuine / images,
    frr: frr / images,
    far: falseAccepts / impostors,
  };
}

/**
 * Each image's {@linkcode ImageScores}: its cosine with every other image
 * of the same label, and with `sample` images of other labels drawn with
 * `random`, with replacement (none when every image has its label). An
 * image without an embedding gets no scores, and is never drawn.
 *
 * @example
 * ```ts
 * import { imageScores } from "./_gate_stats.ts";
 * import { uniform } from "@facever/testing";
 * const [a] = imageScores(
 *   [new Float32Array([1, 0]), new Float32Array([0.6, 0.8]), new Float32Array([0, 1])],
 *   [0, 0, 1],
 *   5,
 *   uniform(1),
 * );
 * console.log(a.genuine, a.impostor.length); // [0.6000000238418579] 1
 * ```
 */
export function imageScores(
  embeddings: readonly (Float32Array | undefined)[],
  labels: readonly number[],
  sample: number,
  random: () => number,
): ImageScores[] {
  const dot = (i: number, j: number) => {
    const a = embeddings[i]!, b = embeddings[j]!;
    let sum = 0;
    for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
    return sum;
  };
  const present = embeddings.flatMap((e, i) => e ? [i] : []);
  const byLabel = Map.groupBy(present, (i) => labels[i]);
  return embeddings.map((embedding, i) => {
    if (!embedding) return { genuine: [], impostor: [] };
    const same = byLabel.get(labels[i])!;
    const genuine = same.filter((j) => j !== i).map((j) => dot(i, j));
    const impostor: number[] = [];
    for (let n = 0; n < sample && same.length < present.length;) {
      const j = present[Math.floor(random() * present.length)];
      if (labels[j] === labels[i]) continue;
      impostor.push(dot(i, j));
      n++;
    }
    return { genuine, impostor };
  });
}
