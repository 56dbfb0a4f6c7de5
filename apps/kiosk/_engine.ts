// The face pipeline of every command: always the compiled wasm backend.
// onnxruntime-node's native addon does not survive `deno compile`, and the
// kiosk must behave alike under `deno run` and in the binary.

import { type DetectOptions, FaceEngine, FacePool } from "@facever/model";

/** One engine on this thread, for the commands that run one image at a time. */
export async function createEngine(threshold?: number): Promise<FaceEngine> {
  return await FaceEngine.create({ backend: "wasm", threshold });
}

/**
 * Engines on worker threads, so that serving requests and reading frames
 * go on meanwhile.
 */
export async function createPool(
  workers: number,
  detection?: DetectOptions,
): Promise<FacePool> {
  return await FacePool.create({ backend: "wasm", workers, detection });
}
