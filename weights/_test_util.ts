/**
 * Helpers shared by the tests of `weights/`.
 *
 * @module
 */

import { pathFromFileUrl } from "./_npm.ts";

/** The repository's git-ignored cache, which `deno task test` may write. */
const CACHE = new URL("../.cache/", import.meta.url);

/**
 * Where tests should make the temporary directory `npm pack` writes into:
 * the repository's `.cache/` when writable (the test task grants nothing
 * else), otherwise the system's temporary directory.
 */
export async function packTempParent(): Promise<string | undefined> {
  const { state } = await Deno.permissions.query({
    name: "write",
    path: CACHE,
  });
  if (state !== "granted") return undefined;
  await Deno.mkdir(CACHE, { recursive: true });
  return pathFromFileUrl(CACHE);
}
