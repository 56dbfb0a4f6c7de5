/**
 * Enrolment and 1:N identification of faces, stored in Deno KV: a
 * {@linkcode Gallery} per tenant holds subjects and their face embeddings,
 * answers "who is this?" exactly over a million faces with an in-memory
 * int8 + WebAssembly SIMD index, and {@linkcode enrolFolder} enrols a
 * folder of photos through any face pipeline. Needs `--unstable-kv`.
 *
 * ```ts
 * import { Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * await gallery.createSubject("ada");
 * await gallery.addFace("ada", [0.6, 0.8]);
 * console.log(await gallery.identify([0.8, 0.6], { threshold: 0.5 }));
 * kv.close();
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./gallery.ts";
export * from "./encryption.ts";
export * from "./enrol_types.ts";
export * from "./enrol.ts";
export * from "./progress.ts";
export * from "./gates.ts";
export * from "./challenge.ts";
export * from "./scan_pool.ts";
