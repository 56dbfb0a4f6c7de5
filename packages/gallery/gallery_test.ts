import assert from "node:assert/strict";
import { join } from "node:path";
import { FaceEngine } from "@facever/model";
import { lfwRoot } from "@facever/testing";
import {
  type CandidateFace,
  encryptionKeyFromEnv,
  enrolFolder,
  Gallery,
  KEY_ROOT,
  MAX_FACES_PER_SUBJECT,
} from "./mod.ts";
import { nearby, unitVectors } from "@facever/testing";
import {
  isError,
  isFaceError,
  onEachKv,
  scan,
  TEST_OPTIONS as OPTIONS,
  text,
} from "./_test_util.ts";

const DIMS = OPTIONS.dims;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

Deno.test("subjects and faces: create, list, add, remove, identify, verify", async (t) => {
  await onEachKv(t, async (openKv) => {
    const gallery = await Gallery.open(await openKv(), OPTIONS);
    const random = unitVectors(1, DIMS);
    const ada = await gallery.createSubject("ada", {
      metadata: { name: "Ada" },
    });
    assert.deepEqual([ada.id, ada.faceCount, ada.metadata], ["ada", 0, {
      name: "Ada",
    }]);
    await assert.rejects(
      gallery.createSubject("ada"),
      isFaceError("already_exists"),
    );
    assert.equal(await gallery.getSubject("nobody"), undefined);
    await gallery.createSubject("bob");

    const [a1, a2, b1] = [random(), random(), random()];
    const faceA1 = await gallery.addFace("ada", a1, {
      source: "ada/1.jpg",
      metadata: { camera: 2 },
    });
    const faceA2 = await gallery.addFace("ada", a2);
    const faceB1 = await gallery.addFace("bob", b1);
    assert.equal((await gallery.getSubject("ada"))?.faceCount, 2);
    const faces = await gallery.listFaces("ada");
    assert.deepEqual(
      faces.map((f) => f.faceId).sort(),
      [faceA1, faceA2].sort(),
    );
    const first = faces.find((f) => f.faceId === faceA1);
    assert.deepEqual([first?.source, first?.metadata], ["ada/1.jpg", {
      camera: 2,
    }]);

    // Same source again: the same face, nothing added.
    assert.equal(
      await gallery.addFace("ada", random(), { source: "ada/1.jpg" }),
      faceA1,
    );
    assert.equal((await gallery.getSubject("ada"))?.faceCount, 2);
    await assert.rejects(
      gallery.addFace("carol", a1),
      isFaceError("not_found"),
    );

    const [best] = await gallery.identify(a2, { threshold: 0.5 });
    assert.equal(best.faceId, faceA2);
    assert.equal(best.subjectId, "ada");
    assert.ok(Math.abs(best.similarity - 1) < 1e-6);
    // One answer per subject: ada's closer face stands for her.
    const all = await gallery.identify(b1, { threshold: -1, limit: 10 });
    assert.deepEqual(all.map((m) => m.subjectId), ["bob", "ada"]);
    assert.equal(all[0].faceId, faceB1);
    const adaBest = Math.max(...[a1, a2].map((v) => dot(v, b1)));
    assert.ok(Math.abs(all[1].similarity - adaBest) < 1e-6);
    assert.deepEqual(await gallery.identify(random(), { threshold: 0.99 }), []);

    const verified = await gallery.verify("ada", nearby(a1, 0.1, random), {
      threshold: 0.5,
    });
    assert.equal(verified.faceId, faceA1);
    assert.equal(verified.match, true);
    assert.equal(
      (await gallery.verify("bob", a1, { threshold: 0.5 })).match,
      false,
    );
    await gallery.createSubject("nobody-yet");
    await assert.rejects(
      gallery.verify("nobody-yet", a1, { threshold: 0.5 }),
      isFaceError("not_found"),
    );

    await gallery.removeFace(faceA1);
    assert.equal((await gallery.getSubject("ada"))?.faceCount, 1);
    assert.notEqual(
      (await gallery.identify(a1, { threshold: -1 }))[0].faceId,
      faceA1,
    );
    await assert.rejects(gallery.removeFace(faceA1), isFaceError("not_found"));
    // Its source is free again.
    assert.notEqual(
      await gallery.addFace("ada", a1, { source: "ada/1.jpg" }),
      faceA1,
    );
  });
});

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

