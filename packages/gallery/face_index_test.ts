import assert from "node:assert/strict";
import { FaceError } from "@facever/core";
import { FaceIndex } from "./face_index.ts";
import type { Match } from "./types.ts";
import { nearby, unitVectors } from "@facever/testing";

interface Entry {
  readonly faceId: string;
  readonly subjectId: string;
  readonly vector: Float32Array;
}

/**
 * Brute force: every dot product in double precision; each subject's best
 * face, sorted.
 */
function exact(
  entries: readonly Entry[],
  query: Float64Array,
  limit: number,
  threshold: number,
): Match[] {
  const best = new Map<string, Match>();
  for (const { faceId, subjectId, vector } of entries) {
    let similarity = 0;
    for (let i = 0; i < query.length; i++) similarity += query[i] * vector[i];
    const known = best.get(subjectId);
    if (
      similarity >= threshold &&
      (known === undefined || similarity > known.similarity ||
        (similarity === known.similarity && faceId < known.faceId))
    ) {
      best.set(subjectId, { faceId, subjectId, similarity });
    }
  }
  return [...best.values()].sort((a, b) =>
    b.similarity - a.similarity || (a.faceId < b.faceId ? -1 : 1)
  ).slice(0, limit).map((m) => ({
    ...m,
    similarity: Math.min(1, Math.max(-1, m.similarity)),
  }));
}

function unit(vector: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] ** 2;
  return Float64Array.from(vector, (v) => v / Math.sqrt(sum));
}

function build(dims: number, vectors: Float32Array[]): [FaceIndex, Entry[]] {
  const index = new FaceIndex(dims);
  const entries = vectors.map((vector, i) => ({
    faceId: `face-${String(i).padStart(6, "0")}`,
    subjectId: `subject-${i % 97}`,
    vector,
  }));
  for (const { faceId, subjectId, vector } of entries) {
    index.add(faceId, subjectId, vector);
  }
  return [index, entries];
}

function assertAgrees(
  index: FaceIndex,
  entries: readonly Entry[],
  queries: readonly Float64Array[],
): void {
  for (const query of queries) {
    for (
      const [limit, threshold] of [[1, -1], [10, -1], [5, 0.1], [3, 0.999]]
    ) {
      assert.deepEqual(
        index.search(query, limit, threshold),
        exact(entries, query, limit, threshold),
      );
    }
  }
}

Deno.test("search gives the brute-force answer on random unit vectors", () => {
  const random = unitVectors(11, 512);
  const [index, entries] = build(512, Array.from({ length: 3000 }, random));
  const queries = [
    ...Array.from({ length: 10 }, () => unit(random())),
    ...entries.slice(0, 10).map((e) => unit(nearby(e.vector, 0.5, random))),
  ];
  assertAgrees(index, entries, queries);
});

Deno.test("search stays exact when many faces are nearly equal", () => {
  const random = unitVectors(12, 512);
  const centre = random();
  // Differences far below the quantisation step: every bound overlaps.
  const vectors = Array.from(
    { length: 500 },
    () => nearby(centre, 1e-4, random),
  );
  const twin = random();
  vectors.push(twin, Float32Array.from(twin), Float32Array.from(twin));
  const [index, entries] = build(512, vectors);
  assertAgrees(index, entries, [
    unit(centre),
    unit(vectors[7]),
    unit(twin),
    unit(nearby(centre, 1e-3, random)),
  ]);
  // Exact duplicates tie; the smaller face id comes first.
  const [a, b, c] = index.search(unit(twin), 3, -1);
  assert.equal(a.similarity, b.similarity);
  assert.equal(b.similarity, c.similarity);
  assert.deepEqual(
    [a.faceId, b.faceId, c.faceId],
    ["face-000500", "face-000501", "face-000502"],
  );
});

Deno.test("search stays exact when more faces reach the threshold than are listed as candidates", () => {
  const random = unitVectors(18, 64);
  const centre = random();
  // 5,000 faces above the threshold: past MAX_CANDIDATES, every bound is
  // looked at; 3,000: the candidates alone.
  for (const count of [5000, 3000]) {
    const vectors = Array.from(
      { length: count },
      () => nearby(centre, 0.3, random),
    );
    vectors.push(...Array.from({ length: 500 }, random));
    const [index, entries] = build(64, vectors);
    for (const query of [unit(centre), unit(nearby(centre, 0.2, random))]) {
      for (const [limit, threshold] of [[1, 0.5], [10, 0.5], [200, 0.8]]) {
        assert.deepEqual(
          index.search(query, limit, threshold),
          exact(entries, query, limit, threshold),
        );
      }
    }
  }
});

