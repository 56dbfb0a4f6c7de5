import assert from "node:assert/strict";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import { POOL_START_DELAY_MS, ServerEngine } from "./_engine.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the server engine's tests: ${LFW_MISSING}`);

Deno.test("ServerEngine refuses a pool of no workers", async () => {
  for (const workers of [0, 1.5, -1]) {
    await assert.rejects(ServerEngine.create(workers), RangeError);
  }
});

Deno.test({
  name:
    "ServerEngine answers on this thread, then on the pool it starts after the answer, the same bits",
  ignore: !root,
  async fn() {
    const photo = await Deno.readFile(lfwImagePath(root!, "Aaron_Peirsol", 1));
    await using engine = await ServerEngine.create(1);
    assert.equal(engine.pooled, false);
    const first = await engine.analyze(photo.slice(), { embed: "largest" });
    assert.equal(first.faces.length, 1);
    // Not before the answer: its workers would have taken the cores.
    assert.equal(engine.pooled, false);
    await engine.ready();
    assert.equal(engine.pooled, true);
    const pooled = await engine.analyze(photo.slice(), { embed: "largest" });
    assert.deepEqual(pooled, first);
  },
});

Deno.test({
  name: "ServerEngine starts its pool without a request, after a delay",
  ignore: !root,
  async fn() {
    await using engine = await ServerEngine.create(1);
    const started = performance.now();
    while (!engine.pooled && performance.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(engine.pooled, "no pool 30 s after the start");
    assert.ok(performance.now() - started >= POOL_START_DELAY_MS - 50);
  },
});
