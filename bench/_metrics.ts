/**
 * Verification metrics over scored pairs: accuracy at a threshold, the
 * best threshold, error rates, AUC, TAR at FAR, 10-fold cross-validation
 * and the ROC curve.
 *
 * @module
 */

/**
 * Fraction of pairs decided right at `threshold` (match when score ≥ it).
 *
 * @example
 * ```ts
 * import { accuracy } from "./_metrics.ts";
 * console.log(accuracy([0.9, 0.1], [true, false], 0.5)); // 1
 * ```
 */
export function accuracy(
  scores: readonly number[],
  same: readonly boolean[],
  threshold: number,
): number {
  let right = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((scores[i] >= threshold) === same[i]) right++;
  }
  return right / scores.length;
}

/**
 * The threshold that maximises accuracy on the given pairs: the midpoint
 * between neighbouring sorted scores, so it does not sit on a training score.
 *
 * @example
 * ```ts
 * import { bestThreshold } from "./_metrics.ts";
 * console.log(bestThreshold([0.9, 0.8, 0.2, 0.1], [true, true, false, false])); // 0.5
 * ```
 */
export function bestThreshold(
  scores: readonly number[],
  same: readonly boolean[],
): number {
  const { low, high } = bestThresholdRange(scores, same);
  return (low + high) / 2;
}

/**
 * The open interval of thresholds that maximise accuracy on the given
 * pairs: between the two neighbouring sorted scores where the best
 * accuracy is first reached (every threshold inside gives it). Below every
 * score or above every score it is 2e-6 wide.
 *
 * @example
 * ```ts
 * import { bestThresholdRange } from "./_metrics.ts";
 * console.log(bestThresholdRange([0.9, 0.8, 0.2, 0.1], [true, true, false, false]));
 * // { low: 0.2, high: 0.8 }
 * ```
 */
export function bestThresholdRange(
  scores: readonly number[],
  same: readonly boolean[],
): { low: number; high: number } {
  const order = scores.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
  // Threshold below everything: every pair is called a match.
  let right = same.filter(Boolean).length;
  let best = right;
  let range = { low: scores[order[0]] - 2e-6, high: scores[order[0]] };
  for (let k = 0; k < order.length; k++) {
    // Moving the threshold above order[k] turns that pair into a non-match.
    right += same[order[k]] ? -1 : 1;
    const next = k + 1 < order.length
      ? scores[order[k + 1]]
      : scores[order[k]] + 2e-6;
    if (right > best && next > scores[order[k]]) {
      best = right;
      range = { low: scores[order[k]], high: next };
    }
  }
  return range;
}

/**
 * The number with the fewest decimals strictly between `low` and `high`
 * (the one nearest their midpoint when several have that many): a
 * threshold anywhere in an interval of equal accuracy is as good as any
 * other, and a short one is easier to quote and keep.
 *
 * @throws {RangeError} When `low` is not below `high`, or either is not finite.
 *
 * @example
 * ```ts
 * import { shortestBetween } from "./_metrics.ts";
 * console.log(shortestBetween(0.2794, 0.2853)); // 0.28
 * console.log(shortestBetween(0.2815, 0.2826)); // 0.282
 * ```
 */
export function shortestBetween(low: number, high: number): number {
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new RangeError(
      `need finite low < high, got ${low} and ${high}`,
    );
  }
  const middle = (low + high) / 2;
  for (let decimals = 0;; decimals++) {
    const step = 10 ** -decimals;
    const nearest = Number(
      (Math.round(middle / step) * step).toFixed(decimals),
    );
    const candidates = [nearest, nearest - step, nearest + step]
      .map((value) => Number(value.toFixed(decimals)))
      .filter((value) => value > low && value < high)
      .sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
    if (candidates.length > 0) return candidates[0];
  }
}

/**
 * False accept rate (different-person pairs called a match) and true accept
 * rate (same-person pairs called a match) at `threshold`.
 *
 * @example
 * ```ts
 * import { rates } from "./_metrics.ts";
 * console.log(rates([0.9, 0.6, 0.1], [true, false, false], 0.5)); // { far: 0.5, tar: 1 }
 * ```
 */
export function rates(
  scores: readonly number[],
  same: readonly boolean[],
  threshold: number,
): { far: number; tar: number } {
  let accepted = 0, positives = 0, falseAccepted = 0, negatives = 0;
  for (let i = 0; i < scores.length; i++) {
    const match = scores[i] >= threshold;
    if (same[i]) {
      positives++;
      if (match) accepted++;
    } else {
      negatives++;
      if (match) falseAccepted++;
    }
  }
  return { far: falseAccepted / negatives, tar: accepted / positives };
}

/**
 * Area under the ROC curve: the chance that a random same-person pair
 * scores above a random different-person pair (ties count half). It needs
 * no threshold, so it compares pipelines without tuning one.
 *
 * @example
 * ```ts
 * import { areaUnderCurve } from "./_metrics.ts";
 * console.log(areaUnderCurve([0.9, 0.2, 0.5], [true, false, false])); // 1
 * ```
 */
