/**
 * The facever web API as a Hono app: `/v1` routes for detection,
 * embedding, verification, subjects and identification on Deno KV, one
 * JSON error envelope, API keys bound to tenants, per-key rate limits, an
 * OpenAPI 3.1 document and its docs page.
 *
 * @module
 */

import { OpenAPIHono } from "@hono/zod-openapi";
import { excerpt } from "@facever/core";
import { Gallery, type ScanPool } from "@facever/gallery";
import { MANIFEST } from "@facever/weights";
import type { ApiEngine, AppEnv, Services } from "./_context.ts";
import { docsRoutes } from "./_docs.ts";
import { identifyRoute } from "./_identify_route.ts";
import { imageRoutes } from "./_image_routes.ts";
import { subjectRoutes } from "./_subject_routes.ts";
import { challengeRoutes } from "./_challenge_routes.ts";
import { Challenges } from "./_challenges.ts";
import {
  authenticate,
  bodyLimit,
  errorResponse,
  requestContext,
  type RequestLog,
  timeLimit,
  urlencodedAsBytes,
} from "./_middleware.ts";
import { RateLimiter } from "./_rate_limit.ts";
import { ApiError } from "./errors.ts";
import { ApiKeys } from "./keys.ts";
import { EMBEDDING_LENGTH } from "./_inputs.ts";

export type { ApiEngine, RequestLog };

/** The version the health route reports. */
export const VERSION = "0.1.0";

/**
 * Default {@linkcode ApiOptions.maxBodyBytes}: 10 MB, a phone photo with
 * room to spare.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_BYTES } from "@facever/edge";
 * console.log(DEFAULT_MAX_BODY_BYTES); // 10485760
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES: number = 10 * 1024 * 1024;

/**
 * Default {@linkcode ApiOptions.requestsPerMinute} of each key.
 *
 * @example
 * ```ts
 * import { DEFAULT_REQUESTS_PER_MINUTE } from "@facever/edge";
 * console.log(DEFAULT_REQUESTS_PER_MINUTE); // 600
 * ```
 */
export const DEFAULT_REQUESTS_PER_MINUTE: number = 600;

/**
 * Default {@linkcode ApiOptions.timeoutMs}.
 *
 * @example
 * ```ts
 * import { DEFAULT_TIMEOUT_MS } from "@facever/edge";
 * console.log(DEFAULT_TIMEOUT_MS); // 30000
 * ```
 */
export const DEFAULT_TIMEOUT_MS: number = 30_000;

/**
 * Default {@linkcode ApiOptions.challengeTtlMs}: a minute, for a person to
 * read the moves, film them and send them.
 *
 * @example
 * ```ts
 * import { DEFAULT_CHALLENGE_TTL_MS } from "@facever/edge";
 * console.log(DEFAULT_CHALLENGE_TTL_MS); // 60000
 * ```
 */
export const DEFAULT_CHALLENGE_TTL_MS: number = 60_000;

/**
 * What {@linkcode createApp} builds the API from.
 *
 * @example
 * ```ts
 * import type { ApiOptions } from "@facever/edge";
 * const limits: Partial<ApiOptions> = { requestsPerMinute: 6000, timeoutMs: 10_000 };
 * console.log(limits);
 * ```
 */
export interface ApiOptions {
  /** The face pipeline: a `FacePool` (one worker per core) or a `FaceEngine`. */
  readonly engine: ApiEngine;
  /** Where keys, subjects and faces live. */
  readonly kv: Deno.Kv;
  /** Seals every stored embedding (see `encryptionKeyFromEnv`). */
  readonly encryptionKey?: CryptoKey;
  /** Largest request body, in bytes; default {@linkcode DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
  /** Requests per minute of each key; default {@linkcode DEFAULT_REQUESTS_PER_MINUTE}. */
  readonly requestsPerMinute?: number;
  /** Longest a request may take; default {@linkcode DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /**
   * How long a liveness challenge may be answered, in ms; default
   * {@linkcode DEFAULT_CHALLENGE_TTL_MS}.
   */
  readonly challengeTtlMs?: number;
  /**
   * How stale a gallery's index may be when it answers (see `Gallery`);
   * the bound within which a face enrolled through another server is found.
   */
  readonly maxStalenessMs?: number;
  /**
   * Threads that share the scans of large galleries with the thread that
   * serves (see `ScanPool`); default none. The caller closes it.
   */
  readonly scanPool?: ScanPool;
  /**
   * The tenant of requests without a key from a loopback address (a
   * kiosk's own page); `undefined`, the default, requires a key from
   * everyone.
   */
  readonly loopbackTenant?: string;
  /** Writes one line per request; default: JSON on stdout. */
  readonly log?: (line: RequestLog) => void;
}

