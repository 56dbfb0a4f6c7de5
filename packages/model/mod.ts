/**
 * MobileFaceNet embeddings and face detection, and an opt-in passive
 * liveness check and eye openness: on onnxruntime-node where native addons
 * load, on WebAssembly everywhere else (see `Backend`).
 *
 * @module
 */
export * from "./types.ts";
export * from "./runner.ts";
export * from "./detector.ts";
export * from "./embedder.ts";
export * from "./engine.ts";
export * from "./liveness.ts";
export * from "./eyes.ts";
export * from "./operating_points.ts";
export * from "./pool.ts";
export * from "./rounded_face.ts";
