/**
 * Writes a snapshot from another process, for the test that kills it
 * midway: `deno run --unstable-kv --allow-read --allow-write
 * write_snapshot.ts <kv path> <tenant> <dims>`. Prints the summary.
 *
 * @module
 */
import { Gallery } from "../mod.ts";

const [path, tenant, dims] = Deno.args;
const kv = await Deno.openKv(path);
const gallery = await Gallery.open(kv, {
  tenant,
  modelId: "test-model",
  dims: Number(dims),
  snapshotEvery: Infinity,
});
console.log(JSON.stringify(await gallery.writeSnapshot()));
kv.close();
