import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { nearby, unitVectors } from "@facever/testing";
import { Gallery, type GalleryOptions, KEY_ROOT } from "./mod.ts";
import { FaceIndex } from "./face_index.ts";
import { bucketOf } from "./_snapshot_format.ts";
import type { BucketRecord, LiveBucket } from "./_snapshot.ts";
import { isError, onEachKv, scan, TEST_OPTIONS, text } from "./_test_util.ts";

interface Face {
  readonly faceId: string;
  readonly subjectId: string;
  readonly vector: Float32Array;
}

/** What a gallery searches with for the float32 vector `v`. */
function renormalised(v: Float32Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  return Float64Array.from(v, (x) => x / norm);
}

/** Enrols `subjects` subjects with `perSubject` random faces each. */
async function enrol(
  gallery: Gallery,
  prefix: string,
  subjects: number,
  perSubject: number,
  random: () => Float32Array,
): Promise<Face[]> {
  const faces: Face[] = [];
  for (let s = 0; s < subjects; s++) {
    const subjectId = `${prefix}-${s}`;
    await gallery.createSubject(subjectId);
    for (let f = 0; f < perSubject; f++) {
      const vector = random();
      faces.push({
        faceId: await gallery.addFace(subjectId, vector),
        subjectId,
        vector,
      });
    }
  }
  return faces;
}

/**
 * Asserts that `gallery` gives every query the answer of an exact index of
 * `faces` (a brute-force scan, as the index's tests show).
 */
async function assertExact(
  gallery: Gallery,
  faces: Iterable<Face>,
  queries: readonly Float32Array[],
): Promise<void> {
  const reference = new FaceIndex(gallery.dims);
  for (const { faceId, subjectId, vector } of faces) {
    reference.add(faceId, subjectId, Float32Array.from(renormalised(vector)));
  }
  for (const query of queries) {
    for (const [limit, threshold] of [[1, -1], [5, -1], [3, 0.2]]) {
      assert.deepEqual(
        await gallery.identify(query, { threshold, limit }),
        reference.search(renormalised(query), limit, threshold),
      );
    }
  }
}

function queriesNear(
  faces: readonly Face[],
  random: () => Float32Array,
): Float32Array[] {
  return [
    ...faces.filter((_, i) => i % 7 === 0).map((f) => f.vector),
    ...faces.filter((_, i) => i % 11 === 0).map((f) =>
      nearby(f.vector, 0.3, random)
    ),
    random(),
    random(),
  ];
}

/** The snapshot's keys of a tenant: headers, chunks and generations. */
async function snapshotKeys(kv: Deno.Kv, tenant: string) {
  const headers = new Map<number, BucketRecord>();
  for await (
    const { key, value } of kv.list<BucketRecord>({
      prefix: [KEY_ROOT, tenant, "snapshot_bucket"],
    })
  ) {
    headers.set(key.at(-1) as number, value);
  }
  const chunks = (await Array.fromAsync(
    kv.list({ prefix: [KEY_ROOT, tenant, "snapshot_chunk"] }),
  )).map(({ key }) => key.slice(3) as [number, string, number]);
  const generations = (await Array.fromAsync(
    kv.list({ prefix: [KEY_ROOT, tenant, "snapshot_generation"] }),
  )).map(({ key }) => key.slice(3) as [number, string]);
  return { headers, chunks, generations };
}

/** Asserts that every chunk and generation left belongs to a live header. */
async function assertNoGarbage(kv: Deno.Kv, tenant: string): Promise<void> {
  const { headers, chunks, generations } = await snapshotKeys(kv, tenant);
  const live = (b: number) => {
    const header = headers.get(b);
    return header?.generation ? header : undefined;
  };
  for (const [b, generation, index] of chunks) {
    assert.equal(live(b)?.generation, generation, `chunk of bucket ${b}`);
    assert.ok(index < live(b)!.chunks);
  }
  for (const [b, generation] of generations) {
    assert.equal(live(b)?.generation, generation, `generation of bucket ${b}`);
  }
  const expected = [...headers.values()].reduce(
    (sum, h) => sum + (h.generation ? h.chunks : 0),
    0,
  );
  assert.equal(chunks.length, expected);
}

