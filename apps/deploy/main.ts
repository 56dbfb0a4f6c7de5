/**
 * The server of the `@facever/edge` API: the Deno Deploy entry point, and
 * what `deno task start` runs on one box.
 *
 * ```sh
 * deno task start                      # http://0.0.0.0:8000, KV in data/facever.kv
 * PORT=9000 KV_PATH=/srv/kv deno task start
 * ```
 *
 * Environment: `PORT` (default 8000), `HOSTNAME` (default 0.0.0.0),
 * `KV_PATH` (a file, or a KV Connect URL; on Deno Deploy the project's own
 * KV when unset, elsewhere `data/facever.kv`), `FACEVER_GALLERY_KEY` (seals
 * stored embeddings; see the gallery README), `WORKERS` (engines on worker
 * threads, default one per core, started once the first answer is out —
 * an engine on the main thread answers until they are ready; 0 runs one
 * engine on the main thread only, as on Deno Deploy), `SCAN_THREADS` (threads that help the main thread scan
 * a large gallery, default one core less than the machine has; 0 on Deno
 * Deploy), `RATE_LIMIT` (requests per minute per key, default
 * 600), `MAX_BODY_BYTES` (default 10 MB).
 *
 * @module
 */

import { createApp } from "@facever/edge";
import { encryptionKeyFromEnv, ScanPool } from "@facever/gallery";
import { FaceEngine } from "@facever/model";
import { ServerEngine } from "./_engine.ts";
import { openStore, serverSettings } from "./settings.ts";

const settings = serverSettings((name) => Deno.env.get(name));
const kv = await openStore(settings.kvPath);
const engine = settings.workers === 0
  ? await FaceEngine.create({ backend: "wasm" })
  : await ServerEngine.create(settings.workers);
const scanPool = ScanPool.create({ threads: settings.scanThreads });
const app = createApp({
  engine,
  kv,
  scanPool,
  encryptionKey: await encryptionKeyFromEnv(),
  requestsPerMinute: settings.requestsPerMinute,
  maxBodyBytes: settings.maxBodyBytes,
});

const server = Deno.serve({
  port: settings.port,
  hostname: settings.hostname,
  onListen: ({ hostname, port }) =>
    console.error(
      JSON.stringify({
        listening: `http://${hostname}:${port}`,
        kv: settings.kvPath ?? "Deno Deploy",
        workers: settings.workers,
        scanThreads: settings.scanThreads,
        backend: engine.backend,
      }),
    ),
}, app.fetch);

// On a box of one's own, a stop lets the requests in flight finish, then
// closes what is open. Deno Deploy manages its isolates itself.
if (Deno.env.get("DENO_DEPLOYMENT_ID") === undefined) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      await server.shutdown();
      if (engine instanceof ServerEngine) await engine.close();
      scanPool.close();
      kv.close();
      Deno.exit(0);
    });
  }
}
