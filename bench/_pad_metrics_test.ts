import assert from "node:assert/strict";
import {
  apcer,
  bpcer,
  equalErrorRate,
  thresholdAtBpcer,
} from "./_pad_metrics.ts";

Deno.test("APCER counts attacks at or above the threshold", () => {
  assert.deepEqual(apcer([0.1, 0.5, 0.9, 0.2], 0.5), {
    rate: 0.5,
    errors: 2,
    presentations: 4,
  });
  assert.ok(Number.isNaN(apcer([], 0.5).rate));
});

Deno.test("BPCER counts bona fide presentations below the threshold", () => {
  assert.deepEqual(bpcer([0.1, 0.5, 0.9, 0.95], 0.5), {
    rate: 0.25,
    errors: 1,
    presentations: 4,
  });
});

Deno.test("the threshold at a BPCER target keeps the target", () => {
  const scores = Array.from(
    { length: 1000 },
    (_, i) => ((i * 7919) % 1000) / 1000,
  );
  for (const target of [0, 0.01, 0.05, 0.5]) {
    const at = thresholdAtBpcer(scores, target);
    assert.ok(bpcer(scores, at).rate <= target);
    // The next score up would break it, unless the target is 0.
    const above = scores.filter((s) => s > at).sort((a, b) => a - b)[0];
    if (target > 0) assert.ok(bpcer(scores, above).rate > target);
  }
  assert.throws(() => thresholdAtBpcer([], 0.05), RangeError);
  assert.throws(() => thresholdAtBpcer([0.5], 1), RangeError);
});

Deno.test("the EER is the best worst rate over every threshold", () => {
  const eer = equalErrorRate([0.6, 0.7, 0.9], [0.1, 0.2, 0.8]);
  assert.ok(Math.abs(eer.rate - 1 / 3) < 1e-12);
  assert.equal(eer.threshold, 0.6);
  // Separable sets: no error at a threshold between them.
  assert.deepEqual(equalErrorRate([0.8, 0.9], [0.1, 0.2]), {
    rate: 0,
    threshold: 0.8,
  });
  assert.throws(() => equalErrorRate([], [0.1]), RangeError);
});
