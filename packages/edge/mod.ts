/**
 * The facever web API, composed from `@facever/core`, `@facever/model` and
 * `@facever/gallery`: a Hono app that Deno Deploy, a server or a kiosk
 * serves with `Deno.serve`.
 *
 * ```ts
 * import { createApp } from "@facever/edge";
 * import { FacePool } from "@facever/model";
 * const kv = await Deno.openKv(":memory:");
 * const engine = await FacePool.create();
 * const app = createApp({ engine, kv });
 * console.log((await app.request("/v1/health")).status); // 200
 * await engine.close();
 * kv.close();
 * ```
 *
 * @module
 */
export * from "./app.ts";
export * from "./errors.ts";
export * from "./keys.ts";
