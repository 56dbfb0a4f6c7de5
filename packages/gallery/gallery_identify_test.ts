import assert from "node:assert/strict";
import { join } from "node:path";
import { FaceEngine } from "@facever/model";
import { lfwRoot, nearby, unitVectors } from "@facever/testing";
import { type CandidateFace, enrolFolder, Gallery, type Match } from "./mod.ts";
import { TEST_OPTIONS as OPTIONS } from "./_test_util.ts";

const DIMS = OPTIONS.dims;

/**
 * What a gallery searches with for the float32 vector `v`: `v`
 * renormalised in double precision (a query), then rounded to float32 (a
 * stored face).
 */
function renormalised(v: Float32Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  return Float64Array.from(v, (x) => x / norm);
}

Deno.test("identify gives the best `limit` subjects, each once with its best face", async () => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  const random = unitVectors(41, DIMS);
  const faces: { faceId: string; subjectId: string; vector: Float32Array }[] =
    [];
  const add = async (subjectId: string, vector: Float32Array) => {
    const faceId = await gallery.addFace(subjectId, vector);
    faces.push({
      faceId,
      subjectId,
      vector: Float32Array.from(renormalised(vector)),
    });
  };
  for (let s = 0; s < 30; s++) {
    const subjectId = `s${String(s).padStart(2, "0")}`;
    await gallery.createSubject(subjectId);
    for (let f = 0; f <= s % 5; f++) await add(subjectId, random());
  }
  // Ties: one subject with the same vector twice, and two subjects
  // sharing a vector.
  const twin = random();
  for (const subjectId of ["dup", "twin-a", "twin-b"]) {
    await gallery.createSubject(subjectId);
  }
  await add("dup", twin);
  await add("dup", twin);
  await add("twin-a", twin);
  await add("twin-b", twin);

  const queries = [
    twin,
    random(),
    random(),
    ...faces.slice(0, 6).map(({ vector }) => nearby(vector, 0.3, random)),
  ];
  for (const query of queries) {
    const q = renormalised(query);
    // Brute force: each subject's best face (the smaller id on a tie),
    // subjects by similarity down, then face id up.
    const best = new Map<string, Match>();
    for (const { faceId, subjectId, vector } of faces) {
      let similarity = 0;
      for (let i = 0; i < DIMS; i++) similarity += q[i] * vector[i];
      const known = best.get(subjectId);
      if (
        known === undefined || similarity > known.similarity ||
        (similarity === known.similarity && faceId < known.faceId)
      ) {
        best.set(subjectId, { subjectId, faceId, similarity });
      }
    }
    const ranked = [...best.values()].sort((a, b) =>
      b.similarity - a.similarity || (a.faceId < b.faceId ? -1 : 1)
    ).map((m) => ({ ...m, similarity: Math.min(1, m.similarity) }));
    for (const limit of [1, 3, 10, 100]) {
      for (const threshold of [-1, 0.2]) {
        const matches = await gallery.identify(query, { threshold, limit });
        assert.deepEqual(
          matches,
          ranked.filter((m) => m.similarity >= threshold).slice(0, limit),
        );
        const subjects = matches.map((m) => m.subjectId);
        assert.equal(new Set(subjects).size, subjects.length);
      }
    }
  }
  const [first, second, third] = await gallery.identify(twin, {
    threshold: 0.99,
    limit: 10,
  });
  const twinFaces = faces.filter((f) => f.subjectId === "dup").map((f) =>
    f.faceId
  ).sort();
  // "dup" appears once, with its smaller face id; all three tie.
  assert.equal(
    [first, second, third].filter((m) => m.subjectId === "dup")[0].faceId,
    twinFaces[0],
  );
  assert.deepEqual(
    [first, second, third].map((m) => m.subjectId).sort(),
    ["dup", "twin-a", "twin-b"],
  );
  assert.equal(first.similarity, third.similarity);
  kv.close();
});

Deno.test("concurrent identify calls share scans and each get the answer it gets alone", async () => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  const random = unitVectors(51, DIMS);
  const vectors: Float32Array[] = [];
  for (let s = 0; s < 40; s++) {
    await gallery.createSubject(`s${s}`);
    for (let f = 0; f < 3; f++) {
      const vector = random();
      vectors.push(vector);
      await gallery.addFace(`s${s}`, vector);
    }
  }
  const calls = Array.from({ length: 50 }, (_, i) => ({
    embedding: i % 2 === 0 ? random() : nearby(vectors[i], 0.2, random),
    options: { threshold: i % 3 === 0 ? -1 : 0.3, limit: 1 + (i % 7) },
  }));
  const alone = [];
  for (const { embedding, options } of calls) {
    alone.push(await gallery.identify(embedding, options));
  }
  const together = await Promise.all(
    calls.map(({ embedding, options }) => gallery.identify(embedding, options)),
  );
  assert.deepEqual(together, alone);
  // A bad call is refused on its own; the others in flight are answered.
  const mixed = await Promise.allSettled([
    gallery.identify(calls[0].embedding, calls[0].options),
    gallery.identify(calls[1].embedding, { threshold: 2 }),
    gallery.identify([1, 2, 3], { threshold: 0 }),
    gallery.identify(calls[3].embedding, calls[3].options),
  ]);
  assert.deepEqual(mixed.map((r) => r.status), [
    "fulfilled",
    "rejected",
    "rejected",
    "fulfilled",
  ]);
  assert.deepEqual(
    (mixed[3] as PromiseFulfilledResult<unknown>).value,
    alone[3],
  );
  // Each call sees every write that finished before it was made; one
  // that overlaps a write may see it or not.
  const v = random();
  const pending = gallery.identify(v, { threshold: 0.99 });
  await gallery.createSubject("late");
  const lateFace = await gallery.addFace("late", v);
  const after = gallery.identify(v, { threshold: 0.99 });
  assert.ok([0, 1].includes((await pending).length));
  assert.equal((await after)[0].faceId, lateFace);
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
