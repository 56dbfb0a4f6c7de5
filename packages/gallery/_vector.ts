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
 * stored (rounded to float32) and searched with.
 */
export function unitEmbedding(
  embedding: ArrayLike<number>,
  dims: number,
): Float64Array {
  if (
    embedding === null || typeof embedding !== "object" ||
    typeof embedding.length !== "number"
  ) {
    throw new FaceError(
      "invalid_embedding",
      `embedding must be an array of ${dims} numbers, got ${typeof embedding}`,
    );
  }
  if (embedding.length !== dims) {
    throw new FaceError(
      "invalid_embedding",
      `embedding has ${embedding.length} values; this gallery takes ${dims}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < dims; i++) {
    const value = embedding[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new FaceError(
        "invalid_embedding",
        `embedding[${i}] is ${value}; every value must be a finite number`,
      );
    }
    sum += value * value;
  }
  const norm = Math.sqrt(sum);
  if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
    throw new FaceError(
      "invalid_embedding",
      `embedding has length ${norm}; it must be L2-normalised (length 1 ± ${UNIT_TOLERANCE})`,
    );
  }
  const unit = new Float64Array(dims);
  for (let i = 0; i < dims; i++) unit[i] = embedding[i] / norm;
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
