// The bundled models compiled to wasm SIMD (see weights/README.md), loaded
// once per process and shared, like the ONNX sessions of runner.ts.
import { FaceError } from "@facever/core";
import { WasmModel, WasmModelError } from "./_compiled.ts";

const loaded = new Map<string, Promise<WasmModel | undefined>>();

/**
 * The compiled model at `url`, or `undefined` where this runtime cannot
 * compile it (no relaxed SIMD): the caller then runs the ONNX file.
 *
 * @throws {FaceError} `model_load_failed` when the file is missing or not a
 * compiled model; that failure is not cached, so a fixed file is retried.
 */
export function loadBundledWasm(url: URL): Promise<WasmModel | undefined> {
  let model = loaded.get(url.href);
  if (!model) {
    model = load(url);
    loaded.set(url.href, model);
  }
  return model;
}

async function load(url: URL): Promise<WasmModel | undefined> {
  try {
    return await WasmModel.load(url);
  } catch (cause) {
    if (
      cause instanceof WasmModelError && cause.code === "unsupported_runtime"
    ) {
      return undefined;
    }
    loaded.delete(url.href);
    throw new FaceError(
      "model_load_failed",
      `cannot load the compiled model ${url.href}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
