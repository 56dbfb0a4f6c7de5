/**
 * Runs a model that `deno task weights` compiled to WebAssembly, such as
 * `weights/mobilefacenet.wasm`: the same inputs and outputs as the ONNX file
 * it was compiled from, at less than half the time of onnxruntime-web (see
 * `weights/README.md`).
 *
 * The module needs WebAssembly SIMD and relaxed SIMD, which V8 has from
 * version 11.4 (every Deno 2, Chrome 114, Node 21; Node 20 lacks it);
 * {@linkcode WasmModel.load} says so with a {@linkcode WasmModelError}
 * where they are missing, so a caller can fall back to the ONNX file.
 *
 * @example
 * ```ts
 * import { WasmModel } from "./_compiled.ts";
 * import { EMBEDDER_WASM_URL } from "@facever/weights";
 * const model = await WasmModel.load(EMBEDDER_WASM_URL);
 * const face = new Float32Array(3 * 112 * 112);
 * const { output } = await model.run({ input: { data: face, dims: [1, 3, 112, 112] } });
 * console.log(output.dims); // [1, 512]
 * ```
 *
 * @module
 */

import { INTERFACE_SECTION, type Port } from "./_compiled_interface.ts";
import type { Float32Tensor } from "./types.ts";

/** Why a compiled model could not be loaded or run. */
export type WasmModelErrorCode =
  | "load_failed"
  | "unsupported_runtime"
  | "invalid_module"
  | "invalid_input";

/** A compiled model could not be loaded, or was given the wrong input. */
export class WasmModelError extends Error {
  /** What went wrong, for code that reacts to it. */
  readonly code: WasmModelErrorCode;

  /** Creates the error; `message` says what and where. */
  constructor(
    code: WasmModelErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "WasmModelError";
    this.code = code;
  }
}

function isPort(value: unknown): value is Port {
  if (typeof value !== "object" || value === null) return false;
  const { name, dims, offset, layout, pixelStride } = value as Record<
    string,
    unknown
  >;
  return typeof name === "string" && Number.isSafeInteger(offset) &&
    Array.isArray(dims) &&
    dims.every((dim) => Number.isSafeInteger(dim) && dim > 0) &&
    (layout === undefined || layout === "nhwc" && dims.length === 3) &&
    (pixelStride === undefined ||
      Number.isSafeInteger(pixelStride) && layout === "nhwc" &&
        (pixelStride as number) >= dims[2]);
}

/** Copies one item of an output from the module's memory into `out`. */
function readPort(
  heap: Float32Array,
  port: Port,
  out: Float32Array,
  at: number,
): void {
  const from = port.offset / 4;
  const size = port.dims.reduce((n, dim) => n * dim, 1);
  const stride = port.pixelStride ?? port.dims[port.dims.length - 1];
  const channels = port.dims[port.dims.length - 1];
  if (port.layout !== "nhwc" || stride === channels) {
    out.set(heap.subarray(from, from + size), at);
    return;
  }
  // Channels rounded up in memory are dropped.
  for (let p = 0; p < size / channels; p++) {
    out.set(
      heap.subarray(from + p * stride, from + p * stride + channels),
      at + p * channels,
    );
  }
}

/**
 * One compiled model, ready to run. Inputs and outputs have a leading batch
 * dimension; the items of a batch run one after another, so any batch size
 * works and costs the same per item.
 */
export class WasmModel {
  readonly #input: Port;
  readonly #outputs: readonly Port[];
  readonly #memory: WebAssembly.Memory;
  readonly #run: () => void;

  private constructor(
    input: Port,
    outputs: readonly Port[],
    memory: WebAssembly.Memory,
    run: () => void,
  ) {
    this.#input = input;
    this.#outputs = outputs;
    this.#memory = memory;
    this.#run = run;
  }

