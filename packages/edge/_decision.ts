// The decision rule of a request: its own threshold, or a calibrated
// operating point by name, or the accuracy-maximising point by default.

import type { z } from "@hono/zod-openapi";
import { ApiError } from "./errors.ts";
import type { OperatingPointNameSchema } from "./_schemas.ts";

/** The name of an operating point, as requests give it in `far`. */
export type OperatingPointName = z.infer<typeof OperatingPointNameSchema>;

/** The operating points a request may name, with their thresholds. */
export type OperatingPoints = Readonly<
  Partial<Record<OperatingPointName, number>>
>;

/** The threshold a request decides with, and where it came from. */
export interface Decision {
  readonly threshold: number;
  readonly operatingPoint: OperatingPointName | null;
}

/** The point used when a request names neither threshold nor far. */
export const DEFAULT_POINT: OperatingPointName = "accuracy";

/** The decision of a request's `threshold` and `far` (already typed). */
export function decide(
  points: OperatingPoints,
  query: {
    readonly threshold?: number;
    readonly far?: OperatingPointName;
  },
): Decision {
  if (query.threshold !== undefined) {
    return { threshold: query.threshold, operatingPoint: null };
  }
  const name = query.far ?? DEFAULT_POINT;
  const threshold = points[name];
  if (threshold === undefined) {
    throw new ApiError(
      "invalid_request",
      `far must name an operating point: ${Object.keys(points).join(", ")}`,
    );
  }
  return { threshold, operatingPoint: name };
}
