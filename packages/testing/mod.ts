/**
 * Fixtures for the tests and benchmarks of every package: where LFW lies,
 * image files written in code, and reproducible random data. It imports no
 * package of the workspace, so any test may use it; library code never does
 * (the import check in `.ci/run` refuses it).
 *
 * @module
 */
export * from "./lfw.ts";
export * from "./images.ts";
export * from "./random.ts";
export * from "./http_fuzz.ts";
export * from "./formats.ts";
export * from "./heif.ts";
export * from "./image_fuzz.ts";
export * from "./fuzz_pipeline.ts";
export * from "./fuzz_child.ts";
export * from "./fuzz_runner.ts";
export * from "./photo_attacks.ts";
export * from "./canvas.ts";
export * from "./jpeg.ts";
