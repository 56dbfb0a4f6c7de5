/**
 * Every pair of a set of labelled embeddings, scored at once: the
 * same-label (genuine) and different-label (impostor) cosines of all
 * n(n − 1)/2 pairs, from a Float32Array matrix product. A few thousand
 * images give millions of impostor pairs, enough to measure a false accept
 * rate of 1e-4 with hundreds of false accepts rather than none.
 *
 * @module
 */

/**
 * The cosines of all pairs, split by whether the two labels agree. Scores
 * are stored as float32: their rounding (≈ 3e-8) is far below the 1e-4
 * steps thresholds are quoted in.
 *
 * @example
 * ```ts
 * import type { PairScores } from "./_all_pairs.ts";
 * const scores: PairScores = {
 *   genuine: new Float32Array([0.71]),
 *   impostor: new Float32Array([0.02, -0.1]),
 * };
 * console.log(scores.impostor.length);
 * ```
 */
export interface PairScores {
  /** Pairs of two images with the same label, in no particular order. */
  readonly genuine: Float32Array;
  /** Pairs of two images with different labels, in no particular order. */
  readonly impostor: Float32Array;
}

/**
 * Rows of the product are computed in tiles of this many, so that a tile
 * of the matrix (256 × 512 floats, 512 KiB) stays in cache while every
 * row before it is multiplied with it.
 */
const TILE = 256;

/**
 * Scores every pair of `embeddings`: the dot product of two unit vectors
 * is their cosine. An image without an embedding (no face found) scores −1
 * against every other, as in the pair protocol: a false reject in a
 * genuine pair, a correct reject in an impostor pair.
 *
 * @param embeddings Unit-length vectors of one length, or `undefined`.
 * @param labels The identity of each image, as small integers.
 * @throws {RangeError} When the lengths of `embeddings` and `labels`
 * differ, or the vectors differ in length.
 *
 * @example
 * ```ts
 * import { scoreAllPairs } from "./_all_pairs.ts";
 * const { genuine, impostor } = scoreAllPairs(
 *   [new Float32Array([1, 0]), new Float32Array([0.6, 0.8]), new Float32Array([0, 1])],
 *   [0, 0, 1],
 * );
 * console.log(genuine.length, impostor.length); // 1 2
 * ```
 */
export function scoreAllPairs(
  embeddings: readonly (Float32Array | undefined)[],
  labels: readonly number[],
): PairScores {
  const n = embeddings.length;
  if (labels.length !== n) {
    throw new RangeError(
      `${n} embeddings but ${labels.length} labels: give one label per embedding`,
    );
  }
  const dims = embeddings.find((e) => e)?.length ?? 0;
  const matrix = new Float32Array(n * dims);
  embeddings.forEach((embedding, i) => {
    if (!embedding) return;
    if (embedding.length !== dims) {
      throw new RangeError(
        `embedding ${i} has ${embedding.length} values, the first has ${dims}`,
      );
    }
    matrix.set(embedding, i * dims);
  });
  const sizes = new Map<number, number>();
  for (const label of labels) sizes.set(label, (sizes.get(label) ?? 0) + 1);
  let genuineCount = 0;
  for (const size of sizes.values()) genuineCount += size * (size - 1) / 2;
  const genuine = new Float32Array(genuineCount);
  const impostor = new Float32Array(n * (n - 1) / 2 - genuineCount);
  let g = 0, m = 0;
  for (let start = 0; start < n; start += TILE) {
    const end = Math.min(n, start + TILE);
    for (let i = 0; i < end; i++) {
      const a = i * dims;
      for (let j = Math.max(i + 1, start); j < end; j++) {
        let dot = -1;
        if (embeddings[i] && embeddings[j]) {
          dot = 0;
          const b = j * dims;
          for (let k = 0; k < dims; k++) dot += matrix[a + k] * matrix[b + k];
        }
        if (labels[i] === labels[j]) genuine[g++] = dot;
        else impostor[m++] = dot;
      }
    }
  }
  return { genuine, impostor };
}

/**
 * How many of `scores` reach `threshold` (a match is a score ≥ the
 * threshold), and their share.
 *
 * @example
 * ```ts
 * import { acceptance } from "./_all_pairs.ts";
 * console.log(acceptance(new Float32Array([0.1, 0.5, 0.9]), 0.5));
 * // { accepted: 2, pairs: 3, rate: 0.6666666666666666 }
 * ```
 */
export function acceptance(
  scores: Float32Array,
  threshold: number,
): { accepted: number; pairs: number; rate: number } {
  let accepted = 0;
  for (const score of scores) if (score >= threshold) accepted++;
  return { accepted, pairs: scores.length, rate: accepted / scores.length };
}

/**
 * The lowest threshold with `decimals` decimals whose false accept rate on
 * the impostor `scores` does not exceed `far`: it sits just above the
 * (⌊far · n⌋ + 1)-th highest score, so at most ⌊far · n⌋ pairs reach it.
 *
 * @param scores Impostor scores, in any order (they are not changed).
 * @param far The target false accept rate, in (0, 1).
 * @param decimals Decimals of the threshold; default 4.
 * @throws {RangeError} When `far` is not in (0, 1), there are no scores,
 * or `decimals` is not an integer in [0, 10].
 *
 * @example
 * ```ts
 * import { thresholdAtFar } from "./_all_pairs.ts";
 * const impostor = new Float32Array([0.125, 0.25, 0.375, 0.5, 0.625]);
 * console.log(thresholdAtFar(impostor, 0.2, 2)); // 0.51: only 0.625 reaches it
 * ```
 */
export function thresholdAtFar(
  scores: Float32Array,
  far: number,
  decimals = 4,
): number {
  if (!(far > 0 && far < 1)) {
    throw new RangeError(`far must be in (0, 1), got ${far}`);
  }
  if (scores.length === 0) {
    throw new RangeError("thresholdAtFar needs at least one impostor score");
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) {
    throw new RangeError(
      `decimals must be an integer in [0, 10], got ${decimals}`,
    );
  }
  const allowed = Math.floor(far * scores.length);
  const highest = kthHighest(scores, allowed);
  const step = 10 ** -decimals;
  let threshold = Number((Math.floor(highest / step) * step).toFixed(decimals));
  // The division can land one step either side: step up until strictly above.
  while (threshold <= highest) {
    threshold = Number((threshold + step).toFixed(decimals));
  }
  return threshold;
}

/**
 * The (k + 1)-th highest of `scores` (k = 0 is the maximum), by
 * quickselect on a copy: linear time, where sorting 20 million scores
 * takes seconds.
 */
function kthHighest(scores: Float32Array, k: number): number {
  const values = scores.slice();
  let low = 0, high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >>> 1];
    let i = low, j = high;
    // Hoare partition, descending: values ≥ pivot to the left.
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i++] = values[j];
        values[j--] = swap;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k];
  }
  return values[k];
}
