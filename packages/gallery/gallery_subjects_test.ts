/**
 * A gallery's subjects over their life: listed page by page, their
 * metadata replaced, filled to the limit of faces, and deleted without a
 * trace.
 */
import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { Gallery, MAX_FACES_PER_SUBJECT } from "./mod.ts";
import {
  isFaceError,
  onEachKv,
  scan,
  TEST_OPTIONS as OPTIONS,
  text,
} from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("listSubjects pages through every subject with a cursor", async (t) => {
  await onEachKv(t, async (openKv) => {
    const gallery = await Gallery.open(await openKv(), OPTIONS);
    const ids = Array.from(
      { length: 25 },
      (_, i) => `person-${String(i).padStart(2, "0")}`,
    );
    for (const id of ids) await gallery.createSubject(id);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await gallery.listSubjects({ limit: 10, cursor });
      sizes.push(page.subjects.length);
      seen.push(...page.subjects.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.deepEqual(seen, ids);
    const exact = await gallery.listSubjects({ limit: 25 });
    assert.equal(exact.subjects.length, 25);
    assert.equal(exact.cursor, undefined);
    await assert.rejects(gallery.listSubjects({ limit: 0 }), RangeError);
    await assert.rejects(
      gallery.listSubjects({ limit: "10" as unknown as number }),
      TypeError,
    );
    // A cursor comes back from the application's clients, like an id.
    for (
      const cursor of ["not a cursor!", "é", "\u{1F600}", "a".repeat(5000)]
    ) {
      await assert.rejects(
        gallery.listSubjects({ cursor }),
        isFaceError("invalid_argument"),
        cursor,
      );
    }
  });
});

Deno.test("updateSubject replaces the metadata in one commit", async (t) => {
  await onEachKv(t, async (openKv) => {
    const gallery = await Gallery.open(await openKv(), OPTIONS);
    const created = await gallery.createSubject("ada", {
      metadata: { name: "Ada Byron", born: 1815 },
    });
    const v = unitVectors(21, DIMS)();
    const faceId = await gallery.addFace("ada", v);
    const updated = await gallery.updateSubject("ada", {
      metadata: { name: "Ada Lovelace", title: null },
    });
    // Replaced as a whole, not merged; the faces and dates stay.
    assert.deepEqual(updated, {
      id: "ada",
      metadata: { name: "Ada Lovelace", title: null },
      faceCount: 1,
      createdAt: created.createdAt,
    });
    const other = await Gallery.open(await openKv(), OPTIONS);
    assert.deepEqual(await other.getSubject("ada"), updated);
    assert.deepEqual((await other.listSubjects()).subjects, [updated]);
    assert.equal(
      (await other.identify(v, { threshold: 0.99 }))[0].faceId,
      faceId,
    );
    // The caller's object is copied: changing it later changes nothing.
    const metadata: Record<string, string> = { name: "A. A. Lovelace" };
    await gallery.updateSubject("ada", { metadata });
    metadata.name = "changed";
    assert.equal(
      (await gallery.getSubject("ada"))?.metadata.name,
      "A. A. Lovelace",
    );
    assert.deepEqual(
      (await gallery.updateSubject("ada", { metadata: {} })).metadata,
      {},
    );

    await assert.rejects(
      gallery.updateSubject("nobody", { metadata: {} }),
      isFaceError("not_found"),
    );
    assert.equal(await gallery.getSubject("nobody"), undefined);
    for (
      const metadata of [
        { nested: { a: 1 } },
        { big: "x".repeat(5000) },
        { nan: NaN },
        [1, 2],
        null,
      ]
    ) {
      await assert.rejects(
        gallery.updateSubject("ada", {
          metadata: metadata as unknown as Record<string, string>,
        }),
        isFaceError("invalid_argument"),
      );
    }
    await assert.rejects(
      gallery.updateSubject("", { metadata: {} }),
      isFaceError("invalid_argument"),
    );
    assert.deepEqual((await gallery.getSubject("ada"))?.metadata, {});

    // Serialised with the other writes: no face count is lost.
    await Promise.all([
      ...Array.from({ length: 5 }, async (_, i) => {
        const writer = await Gallery.open(await openKv(), OPTIONS);
        await writer.updateSubject("ada", { metadata: { round: i } });
      }),
      ...Array.from({ length: 5 }, async (_, i) => {
        const writer = await Gallery.open(await openKv(), OPTIONS);
        await writer.addFace("ada", unitVectors(30 + i, DIMS)());
      }),
    ]);
    const after = await gallery.getSubject("ada");
    assert.equal(after?.faceCount, 6);
    assert.equal(typeof after?.metadata.round, "number");
  });
});

Deno.test("a subject holds at most MAX_FACES_PER_SUBJECT faces, and deleting one that full fits one commit", async () => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  await gallery.createSubject("many");
  const random = unitVectors(4, DIMS);
  for (let i = 0; i < MAX_FACES_PER_SUBJECT; i++) {
    await gallery.addFace("many", random(), { source: `photo-${i}` });
  }
  await assert.rejects(
    gallery.addFace("many", random()),
    isFaceError("limit_exceeded"),
  );
  await gallery.deleteSubject("many");
  assert.deepEqual(await gallery.identify(random(), { threshold: -1 }), []);
  kv.close();
});

Deno.test("deleting a subject leaves no key or value of it", async (t) => {
  await onEachKv(t, async (openKv) => {
    const kv = await openKv();
    const gallery = await Gallery.open(kv, OPTIONS);
    const other = await Gallery.open(await openKv(), {
      ...OPTIONS,
      maxStalenessMs: 0,
    });
    const random = unitVectors(5, DIMS);
    await gallery.createSubject("Zed_Quimby", {
      metadata: { name: "Zed Quimby" },
    });
    await gallery.createSubject("keep");
    const vectors = [random(), random(), random()];
    const faceIds = [];
    for (const [i, v] of vectors.entries()) {
      faceIds.push(
        await gallery.addFace("Zed_Quimby", v, {
          source: `zq-${i}.jpg`,
          metadata: { file: `zq-${i}.jpg` },
        }),
      );
    }
    const kept = await gallery.addFace("keep", random());
    assert.equal(
      (await other.identify(vectors[0], { threshold: 0.99 }))[0].subjectId,
      "Zed_Quimby",
    );
    const stored = (await scan(kv)).filter((e) =>
      e.key[2] === "face" && e.key[3] === "Zed_Quimby"
    ).map((
      e,
    ) => text(e.value));

    await gallery.deleteSubject("Zed_Quimby");
    await assert.rejects(
      gallery.deleteSubject("Zed_Quimby"),
      isFaceError("not_found"),
    );
    for (const entry of await scan(kv)) {
      const key = text(entry.key), value = text(entry.value);
      assert.ok(
        !key.includes("Zed") && !value.includes("Zed") &&
          !value.includes("zq-"),
        `${key} → ${value}`,
      );
      for (const faceId of faceIds) {
        assert.ok(!key.includes(faceId), key);
        // Only the change log names removed faces, by their random ids.
        if (value.includes(faceId)) assert.equal(entry.key[2], "log", key);
      }
      for (const record of stored) {
        const embedding = JSON.parse(record).embedding as string;
        assert.ok(
          !value.includes(embedding),
          `${key} holds a deleted embedding`,
        );
      }
    }
    for (const v of vectors) {
      for (const g of [gallery, other]) {
        const [best] = await g.identify(v, { threshold: -1 });
        assert.equal(best.faceId, kept);
      }
    }
    assert.equal(await gallery.getSubject("Zed_Quimby"), undefined);
  });
});
