// The bundled models, resolved relative to this file so that `deno compile
// --include weights` and Deno Deploy find them without any download.
export const EMBEDDER_URL = new URL(
  "../../weights/mobilefacenet.onnx",
  import.meta.url,
);
export const DETECTOR_URL = new URL(
  "../../weights/face_detector.onnx",
  import.meta.url,
);
export const LANDMARKER_URL = new URL(
  "../../weights/face_landmark68.onnx",
  import.meta.url,
);
// The embedder compiled to wasm SIMD by `deno task weights` (see weights/README.md).
export const EMBEDDER_WASM_URL = new URL(
  "../../weights/mobilefacenet.wasm",
  import.meta.url,
);
// The detector (to its heads, per input size) and the landmark net,
// compiled the same way.
export const DETECTOR_WASM_URL = new URL(
  "../../weights/face_detector_320x240.wasm",
  import.meta.url,
);
// The detector compiled for the small inputs it also runs.
export const DETECTOR_SMALL_WASM_URLS: readonly URL[] = [
  new URL("../../weights/face_detector_128x128.wasm", import.meta.url),
];
export const LANDMARKER_WASM_URL = new URL(
  "../../weights/face_landmark68.wasm",
  import.meta.url,
);
