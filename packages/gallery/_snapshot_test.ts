import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { Gallery, type GalleryOptions, KEY_ROOT } from "./mod.ts";
import { bucketOf } from "./_snapshot_format.ts";
import type { LiveBucket } from "./_snapshot.ts";
import { isError, onEachKv, scan, TEST_OPTIONS, text } from "./_test_util.ts";
import {
  assertExact,
  assertNoGarbage,
  DIMS,
  enrol,
  queriesNear,
  renormalised,
  snapshotKeys,
  swapRecord,
  testKey,
} from "./_test_snapshot.ts";

Deno.test("a new process reads the snapshot, replays what came after, and answers exactly", async (t) => {
  for (const sealed of [false, true]) {
    await t.step(sealed ? "encrypted" : "plain", async (t) => {
      const key = sealed ? await testKey() : undefined;
      await onEachKv(t, async (openKv) => {
        const kv = await openKv();
        const options: GalleryOptions = {
          ...TEST_OPTIONS,
          dims: DIMS,
          ...(key ? { encryptionKey: key } : {}),
        };
        const writer = await Gallery.open(kv, options);
        const random = unitVectors(3, DIMS);
        const faces = await enrol(writer, "s", 40, 5, random);
        const summary = await writer.writeSnapshot();
        assert.deepEqual(
          [summary.status, summary.buckets, summary.faces],
          ["written", 128, 200],
        );
        assert.equal((await writer.writeSnapshot()).status, "fresh");

        // After the snapshot: additions, removals, a deleted subject.
        const live = new Map(faces.map((f) => [f.faceId, f]));
        for (const face of await enrol(writer, "late", 6, 5, random)) {
          live.set(face.faceId, face);
        }
        const extra = random();
        const extraId = await writer.addFace("s-0", extra);
        live.set(extraId, { faceId: extraId, subjectId: "s-0", vector: extra });
        const touched = new Set<number>();
        for (const face of faces.filter((_, i) => i % 17 === 3)) {
          await writer.removeFace(face.faceId);
          live.delete(face.faceId);
          touched.add(bucketOf(face.faceId));
        }
        await writer.deleteSubject("s-5");
        for (const face of faces.filter((f) => f.subjectId === "s-5")) {
          live.delete(face.faceId);
          touched.add(bucketOf(face.faceId));
        }
        await writer.updateSubject("s-6", { metadata: { renamed: true } });

        // A face whose bucket no removal touched: its record now says
        // otherwise, which only a rebuild would read.
        const kept = faces.find((f) =>
          live.has(f.faceId) && !touched.has(bucketOf(f.faceId))
        )!;
        const other = faces.find((f) => f.faceId !== kept.faceId)!;
        await swapRecord(kv, options.tenant, kept, other);

        const reader = await Gallery.open(await openKv(), options);
        const queries = queriesNear([...live.values()], random);
        await assertExact(reader, live.values(), queries);

        // The next run writes the buckets that changed, and only those.
        const next = await reader.writeSnapshot();
        assert.equal(next.status, "written");
        assert.ok(next.buckets < 128, `${next.buckets} buckets`);
        await assertNoGarbage(kv, options.tenant);
        const third = await Gallery.open(await openKv(), options);
        await assertExact(third, live.values(), queries);
      });
    });
  }
});

Deno.test("torn buckets are ignored and read from the records, then rewritten", async (t) => {
  for (const sealed of [false, true]) {
    await t.step(sealed ? "encrypted" : "plain", async () => {
      const dims = 4096; // a few faces fill a chunk
      const kv = await Deno.openKv(":memory:");
      const options: GalleryOptions = {
        ...TEST_OPTIONS,
        dims,
        ...(sealed ? { encryptionKey: await testKey() } : {}),
      };
      const writer = await Gallery.open(kv, options);
      const random = unitVectors(4, dims);
      const faces = await enrol(writer, "s", 150, 4, random);
      await writer.writeSnapshot();
      const { headers } = await snapshotKeys(kv, options.tenant);
      const several = [...headers].filter(([, h]) =>
        (h as LiveBucket).chunks >= 2
      ).map(([b, h]) => [b, h as LiveBucket] as const);
      assert.ok(several.length >= 6, `${several.length} buckets of 2 chunks`);
      const chunk = (b: number, g: string, i: number) => [
        KEY_ROOT,
        options.tenant,
        "snapshot_chunk",
        b,
        g,
        i,
      ];
      const [[b1, h1], [b2, h2], [b3, h3], [b4, h4], [b5, h5], [b6, h6]] =
        several;
      // A chunk missing.
      await kv.delete(chunk(b1, h1.generation, 1));
      // A chunk of another bucket's generation in its place.
      const foreign = await kv.get<Uint8Array>(chunk(b3, h3.generation, 0));
      await kv.set(chunk(b2, h2.generation, 0), foreign.value);
      // Two chunks swapped.
      const [first, second] = await kv.getMany<Uint8Array[]>([
        chunk(b4, h4.generation, 0),
        chunk(b4, h4.generation, 1),
      ]);
      await kv.set(first.key, second.value);
      await kv.set(second.key, first.value);
      // A header naming a generation whose chunks are not there, and one
      // that counts a chunk more than there is.
      const header = (b: number) => [
        KEY_ROOT,
        options.tenant,
        "snapshot_bucket",
        b,
      ];
      await kv.set(header(b5), { ...h5, generation: crypto.randomUUID() });
      await kv.set(header(b6), { ...h6, chunks: h6.chunks + 1 });

      const reader = await Gallery.open(kv, options);
      await assertExact(reader, faces, queriesNear(faces, random));
      // The reader's run rewrites the torn buckets, whatever the log says.
      const rewritten = await reader.writeSnapshot();
      assert.equal(rewritten.status, "written");
      assert.equal(rewritten.buckets, 5);
      await assertNoGarbage(kv, options.tenant);
      const after = await snapshotKeys(kv, options.tenant);
      for (const b of [b1, b2, b4, b5, b6]) {
        assert.notEqual(
          (after.headers.get(b) as LiveBucket).generation,
          headers.get(b)!.generation,
        );
      }
      // Its chunks were not touched, so it was not rewritten.
      assert.equal(
        (after.headers.get(b3) as LiveBucket).generation,
        h3.generation,
      );
      await assertExact(
        await Gallery.open(kv, options),
        faces,
        queriesNear(faces, random),
      );
      kv.close();
    });
  }
});

