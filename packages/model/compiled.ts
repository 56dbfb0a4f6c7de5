/**
 * The contract of the models compiled to wasm SIMD: what `deno task
 * weights` writes (the interface section, its ports) and what runs it
 * ({@linkcode WasmModel}), with the decoding of the compiled detector's
 * heads into scored boxes. The weights compiler and its tests use this
 * export; applications use `FaceEngine` instead.
 *
 * @example
 * ```ts
 * import { WasmModel } from "@facever/model/compiled";
 * import { EMBEDDER_WASM_URL } from "@facever/weights";
 * const model = await WasmModel.load(EMBEDDER_WASM_URL);
 * console.log(model.inputNames, model.outputNames); // ["input"] ["output"]
 * ```
 *
 * @module
 */
export * from "./_compiled_interface.ts";
export {
  WasmModel,
  WasmModelError,
  type WasmModelErrorCode,
} from "./_compiled.ts";
export { type Candidate, decodeHeads, priorBoxes } from "./_detector_heads.ts";
export type { Float32Tensor } from "./types.ts";
