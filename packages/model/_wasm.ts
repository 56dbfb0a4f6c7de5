// The onnxruntime-web (wasm) backend: loaded on first use, so a process that
// runs natively never parses its bundle or compiles its 12 MB of wasm.

import type * as WebOrt from "onnxruntime-web/wasm";
import { ortSession, type Session } from "./_session.ts";

type Ort = typeof WebOrt;

let runtime: Promise<Ort> | undefined;
let configuredThreads: number | undefined;

/**
 * The global `Worker` before onnxruntime-web's wasm factory ran. Taking
 * Deno for Node, the factory replaces it, as it initialises, with Node's
 * `worker_threads` one (for wasm threads, which Deno cannot use anyway):
 * every worker started after that, FacePool's included, would be a Node
 * worker, without `self` or `onmessage`. It is put back after each session
 * is created.
 */
const WebWorker = globalThis.Worker;

/**
 * onnxruntime-web, imported once. Its bundle captures `location.origin` as
 * it is evaluated and resolves its own URL against it; in a worker started
 * from a file the origin is the string "null", which is no base URL, so the
 * import would throw. Hiding `location` while the bundle is evaluated makes
 * it behave as on the main thread, which has no `location`.
 */
function importRuntime(): Promise<Ort> {
  runtime ??= (async () => {
    const own = Object.getOwnPropertyDescriptor(globalThis, "location");
    const hide = own?.configurable === true &&
      (globalThis as { location?: { origin: string } }).location?.origin ===
        "null";
    if (hide) {
      Object.defineProperty(globalThis, "location", {
        value: undefined,
        configurable: true,
      });
    }
    try {
      return await import("onnxruntime-web/wasm");
    } finally {
      if (hide) Object.defineProperty(globalThis, "location", own);
    }
  })();
  return runtime;
}

function configureThreads(ort: Ort, threads: number): void {
  if (threads > 1 && "Deno" in globalThis) {
    // onnxruntime-web starts its thread workers from blob: URLs, which
    // Deno's module loader refuses: the session would fail to load.
    throw new RangeError(
      `threads must be 1 under Deno on the wasm backend (onnxruntime-web cannot start wasm threads there), got ${threads}; use the native backend, or a FacePool of several workers, to use more cores`,
    );
  }
  if (configuredThreads === undefined) {
    ort.env.wasm.numThreads = threads;
    configuredThreads = threads;
  } else if (configuredThreads !== threads) {
    throw new RangeError(
      `onnxruntime-web already runs with ${configuredThreads} thread(s) in this process; cannot switch to ${threads}`,
    );
  }
}

/**
 * Creates a wasm session. `threads` is fixed once per process by
 * onnxruntime-web, so later values must match the first.
 */
export async function createWasmSession(
  bytes: Uint8Array,
  threads: number,
): Promise<Session> {
  const ort = await importRuntime();
  configureThreads(ort, threads);
  let session: WebOrt.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ["wasm"],
      graphOptimizationLevel: "all",
    });
  } finally {
    globalThis.Worker = WebWorker;
  }
  return ortSession(
    "wasm",
    session,
    (data, dims) => new ort.Tensor("float32", data, dims),
  );
}
