// Where the commands keep their data: the KV store and the gallery of the
// kiosk's one tenant.

import { dirname } from "node:path";
import { encryptionKeyFromEnv, Gallery } from "@facever/gallery";
import { MODEL_ID } from "@facever/edge";

/** The kiosk's one tenant: every subject and key of the board is its. */
export const LOCAL_TENANT = "kiosk";

/** The KV file when neither `--kv` nor `KIOSK_KV` names one. */
export const DEFAULT_KV_PATH = "data/kiosk.kv";

/** Values per embedding of the bundled MobileFaceNet. */
export const DIMS = 512;

/** The KV path or URL of `--kv`, else `KIOSK_KV`, else the default. */
export function kvPath(flag: string | undefined): string {
  return flag ?? Deno.env.get("KIOSK_KV") ?? DEFAULT_KV_PATH;
}

/** Opens the KV of `path`, making the folder of a local file first. */
export async function openKv(path: string): Promise<Deno.Kv> {
  if (path !== ":memory:" && !/^https?:/.test(path)) {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  return await Deno.openKv(path);
}

/**
 * The local tenant's gallery in `kv`, sealed with `FACEVER_GALLERY_KEY`
 * when it is set.
 */
export async function openGallery(kv: Deno.Kv): Promise<Gallery> {
  return await Gallery.open(kv, {
    tenant: LOCAL_TENANT,
    modelId: MODEL_ID,
    dims: DIMS,
    encryptionKey: await encryptionKeyFromEnv(),
  });
}
