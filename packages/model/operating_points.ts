/**
 * The decision thresholds the project calibrates and ships, by name: the
 * accuracy-maximising one (`DEFAULT_THRESHOLD`, the default of `FaceEngine`) and the
 * lowest ones whose false accept rate stayed within 1e-3 and 1e-4 on LFW
 * View 1's training people (`deno task calibrate`, which writes
 * `weights/operating_points.json`). Each comes with what it gave there and
 * on the held-out people.
 *
 * @module
 */

import { CALIBRATION, type OperatingPoint } from "@facever/weights";

export type {
  OperatingPoint,
  PairCounts,
  PairListRates,
} from "@facever/weights";

/**
 * The name of a shipped operating point: `"accuracy"` maximises accuracy,
 * `"far-1e-3"` and `"far-1e-4"` hold the false accept rate to at most one
 * in a thousand and one in ten thousand impostor pairs.
 *
 * @example
 * ```ts
 * import type { OperatingPointName } from "@facever/model";
 * const strict: OperatingPointName = "far-1e-4";
 * console.log(strict);
 * ```
 */
export type OperatingPointName = "accuracy" | "far-1e-3" | "far-1e-4";

/**
 * Every {@linkcode OperatingPointName}, from the most permissive threshold
 * to the strictest: what a request's `far` may name.
 *
 * @example
 * ```ts
 * import { OPERATING_POINT_NAMES } from "@facever/model";
 * console.log(OPERATING_POINT_NAMES.includes("far-1e-3")); // true
 * ```
 */
export const OPERATING_POINT_NAMES: readonly OperatingPointName[] = Object
  .freeze(["accuracy", "far-1e-3", "far-1e-4"]);

/**
 * The shipped operating points by name, each with its threshold and the
 * false and true accept rates it gave on LFW View 1's training and
 * held-out people.
 *
 * @example
 * ```ts
 * import { FaceEngine, OPERATING_POINTS } from "@facever/model";
 * const strict = OPERATING_POINTS["far-1e-4"];
 * console.log(strict.threshold, strict.heldOut.far, strict.heldOut.tar);
 * const engine = await FaceEngine.create({ threshold: strict.threshold });
 * console.log(engine.threshold === strict.threshold); // true
 * ```
 */
export const OPERATING_POINTS: Readonly<
  Record<OperatingPointName, OperatingPoint>
> = Object.freeze(
  Object.fromEntries(
    OPERATING_POINT_NAMES.map((name) => [name, shipped(name)]),
  ) as Record<OperatingPointName, OperatingPoint>,
);

function shipped(name: OperatingPointName): OperatingPoint {
  const point = CALIBRATION.points.find((point) => point.name === name);
  // Only an edit of the shipped file by hand can get here.
  if (!point) {
    throw new Error(
      `weights/operating_points.json has no "${name}" point: run deno task calibrate`,
    );
  }
  return point;
}
