// `serve`: the `/v1` API of `@facever/edge` for this board. Requests from
// the board itself (127.0.0.1, ::1) act for the one local tenant without a
// key; any other address needs a key made with `kiosk keys create`.

import {
  type ApiEngine,
  ApiKeys,
  type ApiOptions,
  createApp,
} from "@facever/edge";
import { encryptionKeyFromEnv } from "@facever/gallery";
import {
  EXIT_CODES,
  numberFlag,
  parse,
  positionals,
  stopSignal,
  STORE_OPTIONS,
  storeHelp,
} from "./_cli.ts";
import { createPool } from "./_engine.ts";
import { pageRoutes } from "./page/routes.ts";
import { kvPath, LOCAL_TENANT, openKv } from "./_store.ts";

/** The API app that `serve` answers with. */
export type KioskApp = ReturnType<typeof createApp>;

/** `kiosk serve --help`. */
export const SERVE_HELP = `Usage: kiosk serve [options]

Serves the camera page (at /) and the facever /v1 API (see /docs) until
stopped (Ctrl-C, SIGTERM).
Requests from this machine (127.0.0.1, ::1) need no key and act for the
kiosk's gallery; requests from any other address need a key made with
"kiosk keys create" (Authorization: Bearer KEY or x-api-key: KEY).

Options:
  --port N          TCP port (default 8080; 0 picks a free one)
  --hostname H      address to listen on (default 127.0.0.1, this machine
                    only; 0.0.0.0 opens the API to the network, with keys)
  --workers N       engines on worker threads (default one per core)
${storeHelp(20)}
  -h, --help        this text

One JSON line per request goes to stdout; the first line on stderr is
{"listening": URL, …, "activeKeys": N} once the API answers.

${EXIT_CODES}`;

/**
 * The kiosk's API on `kv`: `@facever/edge`'s app with the local tenant for
 * keyless requests from this machine, and the camera page at `/`.
 *
 * @example
 * ```ts
 * import { FaceEngine } from "@facever/model";
 * import { kioskApp } from "./_serve.ts";
 * const kv = await Deno.openKv(":memory:");
 * const app = await kioskApp({ engine: await FaceEngine.create(), kv });
 * console.log((await app.request("/v1/health")).status); // 200
 * kv.close();
 * ```
 */
export async function kioskApp(options: {
  readonly engine: ApiEngine;
  readonly kv: Deno.Kv;
  /** One line per request; default JSON on stdout. */
  readonly log?: ApiOptions["log"];
}): Promise<KioskApp> {
  const app = createApp({
    engine: options.engine,
    kv: options.kv,
    encryptionKey: await encryptionKeyFromEnv(),
    loopbackTenant: LOCAL_TENANT,
    log: options.log,
  });
  pageRoutes(app);
  return app;
}

/** Runs `kiosk serve` until a signal stops it; resolves to the exit status. */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parse(args, {
    ...STORE_OPTIONS,
    port: { type: "string" },
    hostname: { type: "string" },
    workers: { type: "string" },
  });
  positionals(rest, 0, "no arguments besides options");
  const port = numberFlag(values.port, "port", {
    min: 0,
    max: 65535,
    whole: true,
  }, 8080);
  const workers = numberFlag(values.workers, "workers", {
    min: 1,
    max: 256,
    whole: true,
  }, navigator.hardwareConcurrency);
  const path = kvPath(values.kv);
  const kv = await openKv(path);
  const engine = await createPool(workers);
  const app = await kioskApp({ engine, kv });
  const keys = (await new ApiKeys(kv).list()).filter((key) => !key.revokedAt);
  const server = Deno.serve({
    signal: stopSignal(),
    port,
    hostname: values.hostname ?? "127.0.0.1",
    onListen: ({ hostname, port }) =>
      console.error(JSON.stringify({
        listening: `http://${
          hostname.includes(":") ? `[${hostname}]` : hostname
        }:${port}`,
        kv: path,
        tenant: LOCAL_TENANT,
        workers: engine.workers,
        backend: engine.backend,
        // Other machines are refused until a key exists.
        activeKeys: keys.length,
      })),
  }, app.fetch);
  // A stop lets the requests in flight finish, then closes what is open.
  await server.finished;
  await engine.close();
  kv.close();
  return 0;
}