/** The id galleries are opened with: the embedder's file, by its hash. */
export const MODEL_ID: string = (() => {
  const model = MANIFEST.models.find(({ id }) => id === "mobilefacenet");
  return `mobilefacenet@${model?.sha256.slice(0, 16)}`;
})();

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * The API as a Hono app; serve it with `Deno.serve(app.fetch)`.
 *
 * @throws {RangeError} For a limit out of range.
 *
 * @example
 * ```ts
 * import { createApp } from "@facever/edge";
 * import { FacePool } from "@facever/model";
 * const kv = await Deno.openKv(":memory:");
 * await using engine = await FacePool.create();
 * const app = createApp({ engine, kv });
 * const response = await app.request("/v1/health");
 * console.log(response.status); // 200
 * kv.close();
 * ```
 */
export function createApp(options: ApiOptions): OpenAPIHono<AppEnv> {
  const maxBodyBytes = positive(
    options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    "maxBodyBytes",
  );
  const timeoutMs = positive(
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    "timeoutMs",
  );
  const limiter = new RateLimiter(
    options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
    60_000,
  );
  const challengeTtlMs = positive(
    options.challengeTtlMs ?? DEFAULT_CHALLENGE_TTL_MS,
    "challengeTtlMs",
  );
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const galleries = new Map<string, Promise<Gallery>>();
  const services: Services = {
    engine: options.engine,
    keys: new ApiKeys(options.kv),
    limiter,
    challenges: new Challenges(options.kv, challengeTtlMs),
    gallery(tenant) {
      let gallery = galleries.get(tenant);
      if (!gallery) {
        gallery = Gallery.open(options.kv, {
          tenant,
          modelId: MODEL_ID,
          dims: EMBEDDING_LENGTH,
          encryptionKey: options.encryptionKey,
          maxStalenessMs: options.maxStalenessMs,
          scanPool: options.scanPool,
        });
        // A failed open is retried by the next request.
        gallery.catch(() => galleries.delete(tenant));
        galleries.set(tenant, gallery);
      }
      return gallery;
    },
    keylessTenant(address) {
      return address !== undefined && LOOPBACK.has(address)
        ? options.loopbackTenant
        : undefined;
    },
  };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(
          "invalid_request",
          "the request does not match the API's schema",
          result.error.issues.map(({ path, message }) => ({
            path: path.map((segment) => excerpt(String(segment))).join("."),
            message,
          })),
        );
      }
    },
  });
  app.use("*", requestContext(log));
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  app.onError((error, c) =>
    errorResponse(error, c, (bug, requestId) =>
      console.error(JSON.stringify({
        requestId,
        bug: bug instanceof Error ? bug.stack ?? bug.message : String(bug),
      })))
  );
  app.notFound(() => {
    throw new ApiError("route_not_found", "no such route; see /docs");
  });
  app.use("/v1/*", timeLimit(timeoutMs));
  app.use("/v1/*", bodyLimit(maxBodyBytes));
  app.use("/v1/*", urlencodedAsBytes());
  app.use("/v1/*", async (c, next) => {
    const path = c.req.path;
    if (path === "/v1/health" || path === "/v1/openapi.json") {
      return await next();
    }
    return await authenticate()(c, next);
  });

  imageRoutes(app, VERSION);
  subjectRoutes(app);
  identifyRoute(app);
  challengeRoutes(app);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
  });
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "facever",
      version: VERSION,
      description:
        "Face detection, verification and identification. Every error is one JSON envelope {error: {code, message, details?}, requestId}.",
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  });
  docsRoutes(app);
  return app;
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}
