import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { FaceRows } from "./_face_rows.ts";
import { CHUNKS } from "./_scan_protocol.ts";
import { MIN_SHARED_ROWS, ScanThreads } from "./_scan_threads.ts";
import { searchRows, searchRowsShared } from "./_search.ts";

const DIMS = 128;
const FACES = MIN_SHARED_ROWS + 3_001;

/** The same faces in an index of its own and in one shared with `threads`. */
function twoIndexes(threads: ScanThreads): [FaceRows, FaceRows] {
  const alone = new FaceRows(DIMS);
  const shared = new FaceRows(DIMS, threads);
  const next = unitVectors(11, DIMS);
  for (let i = 0; i < FACES; i++) {
    const vector = next();
    alone.add(`f${i}`, `s${i % 997}`, vector);
    shared.add(`f${i}`, `s${i % 997}`, vector);
  }
  return [alone, shared];
}

function queries(count: number, seed: number): Float64Array[] {
  const next = unitVectors(seed, DIMS);
  return Array.from({ length: count }, () => Float64Array.from(next()));
}

/**
 * Runs `scan` (with a new seed each time, a pause between) until a helper
 * has taken a chunk of one, for at most 20 s.
 */
async function helped(
  threads: ScanThreads,
  scan: (seed: number) => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let seed = 1; Date.now() < deadline; seed++) {
    await scan(seed);
    if (threads.ownerChunks < CHUNKS) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`the owner did all ${CHUNKS} chunks of every scan for 20 s`);
}

/** Each query's bounds from a scan on this thread, copied out. */
function bounds(rows: FaceRows, batch: Float64Array[]): Float32Array[] {
  return rows.scan(batch, ({ bounds }) => bounds.map((b) => b.slice()));
}

/** Each query's bounds from a shared scan, copied out. */
async function sharedBounds(
  rows: FaceRows,
  batch: Float64Array[],
): Promise<Float32Array[]> {
  return await rows.scanShared(
    batch,
    ({ bounds }) => bounds.map((b) => b.slice()),
  );
}

Deno.test("a scan shared with helpers writes the same bits as one thread", async (t) => {
  const threads = new ScanThreads(1);
  try {
    const [alone, shared] = twoIndexes(threads);
    await t.step("the helper takes part once it has started", async () => {
      // Helpers start right after the first shared scan and learn of the
      // memory by message: the owner does every chunk until then.
      await helped(threads, async (seed) => {
        await sharedBounds(shared, queries(4, seed));
      });
    });
    for (const size of [1, 3, 4, 16]) {
      await t.step(`${size} queries`, async () => {
        const batch = queries(size, 100 + size);
        assert.deepEqual(
          await sharedBounds(shared, batch),
          bounds(alone, batch),
        );
      });
    }
    await t.step("searches give the same answers", async () => {
      const requests = queries(16, 7).map((query, i) => ({
        query,
        limit: 1 + (i % 5),
        threshold: i % 2 === 0 ? -1 : 0.2,
      }));
      assert.deepEqual(
        await searchRowsShared(shared, requests),
        searchRows(alone, requests),
      );
    });
    await t.step(
      "two scans under way at once; a third is refused",
      async () => {
        const first = queries(3, 21), second = queries(16, 22);
        const both = [
          sharedBounds(shared, first),
          sharedBounds(shared, second),
        ];
        await assert.rejects(
          sharedBounds(shared, queries(1, 23)),
          /under way already/,
        );
        assert.deepEqual(await Promise.all(both), [
          bounds(alone, first),
          bounds(alone, second),
        ]);
      },
    );
    await t.step("faces added (the memory grows) and removed", async () => {
      const next = unitVectors(12, DIMS);
      for (let i = FACES; i < 2 * FACES; i++) {
        const vector = next();
        alone.add(`f${i}`, "s", vector);
        shared.add(`f${i}`, "s", vector);
      }
      for (let i = 0; i < FACES; i += 3) {
        alone.remove(`f${i}`);
        shared.remove(`f${i}`);
      }
      // Until the helper has taken chunks of the grown memory (on a busy
      // machine it may not get a core for a while).
      await helped(threads, async (seed) => {
        const batch = queries(6, seed);
        assert.deepEqual(
          await sharedBounds(shared, batch),
          bounds(alone, batch),
        );
      });
    });
    await t.step("after close, the owner scans alone", async () => {
      threads.close();
      const batch = queries(5, 9);
      assert.deepEqual(await sharedBounds(shared, batch), bounds(alone, batch));
      assert.equal(threads.ownerChunks, CHUNKS);
    });
  } finally {
    threads.close();
  }
});

Deno.test("a small index is scanned by its owner alone", async () => {
  const threads = new ScanThreads(1);
  try {
    const rows = new FaceRows(DIMS, threads);
    const next = unitVectors(3, DIMS);
    for (let i = 0; i < MIN_SHARED_ROWS - 1; i++) {
      rows.add(`f${i}`, "s", next());
    }
    const batch = queries(2, 4);
    assert.equal(
      (await sharedBounds(rows, batch))[1].length,
      MIN_SHARED_ROWS - 1,
    );
    assert.equal(threads.ownerChunks, CHUNKS);
    // Until a shared scan settles, the rows refuse any change or scan.
    const scanning = rows.scanShared(batch, () => {});
    assert.throws(() => rows.add("late", "s", next()), /shared scan/);
    assert.throws(() => rows.remove("f0"), /shared scan/);
    assert.throws(() => rows.scan(batch, () => {}), /shared scan/);
    await scanning;
    rows.add("late", "s", next());
  } finally {
    threads.close();
  }
});
