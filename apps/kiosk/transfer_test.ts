import assert from "node:assert/strict";
import { join } from "node:path";
import { MODEL_ID } from "@facever/edge";
import { Gallery } from "@facever/gallery";
import { unitVectors } from "@facever/testing";
import { storedSubjects } from "./_stored_faces.ts";
import { DIMS, LOCAL_TENANT } from "./_store.ts";
import { jsonLines, runKiosk } from "./_test_kiosk.ts";

const KEY_A = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const KEY_B = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));

async function cryptoKey(base64: string | undefined) {
  if (base64 === undefined) return undefined;
  return await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
}

/** Opens the kiosk gallery of a KV file in this process. */
async function openAt(path: string, key?: string) {
  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(kv, {
    tenant: LOCAL_TENANT,
    modelId: MODEL_ID,
    dims: DIMS,
    encryptionKey: await cryptoKey(key),
  });
  return { kv, gallery };
}

/**
 * Every subject of the gallery at `path`, with its embeddings, in order;
 * a face without a source shows the source an export gives it.
 */
async function contents(path: string, key?: string) {
  const { kv, gallery } = await openAt(path, key);
  try {
    const subjects = [];
    for await (const subject of storedSubjects(gallery)) {
      subjects.push({
        id: subject.id,
        metadata: subject.metadata,
        faces: subject.faces.map((face) => ({
          source: face.source ?? `face:${face.faceId}`,
          metadata: face.metadata,
          embedding: Array.from(face.embedding),
        })).sort((a, b) => a.embedding[0] - b.embedding[0]),
      });
    }
    return subjects;
  } finally {
    kv.close();
  }
}

/** A scratch folder whose data/kiosk.kv holds 3 subjects and 5 faces. */
async function enrolled(key?: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-transfer-" });
  await Deno.mkdir(join(dir, "data"));
  const { kv, gallery } = await openAt(join(dir, "data", "kiosk.kv"), key);
  const next = unitVectors(42, DIMS);
  const vectors = Array.from({ length: 5 }, next);
  await gallery.createSubject("ada", { metadata: { name: "Ada Lovelace" } });
  await gallery.createSubject("bob");
  await gallery.createSubject("eve", { metadata: { badge: 7 } });
  await gallery.addFace("ada", vectors[0], { source: "ada/1.jpg" });
  await gallery.addFace("ada", vectors[1], { metadata: { camera: "door" } });
  await gallery.addFace("bob", vectors[2]);
  await gallery.addFace("eve", vectors[3]);
  await gallery.addFace("eve", vectors[4]);
  kv.close();
  return dir;
}

