/**
 * A thin, typed runner over onnxruntime-web's wasm backend.
 *
 * @module
 */

import * as ort from "onnxruntime-web/wasm";
import { FaceError } from "@facever/core";

/** Where a model comes from: its bytes, a file path, or a `file:`/`http(s):` URL. */
export type ModelSource = Uint8Array | string | URL;

/** Options for {@linkcode OnnxModel.load}. */
export interface RunnerOptions {
  /**
   * Wasm threads for inference. onnxruntime-web fixes this once per process,
   * at the first session, so later values must match the first. Default 1:
   * multi-threaded wasm needs SharedArrayBuffer and workers started from
   * blob: URLs, which browsers with cross-origin isolation allow and Deno
   * does not.
   */
  readonly threads?: number;
}

/** A float32 tensor: flat data in row-major order and its dimensions. */
export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

let configuredThreads: number | undefined;
const loaded = new Map<string, Promise<OnnxModel>>();

function configureWasm(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(
      `threads must be a whole number of at least 1, got ${threads}`,
    );
  }
  if (threads > 1 && "Deno" in globalThis) {
    // onnxruntime-web starts its thread workers from blob: URLs, which
    // Deno's module loader refuses: the session would fail to load.
    throw new RangeError(
      `threads must be 1 under Deno (onnxruntime-web cannot start wasm threads there), got ${threads}; run several models in workers to use more cores`,
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
 * Reads a model's bytes from any {@linkcode ModelSource}.
 *
 * @example
 * ```ts
 * import { loadModelBytes } from "@facever/model";
 * const bytes = await loadModelBytes(new URL("../../weights/mobilefacenet.onnx", import.meta.url));
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
 * const model = await OnnxModel.load(
 *   new URL("../../weights/mobilefacenet.onnx", import.meta.url),
 * );
 * const input = new Float32Array(3 * 112 * 112);
 * const { output } = await model.run({ input: { data: input, dims: [1, 3, 112, 112] } });
 * console.log(output.dims); // [1, 512]
 * ```
 */
export class OnnxModel {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  /**
   * Loads and initialises a model; throws `FaceError("model_load_failed")`
   * when it cannot. A path or URL is loaded once per process: later calls
   * share the session, so every engine in a process pays the start-up once.
   */
  static async load(
    source: ModelSource,
    options: RunnerOptions = {},
  ): Promise<OnnxModel> {
    configureWasm(options.threads ?? 1);
    if (source instanceof Uint8Array) return await OnnxModel.#create(source);
    const key = String(source);
    let loading = loaded.get(key);
    if (!loading) {
      loading = OnnxModel.#create(source);
      // A failed load is not cached, so a fixed file can be retried.
      loading.catch(() => loaded.delete(key));
      loaded.set(key, loading);
    }
    return await loading;
  }

  static async #create(source: ModelSource): Promise<OnnxModel> {
    const bytes = await loadModelBytes(source);
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ["wasm"],
        graphOptimizationLevel: "all",
      });
      return new OnnxModel(session);
    } catch (cause) {
      throw new FaceError(
        "model_load_failed",
        `cannot initialise model from ${
          source instanceof Uint8Array ? "bytes" : String(source)
        }: ${(cause as Error).message}`,
        { cause },
      );
    }
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
  async run(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Promise<Record<string, Float32Tensor>> {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      inputs[name] = new ort.Tensor("float32", tensor.data, tensor.dims);
    }
    const results = await this.#session.run(inputs);
    const outputs: Record<string, Float32Tensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
      tensor.dispose();
    }
    return outputs;
  }
}
