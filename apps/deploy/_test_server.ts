/**
 * The real server as a child process, for the tests of this app and the
 * API benchmarks (`@facever/deploy/test_server`): `deno run` of `main.ts`
 * with exactly the permissions of `deno task start`, widened only to the
 * folder of its KV file, on a port the system picks, ready once it prints
 * its "listening" line. Keys are made by running `keys.ts` the way
 * `deno task keys create` does.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The `deno` of the PATH, as `.ci/run` and the import check call it: a
 * benchmark task then needs only `--allow-run=deno` (the running
 * executable's own path may be another, such as npm's copy).
 */
const DENO = "deno";

/** The repository root: tasks run there, so `--allow-read=.` means it. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The arguments of a task of the root `deno.json` (`deno run FLAGS
 * SCRIPT`) after `deno`, with `extraDirs` added to its `--allow-read=` and
 * `--allow-write=` lists, so that a test's KV file outside the repository
 * is the only thing it may touch beyond what the task allows.
 *
 * @example
 * ```ts
 * import { taskArgs } from "@facever/deploy/test_server";
 * const args = await taskArgs("start", ["/tmp/kv"]);
 * console.log(args.at(-1)); // "apps/deploy/main.ts"
 * ```
 */
export async function taskArgs(
  task: "start" | "keys",
  extraDirs: readonly string[] = [],
): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const words: string[] = config.tasks[task].command.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`task ${task} is not "deno run FLAGS SCRIPT": ${words}`);
  }
  return words.slice(1).map((word) =>
    /^--allow-(read|write)=/.test(word) && extraDirs.length > 0
      ? `${word},${extraDirs.join(",")}`
      : word
  );
}

/**
 * Makes an API key for `tenant` in the KV file `kvPath` by running
 * `keys.ts create` as its task does, and returns the key (the last line
 * it prints).
 *
 * @example
 * ```ts ignore
 * import { createKey } from "@facever/deploy/test_server";
 * const key = await createKey("/tmp/kv/facever.kv", "acme");
 * console.log(key.startsWith("fv_")); // true
 * ```
 */
export async function createKey(
  kvPath: string,
  tenant: string,
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(DENO, {
    args: [...await taskArgs("keys", [dirname(kvPath)]), "create", tenant],
    cwd: ROOT,
    env: { KV_PATH: kvPath, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  if (code !== 0) {
    throw new Error(
      `keys create exited ${code}: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return text.slice(text.lastIndexOf("\n") + 1);
}

/**
 * What {@linkcode startServer} starts the server with.
 *
 * @example
 * ```ts
 * import type { ServerOptions } from "@facever/deploy/test_server";
 * const options: ServerOptions = { kvPath: "/tmp/kv/facever.kv", workers: 2 };
 * console.log(options.workers);
 * ```
 */
export interface ServerOptions {
  /** The KV file (`KV_PATH`); its folder is added to the read and write permissions. */
  readonly kvPath: string;
  /** `WORKERS`; default 1. */
  readonly workers?: number;
  /** `RATE_LIMIT`, requests per minute per key; default 10,000,000 (the most). */
  readonly rateLimit?: number;
  /** Longest wait for the "listening" line; default 120 s (a loaded machine). */
  readonly startTimeoutMs?: number;
  /** More environment variables of the server. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * A server child process, listening.
 *
 * @example
 * ```ts ignore
 * import { startServer } from "@facever/deploy/test_server";
 * await using server = await startServer({ kvPath: "/tmp/kv/facever.kv" });
 * console.log((await fetch(`${server.origin}/v1/health`)).status); // 200
 * ```
 */
export interface RunningServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The child, for its pid and signals. */
  readonly process: Deno.ChildProcess;
  /** Everything it wrote on stderr so far (its start line, any bug's stack). */
  stderr(): string;
  /** Stops it (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/**
 * Starts `apps/deploy/main.ts` on 127.0.0.1 with a free port and the
 * permissions of `deno task start`, and resolves once it listens. Its
 * request log (stdout) is discarded, as a production log would be written
 * away; stderr is kept for diagnosis.
 *
 * @throws {Error} When the server exits or stays silent before listening;
 * the message holds its stderr.
 *
 * @example
 * ```ts ignore
 * import { startServer } from "@facever/deploy/test_server";
 * const server = await startServer({ kvPath: "/tmp/kv/facever.kv", workers: 2 });
 * server.process.kill("SIGKILL");
 * await server.process.status;
 * ```
 */
export async function startServer(
  options: ServerOptions,
): Promise<RunningServer> {
  const process = new Deno.Command(DENO, {
    args: await taskArgs("start", [dirname(options.kvPath)]),
    cwd: ROOT,
    env: {
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      KV_PATH: options.kvPath,
      WORKERS: String(options.workers ?? 1),
      RATE_LIMIT: String(options.rateLimit ?? 10_000_000),
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const listening = Promise.withResolvers<string>();
  // Read stderr to its end, whatever happens, so that the pipe never
  // fills and blocks the server.
  const drained = (async () => {
    const lines = process.stderr.pipeThrough(new TextDecoderStream());
    let pending = "";
    for await (const chunk of lines) {
      text += chunk;
      pending += chunk;
      let end;
      while ((end = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        const origin = listeningOrigin(line);
        if (origin) listening.resolve(origin);
      }
    }
  })();
  const exited = process.status;
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    listening.promise,
    exited.then((status) => ({ exited: status })),
    new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), timeoutMs)
    ),
  ]);
  clearTimeout(timer);
  if (typeof outcome !== "string" || outcome === "timeout") {
    if (outcome === "timeout") process.kill("SIGKILL");
    await exited;
    await drained;
    throw new Error(
      outcome === "timeout"
        ? `the server did not listen within ${timeoutMs} ms: ${text}`
        : `the server exited (${outcome.exited.code}) before listening: ${text}`,
    );
  }
  const stop = async (graceMs = 10_000) => {
    try {
      process.kill("SIGTERM");
    } catch {
      // It has exited already.
    }
    const forced = setTimeout(() => {
      try {
        process.kill("SIGKILL");
      } catch {
        // It exited within the grace period after all.
      }
    }, graceMs);
    const status = await exited;
    clearTimeout(forced);
    await drained;
    return status;
  };
  return {
    origin: outcome,
    process,
    stderr: () => text,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/** The origin of main.ts's start line, if `line` is one. */
function listeningOrigin(line: string): string | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value?.listening === "string" ? value.listening : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One JSON call of the API: the status and the parsed body (`null` for
 * none).
 *
 * @example
 * ```ts ignore
 * import { callApi } from "@facever/deploy/test_server";
 * const { status, body } = await callApi("http://127.0.0.1:8000", "fv_…", "POST", "/v1/subjects", { id: "ada" });
 * console.log(status, body); // 201 { id: "ada", … }
 * ```
 */
export async function callApi(
  origin: string,
  key: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: {
      "x-api-key": key,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : JSON.parse(text),
  };
}

/**
 * `bytes` as base64, for JSON bodies.
 *
 * @example
 * ```ts
 * import { base64 } from "@facever/deploy/test_server";
 * console.log(base64(new Uint8Array([1, 2, 3]))); // "AQID"
 * ```
 */
export function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
