/**
 * Embedding comparison: L2 normalisation and cosine similarity.
 *
 * @module
 */

function norm(vector: ArrayLike<number>, name: string): number {
  if (vector.length === 0) {
    throw new RangeError(`${name} is empty`);
  }
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`${name}[${i}] is not finite (${v})`);
    }
    sum += v * v;
  }
  // Rescale to avoid overflow/underflow of the sum of squares.
  const n = Math.sqrt(sum);
  if (Number.isFinite(n) && n > 1e-150) return n;
  let max = 0;
  for (let i = 0; i < vector.length; i++) {
    max = Math.max(max, Math.abs(vector[i]));
  }
  if (max === 0) throw new RangeError(`${name} is a zero vector`);
  let scaled = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] / max;
    scaled += v * v;
  }
  return max * Math.sqrt(scaled);
}

/**
 * Returns a new unit-length copy of `vector` (Euclidean norm 1).
 *
 * @throws {RangeError} When the vector is empty, all zero, or holds a
 * non-finite value.
 *
 * @example
 * ```ts
 * import { l2Normalize } from "@facever/core";
 * console.log(l2Normalize([3, 4])); // Float32Array(2) [ 0.6000000238418579, 0.800000011920929 ]
 * ```
 */
export function l2Normalize(vector: ArrayLike<number>): Float32Array {
  const n = norm(vector, "vector");
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / n;
  return out;
}

/**
 * Cosine of the angle between two vectors, in [-1, 1]: 1 for the same
 * direction, 0 for orthogonal, -1 for opposite. Computed in double
 * precision; vectors need not be normalised.
 *
 * @throws {RangeError} When the lengths differ, either vector is empty or
 * zero, or a value is not finite.
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "@facever/core";
 * console.log(cosineSimilarity([1, 0], [1, 1])); // 0.7071067811865475
 * ```
 */
export function cosineSimilarity(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  if (a.length !== b.length) {
    throw new RangeError(
      `vectors differ in length: ${a.length} and ${b.length}`,
    );
  }
  const na = norm(a, "a");
  const nb = norm(b, "b");
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] / na) * (b[i] / nb);
  return Math.min(1, Math.max(-1, dot));
}
