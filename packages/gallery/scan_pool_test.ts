import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { Gallery, MAX_SCAN_THREADS, ScanPool } from "./mod.ts";

Deno.test("ScanPool.create checks its threads", () => {
  assert.throws(
    () => ScanPool.create({ threads: "2" as unknown as number }),
    TypeError,
  );
  for (const threads of [-1, 1.5, MAX_SCAN_THREADS + 1, NaN]) {
    assert.throws(() => ScanPool.create({ threads }), RangeError);
  }
  using pool = ScanPool.create();
  assert.equal(pool.threads, Math.max(0, navigator.hardwareConcurrency - 1));
});

Deno.test("a gallery takes only a pool that ScanPool.create made", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await assert.rejects(
      Gallery.open(kv, {
        tenant: "t",
        modelId: "m@1",
        dims: 4,
        scanPool: { threads: 1 } as unknown as ScanPool,
      }),
      TypeError,
    );
  } finally {
    kv.close();
  }
});

Deno.test("a gallery with a pool identifies as one without", async () => {
  const kv = await Deno.openKv(":memory:");
  using scanPool = ScanPool.create({ threads: 1 });
  try {
    const options = { modelId: "m@1", dims: 4 };
    const pooled = await Gallery.open(kv, {
      ...options,
      tenant: "t",
      scanPool,
    });
    const plain = await Gallery.open(kv, { ...options, tenant: "t" });
    await pooled.createSubject("ada");
    await pooled.addFace("ada", [1, 0, 0, 0]);
    await pooled.addFace("ada", [0.6, 0.8, 0, 0]);
    const query = [0.8, 0.6, 0, 0];
    const answer = await pooled.identify(query, { threshold: 0.5 });
    assert.deepEqual(answer, await plain.identify(query, { threshold: 0.5 }));
    assert.equal(answer[0].subjectId, "ada");
  } finally {
    kv.close();
  }
});

Deno.test("enrolments while shared scans run: each face is found at once, nothing read half-changed; overlapping calls answer as without a pool", async () => {
  const kv = await Deno.openKv(":memory:");
  using scanPool = ScanPool.create({ threads: 1 });
  try {
    const dims = 8;
    const gallery = await Gallery.open(kv, {
      tenant: "t",
      modelId: "m@1",
      dims,
      scanPool,
      snapshotEvery: Infinity,
    });
    const random = unitVectors(5, dims);
    // Large enough for the scans to be shared (16,384 faces and up).
    for (let s = 0; s < 80; s++) await gallery.createSubject(`s${s}`);
    for (let i = 0; i < 17_000; i++) {
      await gallery.addFace(`s${i % 80}`, random());
    }
    const busy = async (until: () => boolean) => {
      while (!until()) {
        await Promise.all(
          Array.from(
            { length: 8 },
            () => gallery.identify(random(), { threshold: 0.5, limit: 3 }),
          ),
        );
      }
    };
    // The helper starts after the first shared scan.
    const warm = performance.now() + 300;
    await busy(() => performance.now() > warm);
    let enrolled = 0;
    const enrolments = (async () => {
      for (let i = 0; i < 30; i++) {
        const vector = random();
        await gallery.createSubject(`new${i}`);
        const faceId = await gallery.addFace(`new${i}`, vector);
        const [best] = await gallery.identify(vector, { threshold: 0.99 });
        assert.equal(best?.faceId, faceId);
        enrolled++;
      }
    })();
    await Promise.all([enrolments, busy(() => enrolled === 30)]);

    // Calls that come in waves a millisecond apart: batches overlap, two
    // scans under way at once. Each answer is the one a gallery without a
    // pool gives.
    const plain = await Gallery.open(kv, { tenant: "t", modelId: "m@1", dims });
    const probes = Array.from({ length: 96 }, (_, i) => ({
      probe: random(),
      options: { threshold: i % 3 === 0 ? -1 : 0.3, limit: 1 + (i % 4) },
    }));
    const pooled = await Promise.all(
      probes.map(async ({ probe, options }, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 6));
        return await gallery.identify(probe, options);
      }),
    );
    for (const [i, { probe, options }] of probes.entries()) {
      assert.deepEqual(pooled[i], await plain.identify(probe, options));
    }
  } finally {
    kv.close();
  }
});
