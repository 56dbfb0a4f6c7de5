/**
 * Embedding validation and the one similarity every search path uses.
 *
 * @module
 */

import { FaceError } from "@facever/core";

/**
 * How far from 1 an embedding's Euclidean norm may be. The pipeline's
 * embeddings are normalised in float32 (off by about 1e-7); anything further
 * off was not normalised, or was truncated or corrupted on the way.
 */
const UNIT_TOLERANCE = 1e-3;

/**
 * Checks that `embedding` has `dims` finite values and unit length, and
 * returns it renormalised in double precision: the canonical form that is
 * stored (rounded to float32) and searched with. Each value is read once,
 * into a float32 copy that is then checked and used, so an array-like whose
 * values change between reads (a getter, a Proxy, a buffer another worker
 * writes) cannot pass the check with one value and be stored with another.
 */
export function unitEmbedding(
  embedding: ArrayLike<number>,
  dims: number,
): Float64Array {
  const length = embedding === null || typeof embedding !== "object"
    ? undefined
    : embedding.length;
  if (typeof length !== "number") {
    throw new FaceError(
      "invalid_embedding",
      `embedding must be an array of ${dims} numbers, got ${typeof embedding}`,
    );
  }
  if (length !== dims) {
    throw new FaceError(
      "invalid_embedding",
      `embedding has ${length} values; this gallery takes ${dims}`,
    );
  }
  const copy = new Float32Array(dims);
  for (let i = 0; i < dims; i++) {
    const value = embedding[i];
    if (typeof value !== "number") {
      throw new FaceError(
        "invalid_embedding",
        `embedding[${i}] is a ${typeof value}; every value must be a finite number`,
      );
    }
    copy[i] = value;
  }
  let sum = 0;
  for (let i = 0; i < dims; i++) {
    // Checked after rounding, so a value beyond float32's range is refused.
    if (!Number.isFinite(copy[i])) {
      throw new FaceError(
        "invalid_embedding",
        `embedding[${i}] is ${
          copy[i]
        } as float32; every value must be a finite number`,
      );
    }
    sum += copy[i] * copy[i];
  }
  const norm = Math.sqrt(sum);
  if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
    throw new FaceError(
      "invalid_embedding",
      `embedding has length ${norm}; it must be L2-normalised (length 1 ± ${UNIT_TOLERANCE})`,
    );
  }
  const unit = new Float64Array(dims);
  for (let i = 0; i < dims; i++) unit[i] = copy[i] / norm;
  return unit;
}

/**
 * The similarity of a query with a stored vector: their dot product summed
 * in double precision, in index order. The index's exact rescoring and
 * {@linkcode Gallery.verify} both use it, so they agree to the bit.
 */
export function similarity(
  query: Float64Array,
  vectors: Float32Array,
  offset: number,
): number {
  let sum = 0;
  for (let i = 0; i < query.length; i++) sum += query[i] * vectors[offset + i];
  return sum;
}
