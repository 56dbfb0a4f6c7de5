/**
 * Helpers of the gallery's tests: the two kinds of local KV.
 *
 * @module
 */

/**
 * Runs `body` as a step on a fresh `:memory:` database (every `openKv()`
 * returns the one handle: each `:memory:` open is a new database) and as a
 * step on a fresh SQLite file (every `openKv()` is a new handle, as another
 * process would have), closing and deleting everything afterwards.
 */
export async function onEachKv(
  t: Deno.TestContext,
  body: (openKv: () => Promise<Deno.Kv>) => Promise<void>,
): Promise<void> {
  await t.step(":memory:", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      await body(() => Promise.resolve(kv));
    } finally {
      kv.close();
    }
  });
  await t.step("file", async () => {
    const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
    const handles: Deno.Kv[] = [];
    try {
      await body(async () => {
        const kv = await Deno.openKv(`${folder}/gallery.sqlite`);
        handles.push(kv);
        return kv;
      });
    } finally {
      for (const kv of handles) kv.close();
      await Deno.remove(folder, { recursive: true });
    }
  });
}
