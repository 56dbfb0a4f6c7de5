/**
 * Operating points: a threshold, what it was chosen for, and the rates it
 * gives on the pairs it was chosen on and on held-out pairs. The records
 * are the ones `weights/operating_points.json` ships.
 *
 * @module
 */

import type { OperatingPoint, PairCounts } from "@facever/weights";
import { acceptance, type PairScores } from "./_all_pairs.ts";

/**
 * The false and true accept rates of `threshold` on all the pairs of a
 * set of people, with the counts behind them.
 *
 * @example
 * ```ts
 * import { countPairs } from "./_operating_points.ts";
 * const scores = {
 *   genuine: new Float32Array([0.75, 0.25]),
 *   impostor: new Float32Array([0.5, 0, -0.25]),
 * };
 * console.log(countPairs(scores, 0.5).far); // 0.3333333333333333
 * ```
 */
export function countPairs(scores: PairScores, threshold: number): PairCounts {
  const impostor = acceptance(scores.impostor, threshold);
  const genuine = acceptance(scores.genuine, threshold);
  return {
    far: impostor.rate,
    tar: genuine.rate,
    falseAccepts: impostor.accepted,
    impostorPairs: impostor.pairs,
    trueAccepts: genuine.accepted,
    genuinePairs: genuine.pairs,
  };
}

/**
 * A false accept rate in scientific notation with two significant digits,
 * so that rates from 1e-2 to 1e-5 read alike.
 *
 * @example
 * ```ts
 * import { formatFar } from "./_operating_points.ts";
 * console.log(formatFar(0.00487), formatFar(4.2e-5), formatFar(0)); // "4.9e-3" "4.2e-5" "0"
 * ```
 */
export function formatFar(rate: number): string {
  if (rate === 0) return "0";
  const [mantissa, exponent] = rate.toExponential(1).split("e");
  return `${mantissa}e${Number(exponent)}`;
}

/**
 * A true accept rate or an accuracy as a percentage with two decimals.
 *
 * @example
 * ```ts
 * import { formatPercent } from "./_operating_points.ts";
 * console.log(formatPercent(0.99213)); // "99.21 %"
 * ```
 */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(2)} %`;
}

/**
 * The operating points as a Markdown table: threshold and target, then
 * FAR and TAR on the training people's pairs and on the held-out people's
 * pairs (with the count of false accepts behind the held-out FAR), then
 * TAR and accuracy on the held-out pair list.
 *
 * @example
 * ```ts
 * import { operatingPointTable } from "./_operating_points.ts";
 * import { CALIBRATION } from "@facever/weights";
 * console.log(operatingPointTable(CALIBRATION.points));
 * ```
 */
export function operatingPointTable(
  points: readonly OperatingPoint[],
): string {
  const header = [
    "point",
    "threshold",
    "target FAR",
    "train FAR",
    "train TAR",
    "held-out FAR",
    "held-out false accepts",
    "held-out TAR",
    "`pairsDevTest` TAR",
    "`pairsDevTest` accuracy",
  ];
  const rows = points.map((point) => [
    `\`${point.name}\``,
    String(point.threshold),
    point.targetFar === null ? "–" : formatFar(point.targetFar),
    formatFar(point.train.far),
    formatPercent(point.train.tar),
    formatFar(point.heldOut.far),
    point.heldOut.falseAccepts.toLocaleString("en"),
    formatPercent(point.heldOut.tar),
    formatPercent(point.pairLists.heldOut.tar),
    formatPercent(point.pairLists.heldOut.accuracy),
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(header),
    line(header.map((_, i) => i === 0 ? "---" : "---:")),
    ...rows.map(line),
  ].join("\n");
}
