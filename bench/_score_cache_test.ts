import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { ScoreCache } from "./_score_cache.ts";

Deno.test("scores survive a reopen; a line cut short is dropped", async () => {
  const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
  const key = { version: 1 };
  const cache = await ScoreCache.open(key, dir);
  cache.put("a", { score: 0.25, variants: { x: 0.5 } });
  cache.put("b", {});
  await cache.close();
  const [file] = [...Deno.readDirSync(dir)].filter((e) =>
    e.name.endsWith(".jsonl")
  );
  await Deno.writeTextFile(new URL(file.name, dir), '{"id":"c","sco', {
    append: true,
  });
  const again = await ScoreCache.open(key, dir);
  assert.deepEqual(again.get("a"), { score: 0.25, variants: { x: 0.5 } });
  assert.deepEqual(again.get("b"), {});
  assert.equal(again.get("c"), undefined);
  again.put("c", { score: 1 });
  await again.close();
  const third = await ScoreCache.open(key, dir);
  assert.equal(third.get("c")?.score, 1);
  await third.close();
  const other = await ScoreCache.open({ version: 2 }, dir);
  assert.equal(other.get("a"), undefined);
  await other.close();
});
