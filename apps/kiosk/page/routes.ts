/**
 * The kiosk's camera page, served by the kiosk's own app: the page at `/`,
 * its script, style and the compiled detector and landmark models under
 * `/page/`. Nothing comes from elsewhere (the page's security policy
 * allows only its own origin), so it works offline. The files travel with
 * the code: the page, style and bundle as text imports, the models through
 * `@facever/weights`, which locates them under `deno run` and in a
 * `deno compile` binary built with `--include weights`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { pageRoutes } from "./routes.ts";
 * const app = new Hono();
 * pageRoutes(app);
 * console.log((await app.request("/")).headers.get("content-type")); // text/html; charset=utf-8
 * ```
 *
 * @module
 */

import type { Env, Hono, Schema } from "hono";
import {
  DETECTOR_SMALL_WASM_URLS,
  DETECTOR_WASM_URL,
  LANDMARKER_WASM_URL,
  MANIFEST,
} from "@facever/weights";
import page from "./index.html" with { type: "text" };
import style from "./style.css" with { type: "text" };
import script from "./_bundle.js" with { type: "text" };

/**
 * The page's security policy: its own origin only (no CDN, no inline
 * script), plus compiling WebAssembly for the models and the camera's
 * stream.
 *
 * @example
 * ```ts
 * import { PAGE_POLICY } from "./routes.ts";
 * console.log(PAGE_POLICY.includes("'wasm-unsafe-eval'")); // true
 * ```
 */
export const PAGE_POLICY: string = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Every file is revalidated: after an update of the kiosk, the page, its
 * script and its models change together.
 */
const FRESH = {
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
} as const;

/**
 * The models the page runs. The bundled `@facever/weights` locates each
 * file beside its script, so the page fetches them from `/page/` too:
 * served at their own file names, they are found without configuration.
 */
const MODELS: readonly URL[] = [
  DETECTOR_WASM_URL,
  ...DETECTOR_SMALL_WASM_URLS,
  LANDMARKER_WASM_URL,
];

/**
 * Mounts the camera page on `app` (the kiosk's `createApp`): `GET /`, and
 * `GET /page/app.js`, `/page/style.css` and `/page/<model>.wasm`. The page
 * calls the app's `/v1` routes without a key, so the app must be created
 * with a `loopbackTenant` and browsed from the kiosk itself.
 *
 * @example
 * ```ts
 * import { createApp } from "@facever/edge";
 * import { FaceEngine } from "@facever/model";
 * import { pageRoutes } from "./routes.ts";
 * const kv = await Deno.openKv(":memory:");
 * const engine = await FaceEngine.create({ backend: "wasm" });
 * const app = createApp({ engine, kv, loopbackTenant: "kiosk" });
 * pageRoutes(app);
 * const model = await app.request("/page/face_landmark68.wasm");
 * console.log(model.status, model.headers.get("content-type")); // 200 application/wasm
 * kv.close();
 * ```
 */
export function pageRoutes<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
): void {
  app.get("/", (c) =>
    c.body(page, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": PAGE_POLICY,
      ...FRESH,
    }));
  app.get("/page/app.js", (c) =>
    c.body(script, 200, {
      "content-type": "text/javascript; charset=utf-8",
      ...FRESH,
    }));
  app.get(
    "/page/style.css",
    (c) =>
      c.body(style, 200, {
        "content-type": "text/css; charset=utf-8",
        ...FRESH,
      }),
  );
  for (const url of MODELS) {
    const file = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
    const sha256 = MANIFEST.models.find((model) => model.file === file)?.sha256;
    // The manifest's hash names the file's content: a browser revalidates
    // and gets 304 until `deno task weights` changes the model.
    const etag = `"${sha256 ?? file}"`;
    let bytes: Promise<Uint8Array> | undefined;
    app.get(`/page/${file}`, async (c) => {
      const headers = { etag, ...FRESH };
      if (c.req.header("if-none-match") === etag) {
        return c.body(null, 304, headers);
      }
      // Read on the first request and kept: a few MB, asked for on every
      // page load.
      bytes ??= Deno.readFile(url).catch((error) => {
        bytes = undefined;
        throw error;
      });
      return c.body(await bytes as Uint8Array<ArrayBuffer>, 200, {
        "content-type": "application/wasm",
        ...headers,
      });
    });
  }
}
