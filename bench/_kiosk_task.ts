// The kiosk as `deno task kiosk` runs it: the task's own flags, read from
// the root deno.json, so that what is measured or emulated has the
// permissions the task states and no others.

import { fileURLToPath } from "node:url";

/** The root of the repository. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/**
 * The arguments after `deno` of the `kiosk` task, with the entry point as
 * an absolute path, so that they run from any folder (and the default
 * `data/` KV lands in that folder).
 */
export async function kioskRunArgs(): Promise<string[]> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  const [deno, ...args] = (config.tasks.kiosk.command as string).split(/\s+/);
  if (deno !== "deno" || args.at(-1) !== "apps/kiosk/main.ts") {
    throw new Error(`unexpected kiosk task: ${config.tasks.kiosk.command}`);
  }
  return [...args.slice(0, -1), `${ROOT}apps/kiosk/main.ts`];
}
