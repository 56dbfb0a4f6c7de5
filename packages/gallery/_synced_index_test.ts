import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unitVectors } from "@facever/testing";
import { Gallery, KEY_ROOT } from "./mod.ts";
import { TEST_OPTIONS as OPTIONS } from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("the log keeps 10,000 writes; an index further behind reloads", async () => {
  const kv = await Deno.openKv(":memory:");
  const writer = await Gallery.open(kv, OPTIONS);
  const reader = await Gallery.open(kv, { ...OPTIONS, maxStalenessMs: 0 });
  const random = unitVectors(11, DIMS);
  const gone = random();
  await writer.createSubject("first");
  const goneId = await writer.addFace("first", gone);
  assert.equal(
    (await reader.identify(gone, { threshold: 0.99 }))[0].faceId,
    goneId,
  );
  // The removal falls out of the log: only a reload can learn of it.
  await writer.removeFace(goneId);
  const added = [];
  for (let s = 0; s < 40; s++) {
    await writer.createSubject(`s${s}`);
    for (let i = 0; i < 251; i++) {
      const vector = random();
      added.push({ vector, faceId: await writer.addFace(`s${s}`, vector) });
    }
  }
  const log = await Array.fromAsync(
    kv.list({ prefix: [KEY_ROOT, OPTIONS.tenant, "log"] }),
  );
  assert.ok(log.length <= 10_000, `${log.length} log entries`);
  assert.notEqual(
    (await reader.identify(gone, { threshold: -1 }))[0].faceId,
    goneId,
  );
  for (const { vector, faceId } of [added[0], added[5000], added.at(-1)!]) {
    assert.equal(
      (await reader.identify(vector, { threshold: 0.99 }))[0].faceId,
      faceId,
    );
  }
  kv.close();
});

Deno.test("an enrolment by another process is identified within maxStalenessMs", async () => {
  const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
  const path = join(folder, "gallery.sqlite");
  const kv = await Deno.openKv(path);
  const staleness = 300;
  const gallery = await Gallery.open(kv, {
    ...OPTIONS,
    maxStalenessMs: staleness,
  });
  await gallery.createSubject("ada");
  const v = unitVectors(9, DIMS)();
  assert.deepEqual(await gallery.identify(v, { threshold: 0.99 }), []);

  const script = fileURLToPath(
    new URL("./testdata/add_face.ts", import.meta.url),
  );
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-kv",
      `--allow-read=${folder}`,
      `--allow-write=${folder}`,
      script,
      path,
      OPTIONS.tenant,
      "ada",
      JSON.stringify(Array.from(v)),
    ],
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const faceId = new TextDecoder().decode(stdout).trim();
  const committed = performance.now();
  let found: string | undefined;
  while (found === undefined) {
    found = (await gallery.identify(v, { threshold: 0.99 }))[0]?.faceId;
    if (found === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const waited = performance.now() - committed;
  assert.equal(found, faceId);
  assert.ok(waited <= staleness + 200, `seen after ${waited.toFixed(0)} ms`);
  kv.close();
  await Deno.remove(folder, { recursive: true });
});
