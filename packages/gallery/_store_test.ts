import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { unitVectors } from "@facever/testing";
import { Gallery } from "./mod.ts";
import {
  isFaceError,
  onEachKv,
  TEST_OPTIONS as OPTIONS,
} from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("50 parallel writers x 20 faces give exactly 1,000 faces", async (t) => {
  await onEachKv(t, async (openKv) => {
    const subjects = ["s0", "s1", "s2", "s3", "s4"];
    const setup = await Gallery.open(await openKv(), OPTIONS);
    for (const id of subjects) await setup.createSubject(id);
    // A reader that replays the log while the writers run.
    const observer = await Gallery.open(await openKv(), {
      ...OPTIONS,
      maxStalenessMs: 0,
    });
    const vectors = new Map<string, Float32Array>();
    let writing = true;
    const observing = (async () => {
      while (writing) {
        await observer.identify(unitVectors(9, DIMS)(), { threshold: -1 });
      }
    })();
    // Each writer is its own gallery object (its own write queue); on a
    // file every one has its own KV handle, as separate processes would.
    try {
      await Promise.all(Array.from({ length: 50 }, async (_, w) => {
        const writer = await Gallery.open(await openKv(), OPTIONS);
        const random = unitVectors(100 + w, DIMS);
        for (let i = 0; i < 20; i++) {
          const vector = random();
          vectors.set(await writer.addFace(subjects[w % 5], vector), vector);
        }
      }));
    } finally {
      writing = false;
      await observing;
    }

    assert.equal(vectors.size, 1000);
    let counted = 0;
    const listed = new Set<string>();
    for (const id of subjects) {
      counted += (await setup.getSubject(id))?.faceCount ?? 0;
      for (const face of await setup.listFaces(id)) listed.add(face.faceId);
    }
    assert.equal(counted, 1000);
    assert.deepEqual([...listed].sort(), [...vectors.keys()].sort());
    // A fresh index (full load) and the observer's (replayed) both find
    // every face as its own best match.
    const fresh = await Gallery.open(await openKv(), OPTIONS);
    for (const [faceId, vector] of vectors) {
      assert.equal(
        (await fresh.identify(vector, { threshold: 0.99 }))[0]?.faceId,
        faceId,
      );
      assert.equal(
        (await observer.identify(vector, { threshold: 0.99 }))[0]?.faceId,
        faceId,
      );
    }
    const everyone = await fresh.identify(vectors.values().next().value!, {
      threshold: -1,
      limit: 1000,
    });
    assert.deepEqual(everyone.map((m) => m.subjectId).sort(), subjects);
  });
});

Deno.test("concurrent adds of one source give one face", async (t) => {
  await onEachKv(t, async (openKv) => {
    await (await Gallery.open(await openKv(), OPTIONS)).createSubject("ada");
    const random = unitVectors(3, DIMS);
    const ids = await Promise.all(Array.from({ length: 10 }, async () => {
      const writer = await Gallery.open(await openKv(), OPTIONS);
      return await writer.addFace("ada", random(), { source: "sha256:same" });
    }));
    assert.equal(new Set(ids).size, 1);
    const gallery = await Gallery.open(await openKv(), OPTIONS);
    assert.equal((await gallery.listFaces("ada")).length, 1);
  });
});

/**
 * A KV on which a share of the calls (reads, steps of a listing, commits),
 * picked at random with a fixed seed, fails as Deno KV fails when another
 * process holds a SQLite file's lock: with an untyped `TypeError: database
 * is locked`, having done nothing.
 */