Deno.test("tenant A never sees tenant B", async (t) => {
  await onEachKv(t, async (openKv) => {
    const kv = await openKv();
    const a = await Gallery.open(kv, { ...OPTIONS, tenant: "tenant-a" });
    const b = await Gallery.open(await openKv(), {
      ...OPTIONS,
      tenant: "tenant-b",
    });
    const random = unitVectors(6, DIMS);
    const va = random(), vb = random();
    await a.createSubject("ada");
    await b.createSubject("ada");
    const faceA = await a.addFace("ada", va);
    const faceB = await b.addFace("ada", vb);

    for (
      const [mine, theirs, own, vTheirs] of [[a, b, faceA, vb], [
        b,
        a,
        faceB,
        va,
      ]] as const
    ) {
      const matches = await mine.identify(vTheirs, {
        threshold: -1,
        limit: 10,
      });
      assert.deepEqual(matches.map((m) => m.faceId), [own]);
      await assert.rejects(
        mine.removeFace(theirs === a ? faceA : faceB),
        isFaceError("not_found"),
      );
      assert.equal((await mine.listSubjects()).subjects.length, 1);
    }
    await b.deleteSubject("ada");
    assert.equal((await a.getSubject("ada"))?.faceCount, 1);
    assert.equal((await a.identify(va, { threshold: 0.99 }))[0].faceId, faceA);
    // Every key of a tenant is under its name.
    for (const { key } of await scan(kv)) {
      assert.equal(key[0], KEY_ROOT);
      assert.ok(key[1] === "tenant-a" || key[1] === "tenant-b");
    }
  });
});

Deno.test("a tenant made for another model or size is refused", async () => {
  const kv = await Deno.openKv(":memory:");
  await Gallery.open(kv, OPTIONS);
  await assert.rejects(
    Gallery.open(kv, { ...OPTIONS, modelId: "other" }),
    isFaceError("gallery_mismatch"),
  );
  await assert.rejects(
    Gallery.open(kv, { ...OPTIONS, dims: 512 }),
    isFaceError("gallery_mismatch"),
  );
  kv.close();
});

Deno.test("embeddings can be encrypted at rest with a key from the environment", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const variable = "FACEVER_GALLERY_TEST_KEY";
  const raw = crypto.getRandomValues(new Uint8Array(32));
  Deno.env.set(variable, btoa(String.fromCharCode(...raw)));
  const key = await encryptionKeyFromEnv(variable);
  assert.ok(key);
  const sealed = await Gallery.open(kv, {
    ...OPTIONS,
    tenant: "sealed",
    encryptionKey: key,
  });
  assert.equal(sealed.encrypted, true);
  await sealed.createSubject("ada");
  const v = unitVectors(8, DIMS)();
  const faceId = await sealed.addFace("ada", v);

  await t.step("the stored bytes are not the embedding", async () => {
    const entry = (await scan(kv)).find((e) =>
      e.key.at(-1) === faceId && e.key[2] === "face"
    );
    const { embedding } = entry?.value as { embedding: Uint8Array };
    assert.equal(embedding.length, DIMS * 4 + 12 + 16);
    const plain = new Uint8Array(Float32Array.from(v).buffer);
    assert.ok(
      !text(embedding).includes(text(plain.subarray(0, 8)).slice(1, -1)),
    );
  });
  await t.step("identify and verify decrypt", async () => {
    const reopened = await Gallery.open(kv, {
      ...OPTIONS,
      tenant: "sealed",
      encryptionKey: key,
    });
    assert.equal(
      (await reopened.identify(v, { threshold: 0.99 }))[0].faceId,
      faceId,
    );
    assert.equal(
      (await reopened.verify("ada", v, { threshold: 0.99 })).match,
      true,
    );
  });
  await t.step(
    "a sealed embedding copied onto another face does not open",
    async () => {
      const other = await sealed.addFace("ada", unitVectors(10, DIMS)());
      const [from, to] = await kv.getMany<{ embedding: Uint8Array }[]>([
        [KEY_ROOT, "sealed", "face", "ada", faceId],
        [KEY_ROOT, "sealed", "face", "ada", other],
      ]);
      await kv.set(to.key, { ...to.value, embedding: from.value?.embedding });
      await assert.rejects(
        sealed.verify("ada", v, { threshold: 0.99 }),
        isFaceError("gallery_mismatch"),
      );
      await sealed.removeFace(other);
    },
  );
  await t.step("a missing or wrong key is refused", async () => {
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "sealed" }),
      isFaceError("gallery_mismatch"),
    );
    const other = await crypto.subtle.generateKey(
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "sealed", encryptionKey: other }),
      isFaceError("gallery_mismatch"),
    );
    await Gallery.open(kv, { ...OPTIONS, tenant: "plain" });
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "plain", encryptionKey: key }),
      isFaceError("gallery_mismatch"),
    );
  });
  await t.step(
    "a malformed key is refused; an unset one means no encryption",
    async () => {
      Deno.env.set(variable, btoa("too short"));
      await assert.rejects(
        encryptionKeyFromEnv(variable),
        isError(RangeError, /holds 9 bytes; it must hold 32/),
      );
      Deno.env.set(variable, "not base64!");
      await assert.rejects(
        encryptionKeyFromEnv(variable),
        isError(TypeError, /is not base64/),
      );
      Deno.env.delete(variable);
      assert.equal(await encryptionKeyFromEnv(variable), undefined);
    },
  );
  kv.close();
});