/**
 * Gives face `face`'s record the embedding of `other`'s. Only a rebuild
 * from the records sees it (and, encrypted, fails to open it).
 */
async function swapRecord(
  kv: Deno.Kv,
  tenant: string,
  face: Face,
  other: Face,
): Promise<void> {
  const key = (f: Face) => [KEY_ROOT, tenant, "face", f.subjectId, f.faceId];
  const [mine, theirs] = await kv.getMany<{ embedding: Uint8Array }[]>([
    key(face),
    key(other),
  ]);
  await kv.set(mine.key, { ...mine.value, embedding: theirs.value!.embedding });
}

async function testKey(): Promise<CryptoKey> {
  return await crypto.subtle.generateKey(
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

const DIMS = 64;

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

/**
 * `kv` with a pause before the commits that set a key `when` picks: `hook`
 * runs there, once.
 */
function pausing(
  kv: Deno.Kv,
  when: (key: Deno.KvKey) => boolean,
  hook: () => Promise<void>,
): Deno.Kv {
  let fired = false;
  return new Proxy(kv, {
    get(target, property) {
      if (property === "atomic") {
        return () => {
          const op = target.atomic();
          let hit = false;
          const set = op.set.bind(op);
          op.set = (key, value, options) => {
            hit ||= when(key);
            return set(key, value, options);
          };
          const commit = op.commit.bind(op);
          op.commit = async () => {
            if (hit && !fired) {
              fired = true;
              await hook();
            }
            return await commit();
          };
          return op;
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("a removal between a writer's copy of a bucket and its commit keeps its face out", async () => {
  const kv = await Deno.openKv(":memory:");
  const random = unitVectors(7, DIMS);
  for (let round = 0; round < 3; round++) {
    // A new tenant each time, so that the run writes every bucket.
    const options = { ...TEST_OPTIONS, tenant: `race-${round}`, dims: DIMS };
    const faces = await enrol(
      await Gallery.open(kv, options),
      "s",
      20,
      5,
      random,
    );
    const remover = await Gallery.open(kv, options);
    const victim = `s-${round}`;
    const gone = faces.filter((f) => f.subjectId === victim);
    const buckets = new Set(gone.map((f) => bucketOf(f.faceId)));
    // The writer has copied the victim's bucket when it commits its first
    // chunk: the removal lands right then.
    const writer = await Gallery.open(
      pausing(
        kv,
        (key) =>
          key[1] === options.tenant && key[2] === "snapshot_chunk" &&
          buckets.has(key[3] as number),
        () => remover.deleteSubject(victim),
      ),
      options,
    );
    assert.equal((await writer.writeSnapshot()).status, "written");
    assert.equal(await remover.getSubject(victim), undefined);
    const values = (await scan(kv)).filter((e) => e.key[1] === options.tenant)
      .map((e) => text(e.value)).join("\n");
    assert.ok(!values.includes(`"${victim}"`), `round ${round}`);
    for (const { vector } of gone) {
      const bytes = text(
        new Uint8Array(Float32Array.from(renormalised(vector)).buffer)
          .subarray(0, 16),
      ).slice(1, -1);
      assert.ok(!values.includes(bytes), `round ${round}`);
    }
    await assertNoGarbage(kv, options.tenant);
    const live = faces.filter((f) => f.subjectId !== victim);
    await assertExact(
      await Gallery.open(kv, options),
      live,
      queriesNear(faces, random),
    );
  }
  kv.close();
});

Deno.test("one process at a time writes a tenant's snapshot", async (t) => {
  await onEachKv(t, async (openKv) => {
    const options = { ...TEST_OPTIONS, dims: DIMS };
    const a = await Gallery.open(await openKv(), options);
    const b = await Gallery.open(await openKv(), options);
    await enrol(a, "s", 20, 3, unitVectors(8, DIMS));
    const statuses = (await Promise.all([a.writeSnapshot(), b.writeSnapshot()]))
      .map((s) => s.status).sort();
    assert.equal(statuses.filter((s) => s === "written").length, 1);
    assert.ok(statuses.includes("busy") || statuses.includes("fresh"));
  });
});

Deno.test("a process writes a snapshot on its own after snapshotEvery changes", async () => {
  const kv = await Deno.openKv(":memory:");
  const options = { ...TEST_OPTIONS, dims: DIMS, snapshotEvery: 30 };
  const writer = await Gallery.open(kv, options);
  const random = unitVectors(9, DIMS);
  await enrol(writer, "s", 8, 5, random);
  // A reader that loads 40 faces and finds no snapshot writes one.
  const reader = await Gallery.open(kv, { ...options, maxStalenessMs: 0 });
  await reader.identify(random(), { threshold: -1 });
  assert.equal((await reader.writeSnapshot()).status, "fresh");
  const first = await snapshotKeys(kv, options.tenant);
  assert.equal(first.headers.size, 128);
  // 30 more changes seen by the reader: it writes the buckets they touched.
  await enrol(writer, "t", 6, 5, random);
  await reader.identify(random(), { threshold: -1 });
  assert.equal((await reader.writeSnapshot()).status, "fresh");
  const second = await snapshotKeys(kv, options.tenant);
  const moved = [...second.headers].filter(([b, h]) =>
    h.generation !== first.headers.get(b)!.generation
  );
  assert.ok(moved.length > 0);
  // A tenant smaller than snapshotEvery is left without one.
  const small = await Gallery.open(kv, { ...options, tenant: "small" });
  await enrol(small, "s", 5, 5, random);
  await (await Gallery.open(kv, { ...options, tenant: "small" })).identify(
    random(),
    { threshold: -1 },
  );
  assert.equal((await snapshotKeys(kv, "small")).headers.size, 0);
  kv.close();
});

Deno.test("a writer killed midway leaves a tenant that loads exactly, and its chunks are collected", async () => {
  const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
  const path = `${folder}/gallery.sqlite`;
  const dims = 1024;
  const options = { ...TEST_OPTIONS, dims };
  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(kv, options);
  const random = unitVectors(10, dims);
  const faces = await enrol(gallery, "s", 100, 5, random);
  const script = fileURLToPath(
    new URL("./testdata/write_snapshot.ts", import.meta.url),
  );
  const lease = [KEY_ROOT, options.tenant, "snapshot_lease"];
  // Killed while writing its first bucket, then halfway through.
  for (const headersBefore of [0, 40]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--unstable-kv",
        `--allow-read=${folder}`,
        `--allow-write=${folder}`,
        script,
        path,
        options.tenant,
        String(dims),
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    const status = child.status.then((status) => {
      exited = true;
      return status;
    });
    for (;;) {
      assert.ok(!exited, "the writer finished before it could be killed");
      const { headers, chunks } = await snapshotKeys(kv, options.tenant);
      const writing = (await kv.get<{ writing: unknown }>(lease)).value
        ?.writing;
      if (writing && chunks.length > 0 && headers.size >= headersBefore) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    child.kill("SIGKILL");
    assert.equal((await status).signal, "SIGKILL");
    await assertExact(
      await Gallery.open(kv, options),
      faces,
      queriesNear(faces, random),
    );
    // Its lease outlives it by a minute; let that minute pass.
    const held = await kv.get<{ until: number }>(lease);
    assert.ok(held.value);
    await kv.set(lease, { ...held.value, until: 0 });
  }
  const summary = await gallery.writeSnapshot();
  assert.equal(summary.status, "written");
  await assertNoGarbage(kv, options.tenant);
  await assertExact(
    await Gallery.open(kv, options),
    faces,
    queriesNear(faces, random),
  );
  kv.close();
  await Deno.remove(folder, { recursive: true });
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