Deno.test("kiosk export and import: the gallery as a file", async (t) => {
  const dir = await enrolled();
  try {
    const exported = await runKiosk(dir, ["export"]);
    await Deno.writeTextFile(join(dir, "gallery.jsonl"), exported.stdout);
    const lines = jsonLines(exported.stdout);

    await t.step("versioned header, subjects, faces, end counts", () => {
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, /in the clear/);
      assert.equal(lines[0].format, "facever-gallery");
      assert.equal(lines[0].version, 1);
      assert.equal(lines[0].modelId, MODEL_ID);
      assert.equal(lines[0].sealed, false);
      assert.deepEqual(lines.at(-1), { end: { subjects: 3, faces: 5 } });
      assert.equal(lines.length, 1 + 3 + 5 + 1);
    });

    await t.step(
      "import into another board's KV: the same gallery",
      async () => {
        const imported = await runKiosk(dir, [
          "import",
          "gallery.jsonl",
          "--kv",
          "data/other.kv",
        ]);
        assert.equal(imported.code, 0, imported.stderr);
        assert.deepEqual(JSON.parse(imported.stdout), {
          subjects: 3,
          subjectsCreated: 3,
          faces: 5,
          facesAdded: 5,
        });
        const source = await contents(join(dir, "data", "kiosk.kv"));
        const copy = await contents(join(dir, "data", "other.kv"));
        // Faces without a source get their original id as one.
        assert.deepEqual(
          copy.map((s) => ({ ...s, faces: s.faces.map((f) => f.embedding) })),
          source.map((s) => ({ ...s, faces: s.faces.map((f) => f.embedding) })),
        );
      },
    );

    await t.step("importing the same file again adds nothing", async () => {
      const again = await runKiosk(dir, [
        "import",
        "gallery.jsonl",
        "--kv",
        "data/other.kv",
      ]);
      assert.equal(JSON.parse(again.stdout).facesAdded, 0);
      assert.equal(JSON.parse(again.stdout).subjectsCreated, 0);
    });

    const refused = async (name: string, text: string, pattern: RegExp) => {
      await Deno.writeTextFile(join(dir, name), text);
      const result = await runKiosk(dir, [
        "import",
        name,
        "--kv",
        "data/refused.kv",
      ]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, pattern);
      const after = await runKiosk(dir, [
        "subjects",
        "list",
        "--kv",
        "data/refused.kv",
      ]);
      assert.equal(after.stdout, "", "a refused file writes nothing");
    };
    const text = (edit: (lines: Record<string, unknown>[]) => unknown[]) =>
      edit(structuredClone(lines)).map((line) => JSON.stringify(line)).join(
        "\n",
      ) + "\n";

    await t.step("a truncated file is refused, nothing written", async () => {
      await refused(
        "truncated.jsonl",
        text((l) => l.slice(0, -2)),
        /truncated/,
      );
    });
    await t.step("a newer version is refused", async () => {
      await refused(
        "v2.jsonl",
        text((l) => [{ ...l[0], version: 2 }, ...l.slice(1)]),
        /version 2; this kiosk reads version 1 \(update the kiosk\)/,
      );
    });
    await t.step("another model's embeddings are refused", async () => {
      await refused(
        "model.jsonl",
        text((l) => [{ ...l[0], modelId: "arcface@0123" }, ...l.slice(1)]),
        /arcface@0123.*gallery_mismatch/,
      );
    });
    await t.step("a damaged embedding is refused, with its line", async () => {
      await refused(
        "damaged.jsonl",
        text((l) => {
          const face = l[2].face as { embedding: string };
          face.embedding = face.embedding.slice(8);
          return l;
        }),
        /line 3: the embedding has/,
      );
    });
    await t.step("counts that do not add up are refused", async () => {
      await refused(
        "counts.jsonl",
        text((l) => [...l.slice(0, -1), { end: { subjects: 3, faces: 6 } }]),
        /counts 3 subjects and 6 faces/,
      );
      await refused("photo.jsonl", "\xff\xd8\xff\xe0 JFIF", /not JSON/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kiosk export and import of an encrypted gallery", async (t) => {
  const dir = await enrolled(KEY_A);
  try {
    const sealed = { FACEVER_GALLERY_KEY: KEY_A };
    await t.step("export without the key is refused", async () => {
      const result = await runKiosk(dir, ["export"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /encrypted.*gallery_mismatch/);
    });
    const exported = await runKiosk(dir, ["export"], sealed);
    await Deno.writeTextFile(join(dir, "sealed.jsonl"), exported.stdout);
    await t.step("the file is sealed with the gallery's key", () => {
      assert.equal(exported.code, 0, exported.stderr);
      const [header, , face] = jsonLines(exported.stdout);
      assert.equal(header.sealed, true);
      assert.equal(typeof header.keyCheck, "string");
      // iv + 2,048 bytes + tag, in base64.
      const embedding = (face.face as { embedding: string }).embedding;
      assert.equal(Uint8Array.fromBase64(embedding).length, 12 + 2048 + 16);
    });
    await t.step("importing it without a key is refused", async () => {
      const result = await runKiosk(dir, [
        "import",
        "sealed.jsonl",
        "--kv",
        "data/b.kv",
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /sealed: set FACEVER_GALLERY_KEY/);
    });
    await t.step("importing it with another key is refused", async () => {
      const result = await runKiosk(
        dir,
        ["import", "sealed.jsonl", "--kv", "data/b.kv"],
        { FACEVER_GALLERY_KEY: KEY_B },
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /not the key the file was sealed with/);
    });
    await t.step("with the same key: an encrypted copy", async () => {
      const result = await runKiosk(
        dir,
        ["import", "sealed.jsonl", "--kv", "data/b.kv"],
        sealed,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        await contents(join(dir, "data", "b.kv"), KEY_A),
        await contents(join(dir, "data", "kiosk.kv"), KEY_A),
      );
      const withoutKey = await runKiosk(dir, [
        "subjects",
        "list",
        "--kv",
        "data/b.kv",
      ]);
      assert.match(withoutKey.stderr, /encrypted/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
