import assert from "node:assert/strict";
import { cosineSimilarity, l2Normalize } from "./similarity.ts";

const close = (a: number, b: number, eps = 1e-6) =>
  assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

Deno.test("l2Normalize", async (t) => {
  await t.step("returns a new unit vector in the same direction", () => {
    const input = [3, 4];
    const out = l2Normalize(input);
    assert.ok(out instanceof Float32Array);
    close(out[0], 0.6);
    close(out[1], 0.8);
    assert.deepEqual(input, [3, 4]);
    const big = l2Normalize(
      Float32Array.from({ length: 512 }, (_, i) => i - 200),
    );
    close(Math.hypot(...big), 1);
    close(Math.hypot(...l2Normalize([1e-200, 1e-200])), 1);
    close(Math.hypot(...l2Normalize([1e200, -1e200])), 1);
  });
  await t.step("RangeError for empty, zero and non-finite vectors", () => {
    assert.throws(() => l2Normalize([]), RangeError);
    assert.throws(() => l2Normalize([0, 0, 0]), RangeError);
    assert.throws(() => l2Normalize([1, NaN]), RangeError);
    assert.throws(() => l2Normalize([Infinity, 1]), RangeError);
  });
});

Deno.test("cosineSimilarity", async (t) => {
  await t.step("basic identities", () => {
    const v = [0.3, -1.2, 5, 0.01];
    close(cosineSimilarity(v, v), 1, 1e-12);
    close(cosineSimilarity(v, v.map((x) => -x)), -1, 1e-12);
    close(cosineSimilarity(v, v.map((x) => x * 7)), 1, 1e-12);
    close(cosineSimilarity([1, 0], [0, 2]), 0, 1e-12);
    close(cosineSimilarity([1, 0], [1, 1]), Math.SQRT1_2, 1e-12);
    const a = [1, 2, 3], b = [-2, 0.5, 4];
    close(cosineSimilarity(a, b), cosineSimilarity(b, a), 0);
    close(
      cosineSimilarity(l2Normalize(a), l2Normalize(b)),
      cosineSimilarity(a, b),
    );
  });
  await t.step("stays within [-1, 1]", () => {
    const v = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * 0.1);
    const s = cosineSimilarity(v, v);
    assert.ok(s <= 1 && s >= 0.999999);
  });
  await t.step("RangeError on length mismatch and zero vectors", () => {
    assert.throws(() => cosineSimilarity([1, 2], [1, 2, 3]), RangeError);
    assert.throws(() => cosineSimilarity([0, 0], [1, 2]), RangeError);
    assert.throws(() => cosineSimilarity([1, 2], [0, 0]), RangeError);
    assert.throws(() => cosineSimilarity([], []), RangeError);
    assert.throws(() => cosineSimilarity([1, NaN], [1, 2]), RangeError);
  });
});
