/**
 * MobileFaceNet embeddings and face detection on onnxruntime-web (wasm).
 *
 * @module
 */
export * from "./runner.ts";
