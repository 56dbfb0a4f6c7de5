/**
 * The bundled models, located from this module so that they are found
 * wherever the workspace runs: under `deno run`, inside a `deno compile`
 * binary built with `--include weights`, and on Deno Deploy. Nothing is
 * downloaded at run time. `manifest.json` records each file's source
 * package, licence and sha256; `deno task weights` regenerates them.
 *
 * @example
 * ```ts
 * import { EMBEDDER_WASM_URL } from "@facever/weights";
 * const bytes = await Deno.readFile(EMBEDDER_WASM_URL);
 * console.log(bytes.length > 0); // true
 * ```
 *
 * @module
 */

import manifest from "./manifest.json" with { type: "json" };

/**
 * MobileFaceNet as ONNX: a 112×112 BGR face, (x − 127.5) / 128, to a 512-d
 * embedding.
 *
 * @example
 * ```ts
 * import { EMBEDDER_URL } from "@facever/weights";
 * console.log(EMBEDDER_URL.pathname.endsWith("mobilefacenet.onnx")); // true
 * ```
 */
export const EMBEDDER_URL: URL = new URL(
  "./mobilefacenet.onnx",
  import.meta.url,
);

/**
 * The RFB-320 face detector as ONNX.
 *
 * @example
 * ```ts
 * import { DETECTOR_URL } from "@facever/weights";
 * console.log(DETECTOR_URL.pathname.endsWith("face_detector.onnx")); // true
 * ```
 */
export const DETECTOR_URL: URL = new URL(
  "./face_detector.onnx",
  import.meta.url,
);

/**
 * The 68-point landmark net as ONNX.
 *
 * @example
 * ```ts
 * import { LANDMARKER_URL } from "@facever/weights";
 * console.log(LANDMARKER_URL.pathname.endsWith("face_landmark68.onnx")); // true
 * ```
 */
export const LANDMARKER_URL: URL = new URL(
  "./face_landmark68.onnx",
  import.meta.url,
);

/**
 * The embedder compiled to wasm SIMD by `deno task weights`.
 *
 * @example
 * ```ts
 * import { EMBEDDER_WASM_URL } from "@facever/weights";
 * console.log(EMBEDDER_WASM_URL.pathname.endsWith(".wasm")); // true
 * ```
 */
export const EMBEDDER_WASM_URL: URL = new URL(
  "./mobilefacenet.wasm",
  import.meta.url,
);

/**
 * The detector, up to its heads, compiled for its 320×240 input.
 *
 * @example
 * ```ts
 * import { DETECTOR_WASM_URL } from "@facever/weights";
 * console.log(DETECTOR_WASM_URL.pathname.endsWith("320x240.wasm")); // true
 * ```
 */
export const DETECTOR_WASM_URL: URL = new URL(
  "./face_detector_320x240.wasm",
  import.meta.url,
);

/**
 * The detector compiled for the small inputs it also runs (small photos).
 *
 * @example
 * ```ts
 * import { DETECTOR_SMALL_WASM_URLS } from "@facever/weights";
 * console.log(DETECTOR_SMALL_WASM_URLS.length); // 1
 * ```
 */
export const DETECTOR_SMALL_WASM_URLS: readonly URL[] = [
  new URL("./face_detector_128x128.wasm", import.meta.url),
];

/**
 * The landmark net compiled to wasm SIMD.
 *
 * @example
 * ```ts
 * import { LANDMARKER_WASM_URL } from "@facever/weights";
 * console.log(LANDMARKER_WASM_URL.pathname.endsWith(".wasm")); // true
 * ```
 */
export const LANDMARKER_WASM_URL: URL = new URL(
  "./face_landmark68.wasm",
  import.meta.url,
);

/**
 * `manifest.json`: each file's source package, licence, sha256, input and
 * output contract.
 *
 * @example
 * ```ts
 * import { MANIFEST_URL } from "@facever/weights";
 * const manifest = JSON.parse(await Deno.readTextFile(MANIFEST_URL));
 * console.log(Object.keys(manifest));
 * ```
 */
export const MANIFEST_URL: URL = new URL("./manifest.json", import.meta.url);

/**
 * One file of the manifest, as `deno task weights` wrote it.
 *
 * @example
 * ```ts
 * import type { ManifestEntry } from "@facever/weights";
 * const short = (entry: ManifestEntry) => `${entry.id}@${entry.sha256.slice(0, 12)}`;
 * console.log(typeof short);
 * ```
 */
export interface ManifestEntry {
  /** Stable id, e.g. `"mobilefacenet"` or `"mobilefacenet_wasm"`. */
  readonly id: string;
  /** The file, beside this module. */
  readonly file: string;
  readonly format: string;
  readonly bytes: number;
  /** Lowercase hex sha256 of the file. */
  readonly sha256: string;
  readonly licence: string;
}

/**
 * The manifest's entries, read at import (so that they travel with the
 * code into a compiled binary or a deployment).
 *
 * @example
 * ```ts
 * import { MANIFEST } from "@facever/weights";
 * console.log(MANIFEST.models.map((model) => model.id));
 * ```
 */
export const MANIFEST: { readonly models: readonly ManifestEntry[] } =
  manifest;
