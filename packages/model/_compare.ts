// The one decision rule of FaceEngine.compare and FacePool.compare.

import { cosineSimilarity } from "@facever/core";

/** Compares two embedded faces: a match when the cosine reaches `threshold`. */
export function compareFaces<Face extends { readonly embedding: Float32Array }>(
  a: Face,
  b: Face,
  threshold: number,
): {
  similarity: number;
  match: boolean;
  threshold: number;
  faces: [Face, Face];
} {
  const similarity = cosineSimilarity(a.embedding, b.embedding);
  return {
    similarity,
    match: similarity >= threshold,
    threshold,
    faces: [a, b],
  };
}
