// Greedy non-maximum suppression over scored boxes.
import type { Box } from "@facever/core";

/** Anything with a box and a score: a detection before or after NMS. */
export interface ScoredBox {
  readonly box: Box;
  readonly score: number;
}

/** Limits beyond which a box counts as a duplicate of a better one. */
export interface SuppressionLimits {
  /** Largest intersection over union with a better box. */
  readonly maxIou: number;
  /** Largest share of the box's own area that a better box may cover. */
  readonly maxCovered: number;
}

function intersection(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) -
    Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/** Intersection over union of two boxes; 0 when either is empty. */
export function intersectionOverUnion(a: Box, b: Box): number {
  const shared = intersection(a, b);
  return shared === 0
    ? 0
    : shared / (a.width * a.height + b.width * b.height - shared);
}

/**
 * Keeps boxes from best score to worst, each unless it overlaps a box
 * already kept beyond `limits`, and returns the survivors best first.
 * Besides the usual IoU test, a box mostly covered by a better one goes too:
 * the detector sometimes scores part of a large face (a chin, an eye pair)
 * as a face of its own, and its IoU with the whole face is small.
 */
export function nonMaxSuppression<T extends ScoredBox>(
  candidates: readonly T[],
  limits: SuppressionLimits,
): T[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    const { box } = candidate;
    const area = box.width * box.height;
    const duplicate = kept.some((k) =>
      intersectionOverUnion(k.box, box) > limits.maxIou ||
      intersection(k.box, box) > limits.maxCovered * area
    );
    if (!duplicate) kept.push(candidate);
  }
  return kept;
}