Deno.test("a snapshot more than half the log behind is not read", async () => {
  const kv = await Deno.openKv(":memory:");
  const options = { ...TEST_OPTIONS, dims: DIMS };
  const writer = await Gallery.open(kv, options);
  const random = unitVectors(5, DIMS);
  const faces = await enrol(writer, "s", 10, 4, random);
  await writer.writeSnapshot();
  const [kept, other] = faces;
  await swapRecord(kv, options.tenant, kept, other);
  const queries = faces.map((f) => f.vector);
  // Still fresh enough: read, so the swapped record is not seen.
  await assertExact(await Gallery.open(kv, options), faces, queries);
  for (let i = 0; i < 5001; i++) {
    await writer.updateSubject("s-1", { metadata: { round: i } });
  }
  // Too old: every bucket comes from the records, swapped one included.
  const swapped = faces.map((f) =>
    f === kept ? { ...kept, vector: other.vector } : f
  );
  await assertExact(await Gallery.open(kv, options), swapped, queries);
  kv.close();
});

Deno.test("deleting a subject after a snapshot leaves no chunk of it", async (t) => {
  for (const sealed of [false, true]) {
    await t.step(sealed ? "encrypted" : "plain", async () => {
      const kv = await Deno.openKv(":memory:");
      const options: GalleryOptions = {
        ...TEST_OPTIONS,
        dims: DIMS,
        ...(sealed ? { encryptionKey: await testKey() } : {}),
      };
      const gallery = await Gallery.open(kv, options);
      const random = unitVectors(6, DIMS);
      const faces = await enrol(gallery, "keep", 20, 3, random);
      const doomed = await enrol(gallery, "Zed_Quimby", 1, 4, random);
      await gallery.writeSnapshot();
      // Plain: the chunks hold the vectors as the index does.
      const stored = doomed.map(({ vector }) =>
        text(
          new Uint8Array(Float32Array.from(renormalised(vector)).buffer)
            .subarray(0, 16),
        ).slice(1, -1)
      );
      const before = (await scan(kv)).map((e) => text(e.value)).join("\n");
      if (!sealed) {
        assert.ok(stored.every((bytes) => before.includes(bytes)));
        assert.ok(before.includes("Zed_Quimby"));
      }

      await gallery.deleteSubject("Zed_Quimby-0");
      for (const { key, value } of await scan(kv)) {
        const shown = text(value);
        assert.ok(!text(key).includes("Zed") && !shown.includes("Zed"));
        for (const bytes of stored) {
          assert.ok(
            !shown.includes(bytes),
            `${text(key)} holds a deleted vector`,
          );
        }
      }
      const { headers, chunks } = await snapshotKeys(kv, options.tenant);
      for (const { faceId } of doomed) {
        const b = bucketOf(faceId);
        assert.equal(headers.get(b)?.generation, null);
        assert.ok(!chunks.some(([bucket]) => bucket === b));
      }
      await assertNoGarbage(kv, options.tenant);
      await assertExact(
        await Gallery.open(kv, options),
        faces,
        queriesNear([...faces, ...doomed], random),
      );
      kv.close();
    });
  }
});

Deno.test("snapshotEvery is the program's option: Type- and RangeErrors", async () => {
  const kv = await Deno.openKv(":memory:");
  for (
    const [value, kind] of [
      [0, RangeError],
      [1.5, RangeError],
      [-Infinity, RangeError],
      [NaN, RangeError],
      ["10", TypeError],
    ] as const
  ) {
    await assert.rejects(
      Gallery.open(kv, { ...TEST_OPTIONS, snapshotEvery: value as number }),
      isError(
        kind,
        /snapshotEvery must be a whole number of faces of at least 1, or Infinity/,
      ),
    );
  }
  await Gallery.open(kv, { ...TEST_OPTIONS, snapshotEvery: 1 });
  kv.close();
});

Deno.test("writeSnapshot in a process whose first load started a run writes the snapshot, not busy", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const options: GalleryOptions = { ...TEST_OPTIONS, dims: DIMS };
    await enrol(
      await Gallery.open(kv, options),
      "s",
      40,
      5,
      unitVectors(5, DIMS),
    );
    // A new process: its first load finds no snapshot (every bucket
    // unusable) and, the tenant being large enough, starts a run at once.
    const reader = await Gallery.open(kv, { ...options, snapshotEvery: 50 });
    const summary = await reader.writeSnapshot();
    assert.notEqual(summary.status, "busy");
    const { headers } = await snapshotKeys(kv, options.tenant);
    assert.equal(headers.size, 128);
  } finally {
    kv.close();
  }
});
