import assert from "node:assert/strict";
import {
  DEFAULT_THRESHOLD,
  OPERATING_POINT_NAMES,
  OPERATING_POINTS,
  type PairCounts,
} from "@facever/model";
import { CALIBRATION, MANIFEST } from "@facever/weights";

function assertRate(value: number, what: string) {
  assert.ok(
    Number.isFinite(value) && value >= 0 && value <= 1,
    `${what}: ${value}`,
  );
}

function assertCounts(counts: PairCounts, what: string) {
  for (const key of Object.keys(counts) as (keyof PairCounts)[]) {
    assert.ok(Number.isFinite(counts[key]), `${what}.${key}`);
  }
  for (
    const key of [
      "falseAccepts",
      "impostorPairs",
      "trueAccepts",
      "genuinePairs",
    ] as const
  ) {
    assert.ok(
      Number.isSafeInteger(counts[key]) && counts[key] >= 0,
      `${what}.${key}`,
    );
  }
  assert.ok(counts.impostorPairs > 0 && counts.genuinePairs > 0, what);
  assert.ok(counts.falseAccepts <= counts.impostorPairs, what);
  assert.ok(counts.trueAccepts <= counts.genuinePairs, what);
  assert.equal(counts.far, counts.falseAccepts / counts.impostorPairs, what);
  assert.equal(counts.tar, counts.trueAccepts / counts.genuinePairs, what);
}

Deno.test("the shipped operating points", async (t) => {
  await t.step("are exactly the named ones, in order", () => {
    assert.deepEqual(
      CALIBRATION.points.map((point) => point.name),
      OPERATING_POINT_NAMES,
    );
    for (const name of OPERATING_POINT_NAMES) {
      assert.equal(OPERATING_POINTS[name].name, name);
    }
  });

  await t.step("are well-formed", () => {
    for (const point of CALIBRATION.points) {
      const { threshold, targetFar } = point;
      assert.ok(
        Number.isFinite(threshold) && threshold >= -1 && threshold <= 1,
        `${point.name}: threshold ${threshold}`,
      );
      if (point.name === "accuracy") assert.equal(targetFar, null);
      else {
        assert.equal(targetFar, Number(point.name.slice("far-".length)));
        // Chosen on the training pairs, so it meets its target there.
        assert.ok(point.train.far <= targetFar!, point.name);
      }
      assertCounts(point.train, `${point.name}.train`);
      assertCounts(point.heldOut, `${point.name}.heldOut`);
      for (const list of [point.pairLists.train, point.pairLists.heldOut]) {
        for (const rate of [list.accuracy, list.far, list.tar]) {
          assertRate(rate, point.name);
        }
        assert.ok(Number.isSafeInteger(list.pairs) && list.pairs > 0);
      }
    }
    // Every point was measured on the same pairs.
    const sizes = new Set(
      CALIBRATION.points.map((point) =>
        JSON.stringify([point.train.impostorPairs, point.heldOut.impostorPairs])
      ),
    );
    assert.equal(sizes.size, 1);
  });

  await t.step("are ordered: accuracy ≤ far-1e-3 ≤ far-1e-4", () => {
    const [accuracy, far3, far4] = OPERATING_POINT_NAMES.map((name) =>
      OPERATING_POINTS[name]
    );
    assert.ok(accuracy.threshold <= far3.threshold);
    assert.ok(far3.threshold <= far4.threshold);
    // A stricter threshold accepts no more pairs of either kind.
    assert.ok(far4.train.falseAccepts <= far3.train.falseAccepts);
    assert.ok(far3.train.falseAccepts <= accuracy.train.falseAccepts);
    assert.ok(far4.heldOut.trueAccepts <= far3.heldOut.trueAccepts);
  });

  await t.step("the default threshold is the accuracy point", () => {
    assert.equal(DEFAULT_THRESHOLD, OPERATING_POINTS.accuracy.threshold);
  });

  await t.step("name the models in weights/ and View 1 only", () => {
    // Every model an embedding depends on; the liveness and eye nets,
    // which no embedding uses, may be missing from older calibrations.
    const embedding = MANIFEST.models.filter((model) =>
      !/^(face_liveness|eye_state)/.test(model.id)
    );
    assert.equal(embedding.length, 7);
    for (const model of embedding) {
      assert.equal(CALIBRATION.models[model.file], model.sha256, model.file);
    }
    assert.equal(CALIBRATION.train.pairList, "pairsDevTrain.txt");
    assert.equal(CALIBRATION.heldOut.pairList, "pairsDevTest.txt");
  });
});
