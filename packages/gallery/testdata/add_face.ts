/**
 * Adds one face from another process, for the freshness test:
 * `deno run --unstable-kv --allow-read --allow-write add_face.ts <kv path>
 * <tenant> <subject id> <embedding as JSON>`. Prints the face id.
 *
 * @module
 */
import { Gallery } from "../mod.ts";

const [path, tenant, subjectId, embedding] = Deno.args;
const vector: number[] = JSON.parse(embedding);
const kv = await Deno.openKv(path);
const gallery = await Gallery.open(kv, {
  tenant,
  modelId: "test-model",
  dims: vector.length,
});
console.log(await gallery.addFace(subjectId, vector));
kv.close();
