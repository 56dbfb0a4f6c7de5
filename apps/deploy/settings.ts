/**
 * The server's settings from its environment, read once and checked, so
 * that a wrong value stops the start with a message instead of serving
 * with a surprise.
 *
 * @module
 */

import { dirname } from "node:path";

/**
 * What `deno task start` and Deno Deploy run with.
 *
 * @example
 * ```ts
 * import { serverSettings } from "./settings.ts";
 * const settings = serverSettings((name) => ({ PORT: "9000" })[name]);
 * console.log(settings.port); // 9000
 * ```
 */
export interface ServerSettings {
  readonly port: number;
  readonly hostname: string;
  /** A KV file or KV Connect URL; `undefined` for the platform's own KV. */
  readonly kvPath: string | undefined;
  /** Engines on worker threads; 0 runs one on the main thread. */
  readonly workers: number;
  /** Threads that help the main thread scan large galleries; 0 for none. */
  readonly scanThreads: number;
  readonly requestsPerMinute: number | undefined;
  readonly maxBodyBytes: number | undefined;
}

/** Where the KV file lives when nothing says otherwise, off Deno Deploy. */
export const DEFAULT_KV_PATH = "data/facever.kv";

/**
 * Reads the settings from `env` (a variable's value, or `undefined`).
 *
 * @throws {RangeError} When a variable holds a value out of its range.
 *
 * @example
 * ```ts
 * import { serverSettings } from "./settings.ts";
 * console.log(serverSettings(() => undefined).kvPath); // "data/facever.kv"
 * ```
 */
export function serverSettings(
  env: (name: string) => string | undefined,
): ServerSettings {
  // Deno Deploy sets DENO_DEPLOYMENT_ID; there KV is the platform's and
  // worker threads are not available.
  const onDeploy = env("DENO_DEPLOYMENT_ID") !== undefined;
  return {
    port: whole(env, "PORT", 8000, 0, 65535),
    hostname: env("HOSTNAME") ?? "0.0.0.0",
    kvPath: env("KV_PATH") ?? (onDeploy ? undefined : DEFAULT_KV_PATH),
    workers: whole(
      env,
      "WORKERS",
      onDeploy ? 0 : navigator.hardwareConcurrency,
      0,
      256,
    ),
    scanThreads: whole(
      env,
      "SCAN_THREADS",
      onDeploy ? 0 : Math.max(0, navigator.hardwareConcurrency - 1),
      0,
      256,
    ),
    requestsPerMinute: optionalWhole(env, "RATE_LIMIT", 1, 10_000_000),
    maxBodyBytes: optionalWhole(env, "MAX_BODY_BYTES", 1, 1024 ** 3),
  };
}

/**
 * Opens the KV store of `path`, making the folder of a local file first.
 *
 * @example
 * ```ts
 * import { openStore } from "./settings.ts";
 * const kv = await openStore(":memory:");
 * kv.close();
 * ```
 */
export async function openStore(path: string | undefined): Promise<Deno.Kv> {
  if (path !== undefined && path !== ":memory:" && !/^https?:/.test(path)) {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  return await Deno.openKv(path);
}

function whole(
  env: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return optionalWhole(env, name, min, max) ?? fallback;
}

function optionalWhole(
  env: (name: string) => string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = env(name);
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be a whole number from ${min} to ${max}, got "${text}"`,
    );
  }
  return value;
}