export function areaUnderCurve(
  scores: readonly number[],
  same: readonly boolean[],
): number {
  const order = scores.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
  let rankSum = 0, positives = 0;
  for (let k = 0; k < order.length;) {
    let end = k;
    while (
      end + 1 < order.length && scores[order[end + 1]] === scores[order[k]]
    ) end++;
    const rank = (k + end) / 2 + 1; // mean 1-based rank of the tied run
    for (let m = k; m <= end; m++) {
      if (same[order[m]]) {
        rankSum += rank;
        positives++;
      }
    }
    k = end + 1;
  }
  const negatives = order.length - positives;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

/**
 * True accept rate at the lowest threshold whose false accept rate does not
 * exceed `far`.
 *
 * @example
 * ```ts
 * import { tarAtFar } from "./_metrics.ts";
 * console.log(tarAtFar([0.9, 0.8, 0.7, 0.1], [true, false, true, false], 0.5)); // 1
 * ```
 */
export function tarAtFar(
  scores: readonly number[],
  same: readonly boolean[],
  far: number,
): number {
  const negatives = scores.filter((_, i) => !same[i]).sort((a, b) => b - a);
  const allowed = Math.floor(far * negatives.length);
  // Accept strictly above the (allowed+1)-th highest impostor score.
  const threshold = allowed < negatives.length ? negatives[allowed] : -Infinity;
  const positives = scores.filter((_, i) => same[i]);
  return positives.filter((s) => s > threshold).length / positives.length;
}

/**
 * Scores and labels of one fold of pairs.
 *
 * @example
 * ```ts
 * import type { ScoredFold } from "./_metrics.ts";
 * const fold: ScoredFold = { scores: [0.7, 0.1], same: [true, false] };
 * console.log(fold.scores.length);
 * ```
 */
export interface ScoredFold {
  readonly scores: readonly number[];
  readonly same: readonly boolean[];
}

/**
 * The result of {@linkcode crossValidate}.
 *
 * @example
 * ```ts
 * import type { CrossValidation } from "./_metrics.ts";
 * const result: CrossValidation = { accuracies: [1, 0.5], thresholds: [0.3, 0.2], mean: 0.75, std: 0.25 };
 * console.log(result.mean);
 * ```
 */
export interface CrossValidation {
  /** Each fold's accuracy at the threshold chosen on the other folds. */
  readonly accuracies: number[];
  /** The threshold each fold was measured at. */
  readonly thresholds: number[];
  /** Mean of `accuracies`. */
  readonly mean: number;
  /**
   * Standard deviation of `accuracies` over the folds (population form,
   * dividing by the fold count, as LFW results are usually reported).
   */
  readonly std: number;
}

/**
 * The LFW View 2 protocol: for each fold, the accuracy-maximising threshold
 * is chosen on all the other folds and the accuracy measured on this one.
 *
 * @throws {RangeError} With fewer than two folds.
 *
 * @example
 * ```ts
 * import { crossValidate } from "./_metrics.ts";
 * const fold = { scores: [0.9, 0.1], same: [true, false] };
 * console.log(crossValidate([fold, fold, fold]).mean); // 1
 * ```
 */
export function crossValidate(folds: readonly ScoredFold[]): CrossValidation {
  if (folds.length < 2) {
    throw new RangeError(
      `cross-validation needs at least 2 folds, got ${folds.length}`,
    );
  }
  const thresholds = folds.map((_, k) => {
    const others = folds.filter((_, j) => j !== k);
    return bestThreshold(
      others.flatMap((fold) => fold.scores),
      others.flatMap((fold) => fold.same),
    );
  });
  const accuracies = folds.map((fold, k) =>
    accuracy(fold.scores, fold.same, thresholds[k])
  );
  const mean = accuracies.reduce((sum, a) => sum + a, 0) / folds.length;
  const variance = accuracies.reduce((sum, a) => sum + (a - mean) ** 2, 0) /
    folds.length;
  return { accuracies, thresholds, mean, std: Math.sqrt(variance) };
}

/**
 * One point of an ROC curve.
 *
 * @example
 * ```ts
 * import type { RocPoint } from "./_metrics.ts";
 * const point: RocPoint = { threshold: 0.33, far: 0.001, tar: 0.987 };
 * console.log(point.tar);
 * ```
 */
export interface RocPoint {
  /** Pairs scoring at least this are accepted. */
  readonly threshold: number;
  /** False accept rate at `threshold`. */
  readonly far: number;
  /** True accept rate at `threshold`. */
  readonly tar: number;
}

/**
 * The ROC curve: one point per distinct score, from the highest threshold
 * (FAR 0, TAR 0) down to the lowest (FAR 1, TAR 1).
 *
 * @example
 * ```ts
 * import { rocCurve } from "./_metrics.ts";
 * console.log(rocCurve([0.9, 0.5, 0.1], [true, false, true]).map((p) => [p.far, p.tar]));
 * // [[0, 0], [0, 0.5], [1, 0.5], [1, 1]]
 * ```
 */
export function rocCurve(
  scores: readonly number[],
  same: readonly boolean[],
): RocPoint[] {
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const positives = same.filter(Boolean).length;
  const negatives = same.length - positives;
  const curve: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let accepted = 0, falseAccepted = 0;
  for (let k = 0; k < order.length; k++) {
    if (same[order[k]]) accepted++;
    else falseAccepted++;
    // Tied scores are accepted together: emit once after the last of them.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) {
      continue;
    }
    curve.push({
      threshold: scores[order[k]],
      far: falseAccepted / negatives,
      tar: accepted / positives,
    });
  }
  return curve;
}
