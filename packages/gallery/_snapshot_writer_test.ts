import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { unitVectors } from "@facever/testing";
import { Gallery, KEY_ROOT } from "./mod.ts";
import { bucketOf } from "./_snapshot_format.ts";
import { onEachKv, scan, TEST_OPTIONS, text } from "./_test_util.ts";
import {
  assertExact,
  assertNoGarbage,
  DIMS,
  enrol,
  queriesNear,
  renormalised,
  snapshotKeys,
} from "./_test_snapshot.ts";

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
