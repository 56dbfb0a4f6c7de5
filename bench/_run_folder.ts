/**
 * Scratch folders of the API benchmarks, under `.cache/` where their tasks
 * may write (not the system's temp folder), removed when the run ends.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/**
 * A fresh folder under `.cache/NAME/` for one run's KV files, removed on
 * disposal.
 *
 * @example
 * ```ts ignore
 * import { runFolder } from "./_run_folder.ts";
 * await using run = await runFolder("load");
 * console.log(run.dir); // …/.cache/load/run_…
 * ```
 */
export async function runFolder(
  name: string,
): Promise<{ readonly dir: string } & AsyncDisposable> {
  const parent = fileURLToPath(new URL(`../.cache/${name}/`, import.meta.url));
  await Deno.mkdir(parent, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "run_" });
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
