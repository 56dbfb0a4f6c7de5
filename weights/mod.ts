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
import calibration from "./operating_points.json" with { type: "json" };

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
 * The passive liveness (presentation attack detection) net as ONNX: a
 * 128×128 BGR crop of 2.7 times the face box, values 0..255 unscaled, to 3
 * logits of which index 0 is bona fide.
 *
 * @example
 * ```ts
 * import { LIVENESS_URL } from "@facever/weights";
 * console.log(LIVENESS_URL.pathname.endsWith("face_liveness.onnx")); // true
 * ```
 */
export const LIVENESS_URL: URL = new URL(
  "./face_liveness.onnx",
  import.meta.url,
);

/**
 * The liveness net compiled to wasm SIMD.
 *
 * @example
 * ```ts
 * import { LIVENESS_WASM_URL } from "@facever/weights";
 * console.log(LIVENESS_WASM_URL.pathname.endsWith("face_liveness.wasm")); // true
 * ```
 */
export const LIVENESS_WASM_URL: URL = new URL(
  "./face_liveness.wasm",
  import.meta.url,
);

/**
 * The eye state net as ONNX: a 24×24 grey crop of one eye, x / 255, to 2
 * logits, closed then open.
 *
 * @example
 * ```ts
 * import { EYE_STATE_URL } from "@facever/weights";
 * console.log(EYE_STATE_URL.pathname.endsWith("eye_state.onnx")); // true
 * ```
 */
export const EYE_STATE_URL: URL = new URL(
  "./eye_state.onnx",
  import.meta.url,
);

/**
 * The eye state net compiled to wasm SIMD.
 *
 * @example
 * ```ts
 * import { EYE_STATE_WASM_URL } from "@facever/weights";
 * console.log(EYE_STATE_WASM_URL.pathname.endsWith("eye_state.wasm")); // true
 * ```
 */
export const EYE_STATE_WASM_URL: URL = new URL(
  "./eye_state.wasm",
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
export const MANIFEST: { readonly models: readonly ManifestEntry[] } = manifest;

/**
 * The rates of one threshold on all the pairs that a set of people gives:
 * every pair of two images of different people (impostor) and of the same
 * person (genuine). A match is a cosine at or above the threshold.
 *
 * @example
 * ```ts
 * import type { PairCounts } from "@facever/weights";
 * const expected = (counts: PairCounts) => counts.far * counts.impostorPairs;
 * console.log(typeof expected);
 * ```
 */
export interface PairCounts {
  /** False accept rate: `falseAccepts / impostorPairs`. */
  readonly far: number;
  /** True accept rate: `trueAccepts / genuinePairs`. */
  readonly tar: number;
  readonly falseAccepts: number;
  readonly impostorPairs: number;
  readonly trueAccepts: number;
  readonly genuinePairs: number;
}

/**
 * The rates of one threshold on an LFW View 1 pair list (half same-person,
 * half different-person pairs).
 *
 * @example
 * ```ts
 * import type { PairListRates } from "@facever/weights";
 * const rates: PairListRates = { accuracy: 0.992, far: 0.006, tar: 0.99, pairs: 1000 };
 * console.log(rates.accuracy);
 * ```
 */
export interface PairListRates {
  readonly accuracy: number;
  readonly far: number;
  readonly tar: number;
  /** Pairs in the list. */
  readonly pairs: number;
}

/**
 * One calibrated decision threshold: what it was chosen for, and what it
 * gives on the LFW View 1 people it was chosen on and on the held-out ones.
 *
 * @example
 * ```ts
 * import type { OperatingPoint } from "@facever/weights";
 * const describe = (point: OperatingPoint) =>
 *   `${point.name}: ${point.threshold} (held-out FAR ${point.heldOut.far})`;
 * console.log(typeof describe);
 * ```
 */
export interface OperatingPoint {
  /** `"accuracy"`, or `"far-1e-3"`-style for a false accept rate target. */
  readonly name: string;
  /** Cosine similarity at or above which two faces match. */
  readonly threshold: number;
  /**
   * The false accept rate the threshold was chosen not to exceed on the
   * training people's impostor pairs; `null` for the accuracy-maximising
   * point, chosen on the `pairsDevTrain.txt` pairs.
   */
  readonly targetFar: number | null;
  /** On every pair of images of the people of `pairsDevTrain.txt`. */
  readonly train: PairCounts;
  /** On every pair of images of the people of `pairsDevTest.txt`. */
  readonly heldOut: PairCounts;
  /** On the View 1 pair lists themselves. */
  readonly pairLists: {
    readonly train: PairListRates;
    readonly heldOut: PairListRates;
  };
}

/**
 * The people and images a calibration used, for one part of LFW View 1.
 *
 * @example
 * ```ts
 * import type { CalibrationSet } from "@facever/weights";
 * const perPerson = (set: CalibrationSet) => set.images / set.people;
 * console.log(typeof perPerson);
 * ```
 */
export interface CalibrationSet {
  /** The pair list whose people these are, e.g. `"pairsDevTrain.txt"`. */
  readonly pairList: string;
  readonly people: number;
  readonly images: number;
  /** Images where no face was found: they score −1 in every pair. */
  readonly noFace: number;
}

/**
 * `operating_points.json`, as `deno task calibrate` wrote it: the
 * thresholds the project ships, chosen on the people of LFW View 1
 * `pairsDevTrain.txt` and checked on the disjoint people of
 * `pairsDevTest.txt`, for the pipeline and models named in it.
 *
 * @example
 * ```ts
 * import { CALIBRATION } from "@facever/weights";
 * for (const point of CALIBRATION.points) {
 *   console.log(point.name, point.threshold, point.heldOut.far);
 * }
 * ```
 */
export const CALIBRATION: {
  /** The day of the calibration run, `YYYY-MM-DD`. */
  readonly date: string;
  /** The pipeline options the embeddings were made with. */
  readonly pipeline: Readonly<Record<string, string | boolean>>;
  /** The sha256 of each model file the embeddings were made with. */
  readonly models: Readonly<Record<string, string>>;
  readonly train: CalibrationSet;
  readonly heldOut: CalibrationSet;
  /** From the most permissive threshold to the strictest. */
  readonly points: readonly OperatingPoint[];
} = calibration;