// LFW: enrol one photo of each of 40 people who have at least two, plus 40
// people with one photo as distractors, through the real pipeline, then
// identify everyone's second photo.
const root = lfwRoot();
if (!root) {
  console.log(
    "skipping identification on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}
Deno.test({
  name: "identify finds LFW people from another photo (top-1 rate)",
  ignore: root === undefined,
  async fn() {
    const images = join(root!, "images_deepfunneled");
    const people: { name: string; photos: number }[] = [];
    for await (const entry of Deno.readDir(images)) {
      if (!entry.isDirectory) continue;
      let photos = 0;
      for await (const _ of Deno.readDir(join(images, entry.name))) photos++;
      people.push({ name: entry.name, photos });
    }
    people.sort((a, b) => (a.name < b.name ? -1 : 1));
    const pick = (list: typeof people, count: number) =>
      list.filter((_, i) => i % Math.floor(list.length / count) === 0).slice(
        0,
        count,
      );
    const known = pick(people.filter((p) => p.photos >= 2), 40);
    const distractors = pick(people.filter((p) => p.photos === 1), 40);

    const folder = await Deno.makeTempDir({ prefix: "gallery_lfw_" });
    for (const { name } of [...known, ...distractors]) {
      await Deno.mkdir(join(folder, name));
      await Deno.copyFile(
        join(images, name, `${name}_0001.jpg`),
        join(folder, name, `${name}_0001.jpg`),
      );
    }
    const engine = await FaceEngine.create();
    const kv = await Deno.openKv(":memory:");
    const gallery = await Gallery.open(kv, {
      tenant: "lfw",
      modelId: "mobilefacenet",
      dims: 512,
    });
    const summary = await enrolFolder(
      gallery,
      folder,
      (image): Promise<CandidateFace[]> => engine.faces(image),
    );
    let asked = 0, right = 0;
    for (const { name } of known) {
      if ((await gallery.getSubject(name))?.faceCount !== 1) continue;
      const query = await engine.embedImage(
        await Deno.readFile(join(images, name, `${name}_0002.jpg`)),
      );
      const [best] = await gallery.identify(query.embedding, { threshold: -1 });
      asked++;
      if (best.subjectId === name) right++;
    }
    console.log(
      `LFW identification: top-1 ${right}/${asked} = ${
        (100 * right / asked).toFixed(1)
      }% ` +
        `(gallery of ${summary.enrolled} people; ${summary.rejected} photos rejected: ${
          JSON.stringify(summary.rejections)
        })`,
    );
    assert.ok(asked >= 30, `only ${asked} of 40 people enrolled`);
    assert.ok(right / asked >= 0.9, `top-1 rate ${right}/${asked}`);
    kv.close();
    await Deno.remove(folder, { recursive: true });
  },
});

Deno.test("exportFaces gives each face with its embedding, sealed or not", async (t) => {
  for (const sealed of [false, true]) {
    await t.step(sealed ? "encrypted" : "plain", async () => {
      const kv = await Deno.openKv(":memory:");
      const encryptionKey = sealed
        ? await crypto.subtle.generateKey(
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        )
        : undefined;
      const gallery = await Gallery.open(kv, { ...OPTIONS, encryptionKey });
      await gallery.createSubject("ada");
      const random = unitVectors(77, DIMS);
      const vectors = [random(), random()];
      const ids = [];
      for (const [i, vector] of vectors.entries()) {
        ids.push(await gallery.addFace("ada", vector, { source: `s${i}` }));
      }
      const exported = await gallery.exportFaces("ada");
      assert.equal(exported.length, 2);
      for (const face of exported) {
        const i = ids.indexOf(face.faceId);
        assert.equal(face.source, `s${i}`);
        assert.equal(face.subjectId, "ada");
        for (let k = 0; k < DIMS; k++) {
          assert.ok(Math.abs(face.embedding[k] - vectors[i][k]) < 1e-6);
        }
      }
      await assert.rejects(
        gallery.exportFaces("nobody"),
        isFaceError("not_found"),
      );
      kv.close();
    });
  }
});
