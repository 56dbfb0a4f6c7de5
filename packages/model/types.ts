/**
 * The types every part of the model package shares: where a model comes
 * from, which ONNX Runtime runs it, and the tensors it takes and gives.
 *
 * @module
 */

/** Where a model comes from: its bytes, a file path, or a `file:`/`http(s):` URL. */
export type ModelSource = Uint8Array | string | URL;

/**
 * Which ONNX Runtime runs the models.
 *
 * - `"native"`: onnxruntime-node, ONNX Runtime's CPU build as a Node-API
 *   addon: 3 to 5 times faster than wasm per model (7.5 against 24 ms for
 *   the embedder on a 2-core EPYC, `deno task bench:model`), and a
 *   first embedding about 0.2 s after process start instead of 1.4 s
 *   (`bench/cold_start.ts`). It needs a runtime that loads native
 *   addons (Deno on a server or kiosk, not Deno Deploy) and `--allow-ffi`
 *   besides `--allow-read` and `--allow-env`. Its binaries come inside the
 *   npm package: Deno does not run the package's install script, which
 *   would download optional CUDA files (with npm, set
 *   `ONNXRUNTIME_NODE_INSTALL=skip`).
 * - `"wasm"`: onnxruntime-web, which runs wherever WebAssembly does.
 * - `"auto"`: native when `--allow-ffi` is granted and onnxruntime-node
 *   loads, else wasm. It asks for no permission: without `--allow-ffi` it
 *   does not try the addon, so a terminal never prompts. On Deno Deploy,
 *   which grants no FFI, it is wasm; a runtime that reported FFI granted
 *   yet could not load the addon would fail the import, which is caught,
 *   and go on with wasm too.
 *
 * @example
 * ```ts
 * import { type Backend, OnnxModel } from "@facever/model";
 * import { LANDMARKER_URL } from "@facever/weights";
 * const backend: Backend = "wasm"; // the same code path everywhere
 * const model = await OnnxModel.load(
 *   LANDMARKER_URL,
 *   { backend },
 * );
 * console.log(model.backend); // "wasm"
 * ```
 */
export type Backend = "auto" | "wasm" | "native";

/**
 * The backend a model runs on: `"auto"` resolved.
 *
 * @example
 * ```ts
 * import { resolveBackend, type ResolvedBackend } from "@facever/model";
 * const backend: ResolvedBackend = await resolveBackend("auto");
 * console.log(backend); // "native" with --allow-ffi, else "wasm"
 * ```
 */
export type ResolvedBackend = Exclude<Backend, "auto">;

/**
 * A float32 tensor: flat data in row-major order and its dimensions.
 *
 * @example
 * ```ts
 * import type { Float32Tensor } from "@facever/model";
 * const face: Float32Tensor = {
 *   data: new Float32Array(3 * 112 * 112),
 *   dims: [1, 3, 112, 112],
 * };
 * console.log(face.data.length);
 * ```
 */
export interface Float32Tensor {
  /** The values, last dimension varying fastest. */
  readonly data: Float32Array;
  /** The size of each dimension; their product is `data.length`. */
  readonly dims: readonly number[];
}
