import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import {
  CacheFormatError,
  cacheKey,
  decodeRecords,
  EmbeddingCache,
} from "./_cache.ts";

Deno.test("EmbeddingCache", async (t) => {
  const dir = await Deno.makeTempDir();
  const url = pathToFileURL(`${dir}/`);
  const key = { options: { mirror: false } };
  const face = new Float32Array([0.6, -0.8, 1e-7]);

  await t.step(
    "keeps faces, no-face images and times across opens",
    async () => {
      const cache = await EmbeddingCache.open(key, url);
      assert.equal(cache.size, 0);
      cache.put("/lfw/Añа/a.jpg", { embedding: face, ms: 12.5 });
      cache.put("/lfw/b.jpg", { embedding: undefined, ms: 30 });
      await cache.close();
      const reopened = await EmbeddingCache.open(key, url);
      assert.equal(reopened.size, 2);
      assert.deepEqual(reopened.get("/lfw/Añа/a.jpg"), {
        embedding: face,
        ms: 12.5,
      });
      assert.deepEqual(reopened.get("/lfw/b.jpg"), {
        embedding: undefined,
        ms: 30,
      });
      await reopened.close();
    },
  );

  await t.step("another key opens another file", async () => {
    const other = await EmbeddingCache.open({ options: { mirror: true } }, url);
    assert.equal(other.size, 0);
    await other.close();
  });

  await t.step(
    "a record cut short is dropped, then appended over",
    async () => {
      const [bin] = [...Deno.readDirSync(dir)]
        .filter((e) =>
          e.name.endsWith(".bin") && Deno.statSync(`${dir}/${e.name}`).size > 0
        );
      const path = `${dir}/${bin.name}`;
      const whole = Deno.readFileSync(path);
      Deno.writeFileSync(path, whole.subarray(0, whole.length - 5));
      const cache = await EmbeddingCache.open(key, url);
      assert.equal(cache.size, 1);
      cache.put("/lfw/c.jpg", { embedding: face, ms: 1 });
      await cache.close();
      const reopened = await EmbeddingCache.open(key, url);
      assert.deepEqual(
        [...["/lfw/Añа/a.jpg", "/lfw/c.jpg"]].map((f) => reopened.get(f)?.ms),
        [12.5, 1],
      );
      await reopened.close();
    },
  );

  await Deno.remove(dir, { recursive: true });
});

Deno.test("decodeRecords refuses bytes that are no records", () => {
  const bytes = new Uint8Array(64).fill(0xff);
  assert.throws(() => decodeRecords(bytes), CacheFormatError);
  assert.deepEqual(decodeRecords(new Uint8Array(3)).end, 0);
});

Deno.test("cacheKey names the models and the options", async () => {
  const a = await cacheKey({ channelOrder: "bgr" });
  const b = await cacheKey({ channelOrder: "rgb" });
  assert.deepEqual(a.models, b.models);
  assert.notDeepEqual(a.options, b.options);
  assert.match(
    String((a.models as Record<string, string>)["mobilefacenet.onnx"]),
    /^[0-9a-f]{64}$/,
  );
});
