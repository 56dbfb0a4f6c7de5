import assert from "node:assert/strict";
import { nearby, unitVectors } from "@facever/testing";
import { Gallery, KEY_ROOT } from "./mod.ts";
import {
  isFaceError,
  onEachKv,
  scan,
  TEST_OPTIONS as OPTIONS,
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
