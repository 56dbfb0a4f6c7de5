// Greedy non-maximum suppression over scored boxes.
import type { Box } from "@facever/core";

/** Anything with a box and a score: a detection before or after NMS. */
export interface ScoredBox {
  readonly box: Box;
  readonly score: number;
}

/** Intersection over union of two boxes; 0 when either is empty. */
export function intersectionOverUnion(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) -
    Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  return intersection /
    (a.width * a.height + b.width * b.height - intersection);
}

/**
 * Keeps the highest-scoring box of every cluster of boxes that overlap by
 * more than `maxIou`, and returns the survivors highest score first.
 */
export function nonMaxSuppression<T extends ScoredBox>(
  candidates: readonly T[],
  maxIou: number,
): T[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (
      kept.every((k) => intersectionOverUnion(k.box, candidate.box) <= maxIou)
    ) {
      kept.push(candidate);
    }
  }
  return kept;
}
