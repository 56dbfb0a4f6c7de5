/**
 * MobileFaceNet embeddings and face detection: on onnxruntime-node where
 * native addons load, on WebAssembly everywhere else (see `Backend`).
 *
 * @module
 */
export * from "./types.ts";
export * from "./runner.ts";
export * from "./detector.ts";
export * from "./embedder.ts";
export * from "./engine.ts";
export * from "./operating_points.ts";
export * from "./pool.ts";
