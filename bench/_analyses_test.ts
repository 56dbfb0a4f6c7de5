import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AnalysisCache, type ImageAnalysis, toAnalysis } from "./_analyses.ts";

const face = {
  box: { x: 1, y: 2, width: 30, height: 40 },
  score: 0.9,
  sharpness: 120.5,
  pose: { yaw: 3, pitch: -4, roll: 0.5 },
};
const analysis: ImageAnalysis = {
  width: 250,
  height: 250,
  faces: [face, { ...face, score: 0.8 }],
  central: 1,
  embedding: new Float32Array([0.6, -0.8, 1e-7]),
};

Deno.test("AnalysisCache", async (t) => {
  const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
  const key = { options: { pick: "central" } };
  await t.step("keeps analyses across runs, embeddings exact", async () => {
    const cache = await AnalysisCache.open(key, dir);
    cache.put("a.jpg", analysis);
    cache.put("b.jpg#blur", {
      width: 9,
      height: 9,
      faces: [],
      central: -1,
      embedding: undefined,
    });
    await cache.close();
    const again = await AnalysisCache.open(key, dir);
    assert.deepEqual(again.get("a.jpg"), analysis);
    assert.equal(again.get("b.jpg#blur")?.embedding, undefined);
    await again.close();
  });
  await t.step("drops a line cut short and writes after it", async () => {
    const [file] = [...Deno.readDirSync(dir)]
      .filter((entry) => entry.name.endsWith(".jsonl"));
    const path = fileURLToPath(new URL(file.name, dir));
    await Deno.writeTextFile(path, '{"id":"c.jpg","wid', { append: true });
    const cache = await AnalysisCache.open(key, dir);
    assert.equal(cache.get("c.jpg"), undefined);
    cache.put("c.jpg", analysis);
    await cache.close();
    const again = await AnalysisCache.open(key, dir);
    assert.deepEqual(again.get("c.jpg"), analysis);
    assert.ok(again.get("a.jpg"));
    await again.close();
  });
  await t.step("another key, another file", async () => {
    const cache = await AnalysisCache.open(
      { options: { pick: "largest" } },
      dir,
    );
    assert.equal(cache.get("a.jpg"), undefined);
    await cache.close();
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("toAnalysis keeps the embedded face as the central one", () => {
  const quality = { sharpness: face.sharpness, pose: face.pose };
  const detected = {
    box: face.box,
    score: face.score,
    landmarks: [],
    quality,
  };
  const result = toAnalysis({
    width: 250,
    height: 250,
    faces: [detected, { ...detected, embedding: analysis.embedding }],
  });
  assert.equal(result.central, 1);
  assert.equal(result.embedding, analysis.embedding);
  assert.deepEqual(result.faces[0], face);
});