  /**
   * Compiles and instantiates a module from its bytes or a `file:`,
   * `http:` or `https:` URL.
   *
   * @throws {WasmModelError} `load_failed` when the file cannot be read,
   * `unsupported_runtime` when this runtime cannot compile SIMD or relaxed
   * SIMD, `invalid_module` when the bytes are not a compiled model.
   *
   * @example
   * ```ts
   * import { WasmModel, WasmModelError } from "./_compiled.ts";
   * import { EMBEDDER_WASM_URL } from "@facever/weights";
   * try {
   *   const model = await WasmModel.load(EMBEDDER_WASM_URL);
   *   console.log(model.inputNames); // ["input"]
   * } catch (error) {
   *   if (!(error instanceof WasmModelError && error.code === "unsupported_runtime")) throw error;
   *   // fall back to mobilefacenet.onnx on onnxruntime-web
   * }
   * ```
   */
  static async load(source: Uint8Array | URL): Promise<WasmModel> {
    const bytes = source instanceof Uint8Array
      ? source
      : await readSource(source);
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (cause) {
      // A module this runtime cannot compile is either not wasm at all or
      // uses instructions it lacks; the magic number tells them apart.
      const wasm = bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 &&
        bytes[3] === 0x6d;
      throw new WasmModelError(
        wasm ? "unsupported_runtime" : "invalid_module",
        wasm
          ? `this runtime cannot compile the model (it needs WebAssembly SIMD and relaxed SIMD): ${
            (cause as Error).message
          }`
          : "the bytes are not a WebAssembly module",
        { cause },
      );
    }
    const [section] = WebAssembly.Module.customSections(
      module,
      INTERFACE_SECTION,
    );
    let described: unknown;
    try {
      described = section && JSON.parse(new TextDecoder().decode(section));
    } catch (cause) {
      throw new WasmModelError(
        "invalid_module",
        `the module's ${INTERFACE_SECTION} section is not JSON`,
        { cause },
      );
    }
    const { input, outputs } = (described ?? {}) as Record<string, unknown>;
    if (
      !isPort(input) || input.layout !== undefined ||
      !Array.isArray(outputs) || outputs.length === 0 ||
      !outputs.every(isPort)
    ) {
      throw new WasmModelError(
        "invalid_module",
        `the module has no valid ${INTERFACE_SECTION} section: not a compiled model`,
      );
    }
    const instance = await WebAssembly.instantiate(module, {});
    const { memory, run } = instance.exports;
    if (!(memory instanceof WebAssembly.Memory) || typeof run !== "function") {
      throw new WasmModelError(
        "invalid_module",
        "the module does not export memory and run",
      );
    }
    return new WasmModel(input, outputs, memory, run as () => void);
  }

  /** The input's name, as in the ONNX graph the module was compiled from. */
  get inputNames(): readonly string[] {
    return [this.#input.name];
  }

  /** The dimensions of one input item, e.g. `[3, 112, 112]`. */
  get inputDims(): readonly number[] {
    return this.#input.dims;
  }

  /** The outputs' names, in the order the module was compiled with. */
  get outputNames(): readonly string[] {
    return this.#outputs.map((port) => port.name);
  }

  /**
   * Runs a batch. The work is synchronous; the result comes as a promise so
   * that the model can stand in for an onnxruntime session.
   *
   * @throws {WasmModelError} `invalid_input` when the feed is not the one
   * input with dimensions `[batch, ...item]` and matching data.
   */
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Promise<Record<string, Float32Tensor>> {
    try {
      return Promise.resolve(this.#runSync(feeds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #runSync(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Record<string, Float32Tensor> {
    const input = this.#input;
    const names = Object.keys(feeds);
    const feed = feeds[input.name];
    if (names.length !== 1 || !feed) {
      throw new WasmModelError(
        "invalid_input",
        `expected exactly the input "${input.name}", got ${
          names.map((name) => `"${name}"`).join(", ") || "none"
        }`,
      );
    }
    const [batch, ...item] = feed.dims;
    const itemSize = input.dims.reduce((n, dim) => n * dim, 1);
    if (
      !Number.isSafeInteger(batch) || batch < 0 ||
      item.length !== input.dims.length ||
      item.some((dim, i) => dim !== input.dims[i]) ||
      feed.data.length !== batch * itemSize
    ) {
      throw new WasmModelError(
        "invalid_input",
        `input "${input.name}" must be [batch, ${
          input.dims.join(", ")
        }] with matching data, got dims [${
          feed.dims.join(", ")
        }] and ${feed.data.length} values`,
      );
    }
    const sizes = this.#outputs.map((port) =>
      port.dims.reduce((n, dim) => n * dim, 1)
    );
    const outs = sizes.map((size) => new Float32Array(batch * size));
    const heap = new Float32Array(this.#memory.buffer);
    const inAt = input.offset / 4;
    for (let i = 0; i < batch; i++) {
      heap.set(feed.data.subarray(i * itemSize, (i + 1) * itemSize), inAt);
      this.#run();
      this.#outputs.forEach((port, o) =>
        readPort(heap, port, outs[o], i * sizes[o])
      );
    }
    return Object.fromEntries(
      this.#outputs.map((port, o) => [
        port.name,
        { data: outs[o], dims: [batch, ...port.dims] },
      ]),
    );
  }
}

async function readSource(url: URL): Promise<Uint8Array> {
  try {
    if (url.protocol === "file:") return await Deno.readFile(url);
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} ${response.statusText}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new WasmModelError(
      "load_failed",
      `cannot read the model from ${url.href}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
