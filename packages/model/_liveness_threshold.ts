// The one check of a liveness threshold, made by LivenessChecker.load and
// by FaceEngine.create before it loads any model: a load still running when
// create has already failed would outlive the call.

/** Throws a RangeError unless `threshold` is a probability in [0, 1]. */
export function checkLivenessThreshold(threshold: number): void {
  if (!(Number.isFinite(threshold) && threshold >= 0 && threshold <= 1)) {
    throw new RangeError(
      `the liveness threshold must be a probability in [0, 1], got ${threshold}`,
    );
  }
}
