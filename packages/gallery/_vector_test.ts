import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { Gallery } from "./mod.ts";
import { isFaceError, TEST_OPTIONS as OPTIONS } from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("malformed embeddings are refused", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  await gallery.createSubject("ada");
  const good = unitVectors(7, DIMS)();
  const bad: [string, unknown][] = [
    ["too short", good.slice(1)],
    ["too long", [...good, 0]],
    ["NaN", good.map((v, i) => (i === 3 ? NaN : v))],
    ["Infinity", good.map((v, i) => (i === 0 ? Infinity : v))],
    ["not unit", good.map((v) => v * 2)],
    ["zero", new Float32Array(DIMS)],
    ["strings", Array.from(good, String)],
    ["not an array", 42],
  ];
  for (const [name, embedding] of bad) {
    await t.step(name, async () => {
      const e = embedding as ArrayLike<number>;
      await assert.rejects(
        gallery.addFace("ada", e),
        isFaceError("invalid_embedding"),
      );
      await assert.rejects(
        gallery.identify(e, { threshold: 0 }),
        isFaceError("invalid_embedding"),
      );
      await assert.rejects(
        gallery.verify("ada", e, { threshold: 0 }),
        isFaceError("invalid_embedding"),
      );
    });
  }
  await t.step("nothing was stored", async () => {
    assert.equal((await gallery.getSubject("ada"))?.faceCount, 0);
  });
  kv.close();
});

/**
 * An array-like that answers each read of an index from `values`, in turn:
 * a getter, as a Proxy or a buffer another worker writes could be.
 */
function changing(values: (i: number, read: number) => number) {
  const reads = new Array<number>(DIMS).fill(0);
  const embedding: ArrayLike<number> = { length: DIMS };
  for (let i = 0; i < DIMS; i++) {
    Object.defineProperty(embedding, i, {
      get: () => values(i, reads[i]++),
    });
  }
  return { embedding, reads };
}

Deno.test("an embedding is read once: values that change after the check are not stored", async () => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  await gallery.createSubject("ada");
  const good = unitVectors(8, DIMS)();
  // Valid on the first read of each value, NaN on any later one.
  const { embedding, reads } = changing((i, read) =>
    read === 0 ? good[i] : NaN
  );
  const faceId = await gallery.addFace("ada", embedding);
  assert.deepEqual(reads, new Array(DIMS).fill(1));
  const [best] = await gallery.identify(good, { threshold: -1 });
  assert.equal(best.faceId, faceId);
  assert.ok(Math.abs(best.similarity - 1) < 1e-6, `${best.similarity}`);
  const verified = await gallery.verify("ada", good, { threshold: 0.99 });
  assert.equal(verified.match, true);

  // And a query is searched with what was checked.
  const query = changing((i, read) => read === 0 ? good[i] : -good[i]);
  const [found] = await gallery.identify(query.embedding, { threshold: -1 });
  assert.ok(Math.abs(found.similarity - 1) < 1e-6, `${found.similarity}`);
  assert.deepEqual(query.reads, new Array(DIMS).fill(1));

  // Invalid on the first read, valid later: refused.
  const late = changing((i, read) => read === 0 && i === 5 ? NaN : good[i]);
  await assert.rejects(
    gallery.addFace("ada", late.embedding),
    isFaceError("invalid_embedding"),
  );
  assert.equal((await gallery.getSubject("ada"))?.faceCount, 1);
  kv.close();
});