function lockedAtRandom(
  kv: Deno.Kv,
  share: number,
): { kv: Deno.Kv; locks: () => number } {
  let seed = 12345, locks = 0;
  const lock = () => {
    // A linear congruential generator: the same locks on every run.
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    if (seed / 2 ** 32 < share) {
      locks++;
      throw new TypeError("database is locked");
    }
  };
  const flaky = {
    get: async (key: Deno.KvKey) => {
      lock();
      return await kv.get(key);
    },
    getMany: async (keys: Deno.KvKey[]) => {
      lock();
      return await kv.getMany(keys);
    },
    list: (selector: Deno.KvListSelector, options: Deno.KvListOptions) => {
      const entries = kv.list(selector, options);
      return {
        get cursor() {
          return entries.cursor;
        },
        async next() {
          lock();
          return await entries.next();
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
    atomic: () => {
      const op = kv.atomic();
      const commit = op.commit.bind(op);
      op.commit = async () => {
        lock();
        return await commit();
      };
      return op;
    },
  };
  return { kv: flaky as unknown as Deno.Kv, locks: () => locks };
}

Deno.test("every read, listing and commit outlasts a locked database", async () => {
  const memory = await Deno.openKv(":memory:");
  const { kv, locks } = lockedAtRandom(memory, 1 / 3);
  const gallery = await Gallery.open(kv, OPTIONS);
  // Replays the log on every identify: reads of the log and the faces.
  const reader = await Gallery.open(kv, { ...OPTIONS, maxStalenessMs: 0 });
  assert.deepEqual(
    await reader.identify(unitVectors(1, DIMS)(), {
      threshold: -1,
    }),
    [],
  );
  const random = unitVectors(2, DIMS);
  const ids = Array.from(
    { length: 25 },
    (_, i) => `s${String(i).padStart(2, "0")}`,
  );
  const faces = new Map<string, Float32Array>();
  for (const id of ids) {
    await gallery.createSubject(id);
    for (let i = 0; i < 2; i++) {
      const vector = random();
      faces.set(await gallery.addFace(id, vector), vector);
    }
  }
  // Listings resumed after a lock give every entry once.
  const listed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await gallery.listSubjects({ limit: 10, cursor });
    listed.push(...page.subjects.map((s) => s.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  assert.deepEqual(listed, ids);
  assert.equal((await gallery.listFaces("s07")).length, 2);
  const fresh = await Gallery.open(kv, OPTIONS);
  for (const [faceId, vector] of faces) {
    for (const g of [fresh, reader]) {
      assert.equal(
        (await g.identify(vector, { threshold: 0.99 }))[0]?.faceId,
        faceId,
      );
    }
  }
  const [[someFace, someVector]] = faces;
  assert.equal(
    (await gallery.verify("s00", someVector, { threshold: 0.99 })).faceId,
    someFace,
  );
  await gallery.removeFace(someFace);
  await gallery.deleteSubject("s01");
  assert.equal((await gallery.getSubject("s00"))?.faceCount, 1);
  assert.equal(await gallery.getSubject("s01"), undefined);
  assert.equal((await gallery.listSubjects()).subjects.length, 24);
  assert.ok(locks() > 50, `only ${locks()} locks met`);
  memory.close();
});

Deno.test("a database that stays locked gives a FaceError, never the raw TypeError", async () => {
  const memory = await Deno.openKv(":memory:");
  const { kv } = lockedAtRandom(memory, 1);
  await assert.rejects(
    Gallery.open(kv, OPTIONS),
    (error: unknown) => {
      assert.ok(isFaceError("conflict")(error));
      assert.ok((error as Error).cause instanceof TypeError);
      return true;
    },
  );
  memory.close();
});

Deno.test("several processes opening new tenants at once on one file all succeed", async () => {
  const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
  const path = `${folder}/gallery.sqlite`;
  // Created here, so the children only open it.
  (await Deno.openKv(path)).close();
  const script = fileURLToPath(
    new URL("./testdata/open_tenants.ts", import.meta.url),
  );
  const processes = 4, perProcess = 25;
  const startAt = Date.now() + 1500;
  const outputs = await Promise.all(
    Array.from(
      { length: processes },
      (_, p) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--unstable-kv",
            `--allow-read=${folder}`,
            `--allow-write=${folder}`,
            script,
            path,
            `p${p}`,
            String(perProcess),
            String(startAt),
          ],
        }).output(),
    ),
  );
  for (const { success, stdout, stderr } of outputs) {
    assert.ok(success, new TextDecoder().decode(stderr));
    const report = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(report, { opened: perProcess, errors: [] });
  }
  const kv = await Deno.openKv(path);
  for (let p = 0; p < processes; p++) {
    for (let i = 0; i < perProcess; i++) {
      const gallery = await Gallery.open(kv, {
        tenant: `p${p}-${i}`,
        modelId: "test-model",
        dims: 4,
      });
      assert.equal((await gallery.getSubject("ada"))?.faceCount, 0);
    }
  }
  kv.close();
  await Deno.remove(folder, { recursive: true });
});
