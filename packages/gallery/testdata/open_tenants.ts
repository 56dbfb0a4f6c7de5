/**
 * Opens new tenants from another process, for the test of processes that
 * create tenants at once on one SQLite file:
 * `deno run --unstable-kv --allow-read --allow-write open_tenants.ts <kv path>
 * <tenant prefix> <count> <start time, ms since the epoch>`. Waits for the
 * start time, so that every process begins together, then opens `count`
 * tenants at once and creates a subject in each. Prints
 * `{ "opened": n, "errors": [...] }` with every error as it was thrown.
 *
 * @module
 */
import { Gallery } from "../mod.ts";

const [path, prefix, count, startAt] = Deno.args;
const kv = await Deno.openKv(path);
await new Promise((resolve) =>
  setTimeout(resolve, Math.max(0, Number(startAt) - Date.now()))
);
let opened = 0;
const errors: string[] = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      const gallery = await Gallery.open(kv, {
        tenant: `${prefix}-${i}`,
        modelId: "test-model",
        dims: 4,
      });
      await gallery.createSubject("ada");
      opened++;
    } catch (error) {
      errors.push(String(error));
    }
  }),
);
console.log(JSON.stringify({ opened, errors }));
kv.close();
