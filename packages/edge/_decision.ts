// The decision rule of a request: its own threshold, or a calibrated
// operating point by name, or the accuracy-maximising point by default.

import { OPERATING_POINTS, type OperatingPointName } from "@facever/model";

/** The threshold a request decides with, and where it came from. */
export interface Decision {
  readonly threshold: number;
  readonly operatingPoint: OperatingPointName | null;
}

/** The decision of a request's `threshold` and `far` (already checked). */
export function decide(query: {
  readonly threshold?: number;
  readonly far?: OperatingPointName;
}): Decision {
  if (query.threshold !== undefined) {
    return { threshold: query.threshold, operatingPoint: null };
  }
  const name = query.far ?? "accuracy";
  return { threshold: OPERATING_POINTS[name].threshold, operatingPoint: name };
}
