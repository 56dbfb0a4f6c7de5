/**
 * Pure TypeScript image handling for face verification: decoding, landmark
 * alignment, normalisation and cosine similarity. It uses no Deno API, so it
 * runs in any JavaScript runtime.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./types.ts";
export * from "./image.ts";
export * from "./align.ts";
export * from "./tensor.ts";
export * from "./similarity.ts";
export * from "./decode.ts";
export * from "./limits.ts";
export * from "./source.ts";
export * from "./quality.ts";
