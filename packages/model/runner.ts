/**
 * A thin, typed runner over ONNX Runtime: natively through onnxruntime-node
 * where the runtime allows native addons, else on onnxruntime-web's wasm
 * backend.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import type {
  Backend,
  Float32Tensor,
  ModelSource,
  ResolvedBackend,
} from "./types.ts";
import type { Session } from "./_session.ts";
import { createWasmSession } from "./_wasm.ts";
import { createNativeSession, ffiPermission, importNative } from "./_native.ts";

/**
 * Options for {@linkcode OnnxModel.load}.
 *
 * @example
 * ```ts
 * import { OnnxModel, type RunnerOptions } from "@facever/model";
 * import { EMBEDDER_URL } from "@facever/weights";
 * // A lone process on a 4-core kiosk: one call may use every core.
 * const options: RunnerOptions = { backend: "native", threads: 4 };
 * const model = await OnnxModel.load(
 *   EMBEDDER_URL,
 *   options,
 * );
 * ```
 */
export interface RunnerOptions {
  /** Which ONNX Runtime runs the model (see {@linkcode Backend}). Default `"auto"`. */
  readonly backend?: Backend;
  /**
   * Threads of one inference call, a whole number of at least 1. Default 1,
   * which keeps a session on one core so that a `FacePool` of one worker
   * per core scales. On the native backend more threads cut the latency of
   * one call on an otherwise idle machine. On wasm, onnxruntime-web fixes
   * the number once per process, at the first session, and it must be 1
   * under Deno: multi-threaded wasm needs SharedArrayBuffer and workers
   * started from blob: URLs, which browsers with cross-origin isolation
   * allow and Deno does not.
   */
  readonly threads?: number;
}

const BACKENDS: readonly Backend[] = ["auto", "wasm", "native"];
const loaded = new Map<string, Promise<OnnxModel>>();

/**
 * The backend that {@linkcode OnnxModel.load} uses with `backend` in this
 * process (see {@linkcode Backend}).
 *
 * @throws {FaceError} `model_load_failed` when `backend` is `"native"` and
 * onnxruntime-node cannot load, with the reason.
 * @throws {RangeError} When `backend` is none of the three.
 *
 * @example
 * ```ts
 * import { resolveBackend } from "@facever/model";
 * console.log(await resolveBackend()); // "native" with --allow-ffi, else "wasm"
 * ```
 */
export async function resolveBackend(
  backend: Backend = "auto",
): Promise<ResolvedBackend> {
  if (!BACKENDS.includes(backend)) {
    throw new RangeError(
      `backend must be "auto", "wasm" or "native", got ${
        JSON.stringify(backend)
      }`,
    );
  }
  if (backend === "wasm") return "wasm";
  // "auto" never triggers a permission prompt: without --allow-ffi it does
  // not try the addon at all.
  if (backend === "auto" && ffiPermission() !== "granted") return "wasm";
  try {
    await importNative();
    return "native";
  } catch (cause) {
    if (backend === "auto") return "wasm";
    throw new FaceError(
      "model_load_failed",
      `backend "native" is unavailable: onnxruntime-node cannot load here (${
        (cause as Error).message
      }); it needs a runtime that loads Node-API addons and --allow-ffi, --allow-read and --allow-env; use backend "auto" to fall back to wasm, or "wasm"`,
      { cause },
    );
  }
}

/**
 * Reads a model's bytes from any {@linkcode ModelSource}.
 *
 * @example
 * ```ts
 * import { loadModelBytes } from "@facever/model";
 * import { EMBEDDER_URL } from "@facever/weights";
 * const bytes = await loadModelBytes(EMBEDDER_URL);
 * console.log(bytes.length > 0);
 * ```
 */
export async function loadModelBytes(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const url = source instanceof URL ? source : undefined;
  try {
    if (url && url.protocol !== "file:") {
      const response = await fetch(url);
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    }
    return await Deno.readFile(url ?? source);
  } catch (cause) {
    throw new FaceError(
      "model_load_failed",
      `cannot read model from ${String(source)}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * One loaded ONNX model. Create it with {@linkcode OnnxModel.load}; run it as
 * often as needed, batches included where the model's batch is dynamic.
 *
 * @example
 * ```ts
 * import { OnnxModel } from "@facever/model";
 * import { EMBEDDER_URL } from "@facever/weights";
 * const model = await OnnxModel.load(
 *   EMBEDDER_URL,
 * );
 * const input = new Float32Array(3 * 112 * 112);
 * const { output } = await model.run({ input: { data: input, dims: [1, 3, 112, 112] } });
 * console.log(model.backend, output.dims); // "native" or "wasm", [1, 512]
 * ```
 */
export class OnnxModel {
  readonly #session: Session;

  private constructor(session: Session) {
    this.#session = session;
  }

  /**
   * Loads and initialises a model. A path or URL is loaded once per process
   * and backend: later calls share the session, so every engine in a
   * process pays the start-up once.
   *
   * @throws {FaceError} `model_load_failed` when the model cannot be read
   * or initialised, or `backend` is `"native"` and onnxruntime-node cannot
   * load.
   * @throws {RangeError} When `backend` or `threads` is invalid.
   *
   * @example
   * ```ts
   * import { OnnxModel } from "@facever/model";
   * import { LANDMARKER_URL } from "@facever/weights";
   * const model = await OnnxModel.load(LANDMARKER_URL, { backend: "auto" });
   * console.log(model.inputNames); // ["input"]
   * ```
   */
  static async load(
    source: ModelSource,
    options: RunnerOptions = {},
  ): Promise<OnnxModel> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(
        `threads must be a whole number of at least 1, got ${threads}`,
      );
    }
    const backend = await resolveBackend(options.backend);
    if (source instanceof Uint8Array) {
      return await OnnxModel.#create(source, backend, threads);
    }
    const key = `${backend} ${threads} ${String(source)}`;
    let loading = loaded.get(key);
    if (!loading) {
      loading = OnnxModel.#create(source, backend, threads);
      // A failed load is not cached, so a fixed file can be retried.
      loading.catch(() => loaded.delete(key));
      loaded.set(key, loading);
    }
    return await loading;
  }

  static async #create(
    source: ModelSource,
    backend: ResolvedBackend,
    threads: number,
  ): Promise<OnnxModel> {
    const bytes = await loadModelBytes(source);
    try {
      return new OnnxModel(
        backend === "native"
          ? await createNativeSession(bytes, threads)
          : await createWasmSession(bytes, threads),
      );
    } catch (cause) {
      if (cause instanceof RangeError) throw cause;
      throw new FaceError(
        "model_load_failed",
        `cannot initialise model from ${
          source instanceof Uint8Array ? "bytes" : String(source)
        } on ${backend}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** The ONNX Runtime this model runs on. */
  get backend(): ResolvedBackend {
    return this.#session.backend;
  }

  /** Names of the model's inputs, in graph order. */
  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  /** Names of the model's outputs, in graph order. */
  get outputNames(): readonly string[] {
    return this.#session.outputNames;
  }

  /** Runs the model on float32 inputs and returns every output by name. */
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Promise<Record<string, Float32Tensor>> {
    return this.#session.run(feeds);
  }
}
