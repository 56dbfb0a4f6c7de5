/**
 * The error rates of presentation attack detection, in the terms of
 * ISO/IEC 30107-3: APCER, the share of attack presentations classified as
 * bona fide, and BPCER, the share of bona fide presentations classified as
 * attacks, for a threshold on a liveness score (bona fide at or above it).
 *
 * @module
 */

/**
 * One error rate with what it counts.
 *
 * @example
 * ```ts
 * import type { Rate } from "./_pad_metrics.ts";
 * const rate: Rate = { rate: 0.05, errors: 5, presentations: 100 };
 * console.log(rate.rate);
 * ```
 */
export interface Rate {
  readonly rate: number;
  readonly errors: number;
  readonly presentations: number;
}

function rate(errors: number, presentations: number): Rate {
  return {
    rate: presentations === 0 ? NaN : errors / presentations,
    errors,
    presentations,
  };
}

/**
 * APCER: attack presentations whose score reaches `threshold`, so that
 * they pass as bona fide.
 *
 * @example
 * ```ts
 * import { apcer } from "./_pad_metrics.ts";
 * console.log(apcer([0.1, 0.6, 0.9, 0.2], 0.5).rate); // 0.5
 * ```
 */
export function apcer(
  attackScores: readonly number[],
  threshold: number,
): Rate {
  return rate(
    attackScores.filter((score) => score >= threshold).length,
    attackScores.length,
  );
}

/**
 * BPCER: bona fide presentations whose score stays below `threshold`, so
 * that they are taken for attacks.
 *
 * @example
 * ```ts
 * import { bpcer } from "./_pad_metrics.ts";
 * console.log(bpcer([0.1, 0.6, 0.9, 0.95], 0.5).rate); // 0.25
 * ```
 */
export function bpcer(
  bonaFideScores: readonly number[],
  threshold: number,
): Rate {
  return rate(
    bonaFideScores.filter((score) => score < threshold).length,
    bonaFideScores.length,
  );
}

/**
 * The highest threshold whose BPCER on `bonaFideScores` does not exceed
 * `target`: a score of the list itself, so that at most
 * `floor(target · n)` scores fall below it.
 *
 * @throws {RangeError} For an empty list or a target outside [0, 1).
 *
 * @example
 * ```ts
 * import { thresholdAtBpcer } from "./_pad_metrics.ts";
 * const scores = Array.from({ length: 100 }, (_, i) => i / 100);
 * console.log(thresholdAtBpcer(scores, 0.05)); // 0.05: 5 of 100 below
 * ```
 */
export function thresholdAtBpcer(
  bonaFideScores: readonly number[],
  target: number,
): number {
  if (bonaFideScores.length === 0) {
    throw new RangeError("no bona fide scores to choose a threshold on");
  }
  if (!(target >= 0 && target < 1)) {
    throw new RangeError(`the BPCER target is in [0, 1), got ${target}`);
  }
  const sorted = [...bonaFideScores].sort((a, b) => a - b);
  return sorted[Math.floor(target * sorted.length)];
}

/**
 * The equal error rate: over thresholds at every score, the smallest of
 * max(APCER, BPCER), with the threshold that gives it.
 *
 * @throws {RangeError} When either list is empty.
 *
 * @example
 * ```ts
 * import { equalErrorRate } from "./_pad_metrics.ts";
 * console.log(equalErrorRate([0.6, 0.7, 0.9], [0.1, 0.2, 0.8]));
 * // { rate: 0.3333333333333333, threshold: 0.6 }
 * ```
 */
export function equalErrorRate(
  bonaFideScores: readonly number[],
  attackScores: readonly number[],
): { rate: number; threshold: number } {
  if (bonaFideScores.length === 0 || attackScores.length === 0) {
    throw new RangeError("the EER needs bona fide and attack scores");
  }
  const bona = [...bonaFideScores].sort((a, b) => a - b);
  const attacks = [...attackScores].sort((a, b) => a - b);
  const candidates = [...new Set([...bona, ...attacks, Infinity])].sort((
    a,
    b,
  ) => a - b);
  let best = { rate: Infinity, threshold: NaN };
  // Both lists are sorted: walk the candidates with two cursors.
  let below = 0, attacksBelow = 0;
  for (const threshold of candidates) {
    while (below < bona.length && bona[below] < threshold) below++;
    while (attacksBelow < attacks.length && attacks[attacksBelow] < threshold) {
      attacksBelow++;
    }
    const worst = Math.max(
      below / bona.length,
      (attacks.length - attacksBelow) / attacks.length,
    );
    if (worst < best.rate) best = { rate: worst, threshold };
  }
  return best;
}
