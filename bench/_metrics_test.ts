import assert from "node:assert/strict";
import {
  accuracy,
  bestThreshold,
  bestThresholdRange,
  shortestBetween,
} from "./_metrics.ts";

Deno.test("bestThresholdRange: every threshold inside gives the best accuracy", () => {
  const scores = [0.9, 0.3, 0.35, 0.2, 0.4, 0.5, 0.45];
  const same = [true, false, false, false, true, true, true];
  const { low, high } = bestThresholdRange(scores, same);
  assert.deepEqual({ low, high }, { low: 0.35, high: 0.4 });
  assert.equal(bestThreshold(scores, same), (low + high) / 2);
  const best = accuracy(scores, same, bestThreshold(scores, same));
  for (let t = low + 0.01; t < high; t += 0.01) {
    assert.equal(accuracy(scores, same, t), best);
  }
  assert.ok(accuracy(scores, same, low) < best);
});

Deno.test("shortestBetween picks the fewest decimals, then the nearest the middle", () => {
  assert.equal(shortestBetween(0.28108, 0.28313), 0.282);
  assert.equal(shortestBetween(0.2794, 0.2853), 0.28);
  assert.equal(shortestBetween(0.31, 0.39), 0.35);
  assert.equal(shortestBetween(-0.5, 0.7), 0);
  // The interval is open.
  assert.equal(shortestBetween(0.2, 0.3), 0.25);
  assert.throws(() => shortestBetween(0.3, 0.3), RangeError);
  assert.throws(() => shortestBetween(0, Infinity), RangeError);
});
