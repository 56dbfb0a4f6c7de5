import assert from "node:assert/strict";
import { nearby, uniform, unitVectors } from "@facever/testing";
import { acceptance, scoreAllPairs, thresholdAtFar } from "./_all_pairs.ts";

/** Identities of 1–6 images each: unit vectors scattered around a centre. */
function syntheticPeople(seed: number, people: number, dims: number) {
  const random = unitVectors(seed, dims);
  const count = uniform(seed + 1);
  const embeddings: (Float32Array | undefined)[] = [];
  const labels: number[] = [];
  for (let person = 0; person < people; person++) {
    const centre = random();
    const images = 1 + Math.floor(count() * 6);
    for (let i = 0; i < images; i++) {
      embeddings.push(nearby(centre, 0.8, random));
      labels.push(person);
    }
  }
  return { embeddings, labels };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

Deno.test("scoreAllPairs", async (t) => {
  await t.step("gives every pair once, split by label", () => {
    // Over 256 images, so that the pairs span several tiles.
    const { embeddings, labels } = syntheticPeople(7, 150, 16);
    embeddings[5] = undefined;
    const expected = { genuine: [] as number[], impostor: [] as number[] };
    for (let i = 0; i < embeddings.length; i++) {
      for (let j = i + 1; j < embeddings.length; j++) {
        const a = embeddings[i], b = embeddings[j];
        const score = a && b ? Math.fround(dot(a, b)) : -1;
        expected[labels[i] === labels[j] ? "genuine" : "impostor"].push(score);
      }
    }
    assert.ok(embeddings.length > 256);
    const scores = scoreAllPairs(embeddings, labels);
    const sorted = (values: ArrayLike<number>) =>
      Array.from(values).sort((x, y) => x - y);
    for (const kind of ["genuine", "impostor"] as const) {
      const got = sorted(scores[kind]), want = sorted(expected[kind]);
      assert.equal(got.length, want.length);
      for (let k = 0; k < got.length; k++) {
        assert.ok(Math.abs(got[k] - want[k]) < 1e-6, `${kind} ${k}`);
      }
    }
  });
  await t.step("an image without a face scores -1", () => {
    const one = new Float32Array([1, 0]);
    const { genuine, impostor } = scoreAllPairs(
      [one, undefined, one],
      [0, 0, 1],
    );
    assert.deepEqual([...genuine], [-1]);
    assert.deepEqual([...impostor], [1, -1]);
  });
  await t.step("refuses mismatched lengths", () => {
    const one = new Float32Array([1, 0]);
    assert.throws(() => scoreAllPairs([one], [0, 1]), RangeError);
    assert.throws(
      () => scoreAllPairs([one, new Float32Array(3)], [0, 1]),
      RangeError,
    );
  });
});

Deno.test("thresholdAtFar", async (t) => {
  const next = uniform(3);
  const impostor = Float32Array.from({ length: 100_003 }, () => next() - 0.5);
  await t.step("meets the target and is the lowest such threshold", () => {
    for (const far of [1e-2, 1e-3, 1e-4, 3e-5]) {
      const threshold = thresholdAtFar(impostor, far);
      assert.equal(threshold, Number(threshold.toFixed(4)));
      assert.ok(acceptance(impostor, threshold).rate <= far, `far ${far}`);
      assert.ok(
        acceptance(impostor, threshold - 1e-4).rate > far,
        `${threshold} - 1e-4 would still meet ${far}`,
      );
    }
  });
  await t.step("is the sorted answer, whatever the order or ties", () => {
    const tied = new Float32Array([0.5, 0.25, 0.5, 0.75, 0.5, 0.125]);
    // ⌊0.5 · 6⌋ = 3 may be accepted; the fourth highest is a 0.5, tied
    // with the third, so only 0.75 passes.
    assert.equal(thresholdAtFar(tied, 0.5, 2), 0.51);
    assert.deepEqual([...tied], [0.5, 0.25, 0.5, 0.75, 0.5, 0.125]);
    assert.equal(thresholdAtFar(tied, 0.1, 1), 0.8);
  });
  await t.step("refuses targets outside (0, 1)", () => {
    for (const far of [0, 1, -1, NaN]) {
      assert.throws(() => thresholdAtFar(impostor, far), RangeError);
    }
    assert.throws(() => thresholdAtFar(new Float32Array(), 0.1), RangeError);
    assert.throws(() => thresholdAtFar(impostor, 0.1, 1.5), RangeError);
  });
});

Deno.test("acceptance counts scores at or above the threshold", () => {
  const scores = new Float32Array([0.25, 0.5, 0.75]);
  assert.deepEqual(acceptance(scores, 0.5), {
    accepted: 2,
    pairs: 3,
    rate: 2 / 3,
  });
});
