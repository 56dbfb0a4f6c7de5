/**
 * MobileFaceNet embeddings and face detection on onnxruntime-web (wasm).
 *
 * @module
 */
export * from "./runner.ts";
export * from "./detector.ts";
export * from "./embedder.ts";
export * from "./engine.ts";
export * from "./pool.ts";
