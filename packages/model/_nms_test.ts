import assert from "node:assert/strict";
import { intersectionOverUnion, nonMaxSuppression } from "./_nms.ts";

const box = (x: number, y: number, width: number, height: number) => ({
  x,
  y,
  width,
  height,
});

Deno.test("intersectionOverUnion()", async (t) => {
  await t.step("identical boxes overlap fully", () => {
    assert.equal(
      intersectionOverUnion(box(0, 0, 10, 10), box(0, 0, 10, 10)),
      1,
    );
  });
  await t.step("half-shifted boxes overlap by a third", () => {
    assert.equal(
      intersectionOverUnion(box(0, 0, 10, 10), box(5, 0, 10, 10)),
      1 / 3,
    );
  });
  await t.step("touching and disjoint boxes do not overlap", () => {
    assert.equal(intersectionOverUnion(box(0, 0, 10, 10), box(10, 0, 5, 5)), 0);
    assert.equal(
      intersectionOverUnion(box(0, 0, 10, 10), box(50, 50, 5, 5)),
      0,
    );
  });
  await t.step("an empty box overlaps nothing", () => {
    assert.equal(intersectionOverUnion(box(0, 0, 0, 0), box(0, 0, 0, 0)), 0);
  });
});

const LIMITS = { maxIou: 0.4, maxCovered: 0.8 };

Deno.test("nonMaxSuppression()", async (t) => {
  await t.step("merges overlapping boxes into the best-scoring one", () => {
    const kept = nonMaxSuppression([
      { box: box(0, 0, 100, 100), score: 0.8 },
      { box: box(5, 5, 100, 100), score: 0.95 },
      { box: box(-4, 2, 96, 104), score: 0.9 },
    ], LIMITS);
    assert.deepEqual(kept, [{ box: box(5, 5, 100, 100), score: 0.95 }]);
  });
  await t.step("keeps disjoint boxes, highest score first", () => {
    const kept = nonMaxSuppression([
      { box: box(0, 0, 50, 50), score: 0.7 },
      { box: box(200, 0, 50, 50), score: 0.99 },
      { box: box(0, 200, 50, 50), score: 0.8 },
    ], LIMITS);
    assert.deepEqual(kept.map((k) => k.score), [0.99, 0.8, 0.7]);
  });
  await t.step("keeps boxes that overlap no more than the threshold", () => {
    // IoU 1/3: kept at 0.4, merged at 0.3.
    const pair = [
      { box: box(0, 0, 10, 10), score: 0.9 },
      { box: box(5, 0, 10, 10), score: 0.8 },
    ];
    assert.equal(nonMaxSuppression(pair, LIMITS).length, 2);
    assert.equal(nonMaxSuppression(pair, { ...LIMITS, maxIou: 0.3 }).length, 1);
  });
  await t.step("drops a box mostly covered by a better one", () => {
    // IoU 0.09, but 90 % of the small box lies inside the large one.
    const whole = { box: box(0, 0, 100, 100), score: 0.99 };
    const part = { box: box(20, 60, 30, 30), score: 0.8 };
    assert.deepEqual(nonMaxSuppression([part, whole], LIMITS), [whole]);
    const edge = { box: box(80, 60, 30, 30), score: 0.8 }; // 2/3 covered
    assert.deepEqual(nonMaxSuppression([edge, whole], LIMITS), [whole, edge]);
  });
  await t.step("keeps a covered box that scores better than its cover", () => {
    const whole = { box: box(0, 0, 100, 100), score: 0.7 };
    const part = { box: box(20, 20, 30, 30), score: 0.9 };
    assert.deepEqual(nonMaxSuppression([whole, part], LIMITS), [part, whole]);
  });
  await t.step("does not reorder or change its input", () => {
    const input = [
      { box: box(0, 0, 10, 10), score: 0.1 },
      { box: box(0, 0, 10, 10), score: 0.9 },
    ];
    nonMaxSuppression(input, LIMITS);
    assert.deepEqual(input.map((c) => c.score), [0.1, 0.9]);
  });
  await t.step("returns nothing for nothing", () => {
    assert.deepEqual(nonMaxSuppression([], LIMITS), []);
  });
});