Deno.test("search stays exact where quantisation is coarsest", () => {
  const dims = 100;
  const random = unitVectors(13, dims);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < 300; i++) {
    // One large value and many small ones: the small ones round to few
    // int8 steps, so the quantisation error is as large as it gets.
    const v = Float64Array.from(random(), (x) => x * 1e-3);
    v[i % dims] = 1;
    vectors.push(Float32Array.from(unit(v)));
  }
  for (let i = 0; i < dims; i++) {
    const oneHot = new Float32Array(dims);
    oneHot[i] = 1;
    vectors.push(oneHot);
  }
  const [index, entries] = build(dims, vectors);
  assertAgrees(index, entries, [
    unit(random()),
    unit(vectors[5]),
    unit(vectors[320]),
    unit(nearby(vectors[42], 0.01, random)),
  ]);
});

Deno.test("searchMany gives every query the answer it gets alone, in any batch", () => {
  const random = unitVectors(17, 512);
  const vectors = Array.from({ length: 2000 }, random);
  // Exact duplicates across and within subjects: ties everywhere.
  const twin = random();
  vectors.push(twin, Float32Array.from(twin), Float32Array.from(twin));
  const [index, entries] = build(512, vectors);
  const settings = [[1, -1], [10, -1], [5, 0.1], [3, 0.999], [200, -1]];
  const queries = [
    unit(twin),
    ...Array.from({ length: 20 }, () => unit(random())),
    ...entries.slice(0, 20).map((e) => unit(nearby(e.vector, 0.5, random))),
  ].map((query, i) => {
    const [limit, threshold] = settings[i % settings.length];
    return { query, limit, threshold };
  });
  const alone = queries.map(({ query, limit, threshold }) =>
    index.search(query, limit, threshold)
  );
  for (const { query, limit, threshold } of queries.slice(0, 8)) {
    assert.deepEqual(
      index.search(query, limit, threshold),
      exact(entries, query, limit, threshold),
    );
  }
  for (const size of [1, 2, 3, 4, 5, 7, 16, 17, 33, queries.length]) {
    for (let start = 0; start < queries.length; start += size) {
      const batch = queries.slice(start, start + size);
      assert.deepEqual(
        index.searchMany(batch),
        alone.slice(start, start + size),
        `batch of ${size} from ${start}`,
      );
    }
  }
  assert.deepEqual(index.searchMany([]), []);
  // A bad query anywhere refuses the whole batch.
  assert.throws(
    () => index.searchMany([queries[0], { ...queries[1], limit: 0 }]),
    RangeError,
  );
  assert.deepEqual(
    new FaceIndex(512).searchMany(queries.slice(0, 3)),
    [[], [], []],
  );
});

Deno.test("removing faces keeps every other face findable and exact", () => {
  const random = unitVectors(14, 64);
  const [index, entries] = build(64, Array.from({ length: 400 }, random));
  const kept = entries.filter((_, i) => i % 3 !== 0);
  for (const [i, entry] of entries.entries()) {
    if (i % 3 === 0) assert.equal(index.remove(entry.faceId), true);
  }
  assert.equal(index.remove(entries[0].faceId), false);
  assert.equal(index.size, kept.length);
  assert.equal(index.has(entries[0].faceId), false);
  for (const entry of kept) {
    assert.equal(
      index.search(unit(entry.vector), 1, -1)[0].faceId,
      entry.faceId,
    );
  }
  assertAgrees(index, kept, Array.from({ length: 5 }, () => unit(random())));
});

Deno.test("an empty index finds nothing; a limit above the size returns all", () => {
  const random = unitVectors(15, 32);
  const index = new FaceIndex(32);
  assert.deepEqual(index.search(unit(random()), 5, -1), []);
  const [small, entries] = build(32, [random(), random(), random()]);
  const query = unit(random());
  assert.deepEqual(small.search(query, 10, -1), exact(entries, query, 10, -1));
  assert.equal(small.search(query, 10, -1).length, 3);
});

Deno.test("bad sizes and options are refused by the rule of the package", () => {
  assert.throws(() => new FaceIndex(0), RangeError);
  assert.throws(() => new FaceIndex(4097), RangeError);
  assert.throws(() => new FaceIndex("8" as unknown as number), TypeError);
  const index = new FaceIndex(8);
  const vector = unitVectors(16, 8)();
  index.add("f", "s", vector);
  // Embeddings are data: a FaceError, as the gallery reports them.
  for (
    const call of [
      () => index.add("g", "s", vector.subarray(1)),
      () => index.search(new Float64Array(9), 1, -1),
    ]
  ) {
    assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof FaceError, String(error));
      assert.equal(error.code, "invalid_embedding");
      return true;
    });
  }
  assert.equal(index.size, 1);
  const query = unit(vector);
  assert.throws(() => index.search(query, 0, -1), RangeError);
  assert.throws(() => index.search(query, 1.5, -1), RangeError);
  assert.throws(() => index.search(query, 1, 1.5), RangeError);
  assert.throws(
    () => index.search(query, 1, "0" as unknown as number),
    TypeError,
  );
  assert.equal(index.search(query, 1, 0.99)[0].faceId, "f");
});
