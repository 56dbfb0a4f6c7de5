import assert from "node:assert/strict";
import { checkLivenessThreshold } from "./_liveness_threshold.ts";

Deno.test("a liveness threshold is a probability", () => {
  for (const ok of [0, 0.5, 1]) checkLivenessThreshold(ok);
  for (const bad of [-0.01, 1.01, NaN, Infinity]) {
    assert.throws(() => checkLivenessThreshold(bad), RangeError);
  }
});
