// The middleware of every request: its id, its log line, its error
// envelope, its body and time limits, and who sends it (key → tenant, then
// the key's rate budget).

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./_context.ts";
import { ApiError, toEnvelope } from "./errors.ts";

/** One structured log line per request; never a key or an image. */
export interface RequestLog {
  readonly time: string;
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly ms: number;
  readonly tenant: string | null;
  readonly error?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives the request an id (the caller's `x-request-id` when it is a short
 * token, else a new UUID), answers with it, and writes the log line once
 * the answer is known.
 */
export function requestContext(
  log: (line: RequestLog) => void,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given)
      ? given
      : crypto.randomUUID();
    c.set("requestId", requestId);
    await next();
    c.header("x-request-id", requestId);
    const failure = c.get("failure");
    log({
      time: new Date().toISOString(),
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      tenant: c.get("tenant") ?? null,
      ...(failure ? { error: failure } : {}),
    });
  };
}

/**
 * The answer to any thrown error: the JSON envelope, with its status and
 * the request id; the cause of a 500 goes to the log, not the client.
 */
export function errorResponse(
  error: unknown,
  c: Context<AppEnv>,
  logBug: (error: unknown, requestId: string) => void,
): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const { status, body, bug } = toEnvelope(fromHono(error), requestId);
  if (bug) logBug(error, requestId);
  c.set("failure", body.error.code);
  const response = c.json(body, status as 400);
  response.headers.set("x-request-id", requestId);
  if (error instanceof ApiError && error.code === "rate_limited") {
    const { retryAfter } = error.details as { retryAfter: number };
    response.headers.set("retry-after", String(retryAfter));
  }
  return response;
}

/** Hono's own exceptions (bad JSON, media type, body limit) as ours. */
function fromHono(error: unknown): unknown {
  if (!(error instanceof HTTPException)) return error;
  const message = error.message || "the request cannot be read";
  switch (error.status) {
    case 413:
      return new ApiError("payload_too_large", message);
    case 415:
      return new ApiError(
        "unsupported_media_type",
        "send JSON, multipart/form-data, or the image itself as the body",
      );
    case 404:
      return new ApiError("route_not_found", message);
    default:
      return error.status < 500
        ? new ApiError("invalid_request", message)
        : error;
  }
}

/** Fails a request that takes longer than `ms` with a `timeout` error. */
export function timeLimit(ms: number): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ApiError(
              "timeout",
              `the request took longer than ${
                ms / 1000
              } s; try a smaller image`,
            ),
          ),
        ms,
      );
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Refuses a body over `bytes` while it is read: from its Content-Length
 * when it declares one, else by counting as it streams in.
 *
 * A declared length is checked here, from the header alone: Hono's
 * middleware first asks the request for its body stream, and a body read
 * through that stream rather than by the runtime at once costs a small
 * request (an embedding) about a third of its CPU time behind `Deno.serve`
 * (measured: 0.41 → 0.30 ms per request at one connection). HTTP framing
 * holds a body to its declared length, so nothing more can come in.
 */
export function bodyLimit(bytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError(
      "payload_too_large",
      `the body is larger than ${bytes} bytes`,
      { maxBytes: bytes },
    );
  const streamed = honoBodyLimit({
    maxSize: bytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared === undefined || c.req.header("transfer-encoding")) {
      return await streamed(c, next);
    }
    if (!(Number(declared) <= bytes)) throw tooLarge();
    await next();
  };
}

/**
 * A body sent as `application/x-www-form-urlencoded` is taken for what it
 * is on this API, the bytes of an image: that is what `curl --data-binary
 * @photo.jpg` sends without a type, and the format is read from the bytes
 * anyway. No route takes a URL-encoded form.
 */
export function urlencodedAsBytes(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/octet-stream");
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  };
}

/**
 * Finds the tenant: from the API key (`Authorization: Bearer KEY` or
 * `x-api-key: KEY`), or, where the app allows it, from the caller's
 * address alone. Every failure is the same 401.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const services = c.get("services");
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)
      ?.[1];
    const key = bearer ?? c.req.header("x-api-key");
    if (key === undefined) {
      const keyless = services.keylessTenant(remoteAddress(c));
      if (keyless === undefined) {
        throw new ApiError(
          "unauthorized",
          "an API key is required: Authorization: Bearer KEY or x-api-key: KEY",
        );
      }
      c.set("tenant", keyless);
      return await next();
    }
    const info = await services.keys.authenticate(key.trim());
    if (!info) {
      throw new ApiError("unauthorized", "the API key is not valid");
    }
    c.set("tenant", info.tenant);
    const decision = services.limiter.take(info.id);
    c.header("RateLimit-Limit", String(decision.limit));
    c.header("RateLimit-Remaining", String(decision.remaining));
    c.header("RateLimit-Reset", String(decision.resetSeconds));
    if (!decision.allowed) {
      throw new ApiError(
        "rate_limited",
        `this key's request budget is spent; retry in ${decision.retryAfterSeconds} s`,
        { retryAfter: decision.retryAfterSeconds },
      );
    }
    await next();
  };
}

function remoteAddress(c: Context): string | undefined {
  // Deno.serve passes the connection info as the handler's second
  // argument, which Hono keeps as its env.
  const info = (c.env as { remoteAddr?: { hostname?: string } } | undefined)
    ?.remoteAddr;
  return info?.hostname;
}
