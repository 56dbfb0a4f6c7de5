// What every route of the app shares: the services it was built with and
// what the middleware learned about the request.

import type { Gallery } from "@facever/gallery";
import type {
  Analysis,
  AnalyzeOptions,
  ImageInput,
  ResolvedBackend,
} from "@facever/model";
import type { Challenges } from "./_challenges.ts";
import type { ApiKeys } from "./keys.ts";
import type { RateLimiter } from "./_rate_limit.ts";

/**
 * What the API needs of the face pipeline: a `FacePool` (one worker per
 * core), or a `FaceEngine` where one thread is all there is.
 */
export interface ApiEngine {
  readonly backend: ResolvedBackend;
  analyze(image: ImageInput, options: AnalyzeOptions): Promise<Analysis>;
}

/** The services of one app. */
export interface Services {
  readonly engine: ApiEngine;
  readonly keys: ApiKeys;
  readonly limiter: RateLimiter;
  /** The liveness challenges issued and not yet forgotten. */
  readonly challenges: Challenges;
  /** The gallery of a tenant, opened once and kept. */
  gallery(tenant: string): Promise<Gallery>;
  /**
   * The tenant of requests that carry no key, where that is allowed (a
   * kiosk's own browser on 127.0.0.1); `undefined` requires a key.
   */
  keylessTenant(remoteAddress: string | undefined): string | undefined;
}

/** Hono's environment of the app: its variables per request. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Set once the key (or the caller's address) is accepted. */
    tenant: string | undefined;
    services: Services;
    /** The error code answered, for the log line. */
    failure: string | undefined;
  };
}
