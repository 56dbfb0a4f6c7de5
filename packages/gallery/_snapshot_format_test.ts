import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { FaceRows } from "./_face_rows.ts";
import { rowBytes } from "./_kernel.ts";
import {
  bucketOf,
  bucketRange,
  BUCKETS,
  CHUNK_BYTES,
  type ChunkContext,
  decodeBucket,
  encodeBucket,
  fromChunks,
  Pieces,
  toChunks,
} from "./_snapshot_format.ts";

Deno.test("every id falls in the bucket whose key range holds it", () => {
  const ids = [
    ...Array.from({ length: 2000 }, () => crypto.randomUUID()),
    "",
    "0",
    "01",
    "02",
    "fe",
    "ff",
    "FF",
    "g",
    "zz",
    "-",
    "é",
    "😀",
    "0g",
  ];
  const counts = new Array(BUCKETS).fill(0);
  for (const id of ids) {
    const b = bucketOf(id);
    assert.ok(b >= 0 && b < BUCKETS, id);
    const { start, end } = bucketRange(b);
    assert.ok(start === undefined || id >= start, `${id} in ${b}`);
    assert.ok(end === undefined || id < end, `${id} in ${b}`);
    counts[b]++;
  }
  // Random UUIDs spread over every bucket.
  assert.ok(counts.every((count) => count > 0));
});

/** `count` faces of `dims` values in rows, and a copy of them all. */
function faces(dims: number, count: number) {
  const rows = new FaceRows(dims);
  const random = unitVectors(count, dims);
  for (let i = 0; i < count; i++) {
    rows.add(crypto.randomUUID(), `subject "${i % 7}" é`, random());
  }
  return { rows, block: rows.copyBlock(() => true) };
}

const PLAIN: ChunkContext = {
  generation: crypto.randomUUID(),
  key: undefined,
  label: "test bucket",
};

async function sealedContext(): Promise<ChunkContext> {
  const key = await crypto.subtle.generateKey(
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { generation: crypto.randomUUID(), key, label: "test bucket" };
}

Deno.test("a bucket goes through chunks and back unchanged", async (t) => {
  for (const [dims, count] of [[16, 0], [16, 5], [512, 70], [4096, 9]]) {
    for (const sealed of [false, true]) {
      await t.step(
        `${dims} dims, ${count} faces, ${sealed ? "sealed" : "plain"}`,
        async () => {
          const { rows, block } = faces(dims, count);
          const blob = encodeBucket(block, rowBytes(dims), dims);
          const context = sealed ? await sealedContext() : PLAIN;
          const chunks = await toChunks(blob, context);
          assert.ok(chunks.every((chunk) => chunk.length <= CHUNK_BYTES));
          assert.equal(chunks.length > 1, blob.length > CHUNK_BYTES - 32);
          const pieces = await fromChunks(chunks, blob.length, context);
          assert.ok(pieces);
          const decoded = decodeBucket(pieces, rowBytes(dims), dims);
          assert.ok(decoded);
          assert.deepEqual(decoded.faceIds, block.faceIds);
          assert.deepEqual(decoded.subjectIds, block.subjectIds);
          const loaded = new FaceRows(dims);
          loaded.reserve(count);
          loaded.addStored(decoded);
          assert.equal(loaded.size, count);
          assert.deepEqual(loaded.copyBlock(() => true), block);
          // The loaded rows search like the ones they were copied from.
          const query = Float64Array.from(unitVectors(99, dims)());
          for (let slot = 0; slot < count; slot++) {
            assert.equal(
              loaded.similarity(query, slot),
              rows.similarity(query, slot),
            );
          }
        },
      );
    }
  }
});

Deno.test("pieces copy any range across part boundaries", () => {
  const whole = Uint8Array.from({ length: 100 }, (_, i) => i);
  const parts = [
    whole.subarray(0, 7),
    whole.subarray(7, 8),
    whole.subarray(8, 60),
    whole.subarray(60),
  ];
  const pieces = new Pieces(parts);
  assert.equal(pieces.length, 100);
  for (
    const [start, end] of [[0, 100], [0, 7], [6, 9], [7, 8], [59, 61], [
      99,
      100,
    ], [30, 30]]
  ) {
    const into = new Uint8Array(end - start);
    pieces.copy(start, end, into);
    assert.deepEqual(into, whole.subarray(start, end));
    const shifted = new Uint8Array(Math.max(0, end - start - 3));
    pieces.from(3).copy(start, Math.max(start, end - 3), shifted);
    assert.deepEqual(
      shifted,
      whole.subarray(start + 3, Math.max(start + 3, end)),
    );
  }
});

Deno.test("chunks missing, out of place, of another generation or altered are refused", async () => {
  const dims = 4096;
  const { block } = faces(dims, 12);
  const blob = encodeBucket(block, rowBytes(dims), dims);
  for (const context of [PLAIN, await sealedContext()]) {
    const chunks = await toChunks(blob, context);
    assert.ok(chunks.length >= 3);
    const other = await toChunks(blob, {
      ...context,
      generation: crypto.randomUUID(),
    });
    const flipped = chunks.map((chunk) => chunk.slice());
    // In the first 20 bytes: the generation of a plain chunk, the IV of a
    // sealed one.
    flipped[1][3] ^= 1;
    for (
      const torn of [
        chunks.slice(0, -1),
        chunks.slice(1),
        [chunks[1], chunks[0], ...chunks.slice(2)],
        [chunks[0], other[1], ...chunks.slice(2)],
        flipped,
      ]
    ) {
      assert.equal(await fromChunks(torn, blob.length, context), undefined);
    }
    assert.equal(await fromChunks(chunks, blob.length + 1, context), undefined);
    assert.ok(await fromChunks(chunks, blob.length, context));
  }
  // A sealed generation opens with its own key only.
  const sealed = await sealedContext();
  const chunks = await toChunks(blob, sealed);
  assert.equal(
    await fromChunks(chunks, blob.length, await sealedContext()),
    undefined,
  );
  assert.equal(
    await fromChunks(chunks, blob.length, { ...sealed, label: "other bucket" }),
    undefined,
  );
});

Deno.test("a blob that is not one is refused", () => {
  const dims = 16;
  const { block } = faces(dims, 3);
  const blob = encodeBucket(block, rowBytes(dims), dims);
  const decode = (bytes: Uint8Array) =>
    decodeBucket(new Pieces([bytes]), rowBytes(dims), dims);
  assert.ok(decode(blob));
  assert.equal(decode(blob.subarray(0, blob.length - 1)), undefined);
  assert.equal(decode(new Uint8Array(4)), undefined);
  const twice = encodeBucket(
    {
      ...block,
      faceIds: [block.faceIds[0], block.faceIds[0], block.faceIds[2]],
    },
    rowBytes(dims),
    dims,
  );
  assert.equal(decode(twice), undefined);
  const garbled = blob.slice();
  garbled[9] = "}".charCodeAt(0);
  assert.equal(decode(garbled), undefined);
});
