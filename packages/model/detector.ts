/**
 * Face detection with five landmarks: the RFB-320 Ultra-Light-Fast-Generic
 * face detector over an image pyramid, then a 68-point landmark net on every
 * face, reduced to the five points that alignment needs. The search over
 * the pyramid is in `_pyramid.ts`, the two nets as it runs them in
 * `_detector_net.ts`.
 *
 * @module
 */

import {
  type Box,
  type ImageSource,
  imageSource,
  type Point,
  type RgbImage,
} from "@facever/core";
import type { Backend, ModelSource } from "./types.ts";
import { OnnxModel, resolveBackend } from "./runner.ts";
import {
  DETECTOR_URL,
  LANDMARKER_URL,
  LANDMARKER_WASM_URL,
} from "@facever/weights";
import { loadBundledWasm } from "./_bundled.ts";
import {
  fivePoints,
  LANDMARK_INPUT_SIZE,
  LANDMARK_OUTPUT_SIZE,
  landmarkRegion,
  writeLandmarkInput,
} from "./_landmarks68.ts";
import {
  type DetectorNet,
  type LandmarkNet,
  loadCompiledDetector,
  onnxDetector,
} from "./_detector_net.ts";
import { findFaces } from "./_pyramid.ts";

/**
 * A face found by {@linkcode FaceDetector.detectFaces}.
 *
 * @example
 * ```ts
 * import type { DetectedFace } from "@facever/model";
 * const face: DetectedFace = {
 *   box: { x: 76, y: 60, width: 95, height: 129 },
 *   score: 0.99,
 *   landmarks: [
 *     { x: 103, y: 112 },
 *     { x: 144, y: 110 },
 *     { x: 125, y: 141 },
 *     { x: 107, y: 155 },
 *     { x: 145, y: 154 },
 *   ],
 * };
 * console.log(face.landmarks[2]); // the nose tip
 * ```
 */
export interface DetectedFace {
  /** Where the face is, clipped to the image. */
  readonly box: Box;
  /** The detector's confidence that the box holds a face, in [0, 1]. */
  readonly score: number;
  /**
   * Five points in ArcFace order: image-left eye centre, image-right eye
   * centre, nose tip, image-left mouth corner, image-right mouth corner.
   * Pixel centres are at whole coordinates.
   */
  readonly landmarks: readonly Point[];
}

/**
 * Options for {@linkcode FaceDetector.detectFaces}.
 *
 * @example
 * ```ts
 * import type { DetectOptions } from "@facever/model";
 * // The largest face of at least 80 pixels, in a surveillance-sized frame.
 * const options: DetectOptions = { minFaceSize: 80, maxFaces: 1 };
 * console.log(options);
 * ```
 */
export interface DetectOptions {
  /**
   * Lowest detector score to report, in (0, 1]. Default
   * {@linkcode DEFAULT_MIN_SCORE}.
   */
  readonly minScore?: number;
  /**
   * Width in pixels, in the given image, of the smallest face to find, at
   * least 1: boxes narrower than this are not reported. Smaller values make
   * large images slower (see {@linkcode FaceDetector.detectFaces}). Default
   * {@linkcode DEFAULT_MIN_FACE_SIZE}.
   */
  readonly minFaceSize?: number;
  /**
   * Report at most this many faces, the largest; a whole number of at least
   * 1. Default: all.
   */
  readonly maxFaces?: number;
}

/**
 * Options for {@linkcode FaceDetector.load}. Both models must take a
 * dynamic batch, as the bundled ones do: windows and faces are run in
 * batches.
 *
 * @example
 * ```ts
 * import { FaceDetector, type FaceDetectorOptions } from "@facever/model";
 * import { DETECTOR_URL } from "@facever/weights";
 * const options: FaceDetectorOptions = {
 *   detector: DETECTOR_URL,
 * };
 * const detector = await FaceDetector.load(options);
 * ```
 */
export interface FaceDetectorOptions {
  /**
   * The RFB-320 detector as an ONNX file, run by onnxruntime. By default the
   * bundled one: compiled (`weights/face_detector_*.wasm`) on the wasm
   * backend, `weights/face_detector.onnx` (plus the compiled small input)
   * on the native one.
   */
  readonly detector?: ModelSource;
  /**
   * The 68-point landmark model as an ONNX file, run by onnxruntime. By
   * default the bundled one: `weights/face_landmark68.wasm` on the wasm
   * backend, `weights/face_landmark68.onnx` on the native one.
   */
  readonly landmarks?: ModelSource;
  /** Which ONNX Runtime runs both models (see {@linkcode Backend}); default `"auto"`. */
  readonly backend?: Backend;
  /** Threads per inference call (see {@linkcode RunnerOptions}). */
  readonly threads?: number;
}

/**
 * Default {@linkcode DetectOptions.minScore}. Measured on 1,000 LFW images:
 * every central face scored at least 0.975, so any value up to 0.95 finds
 * them all; of the other boxes at least 40 px wide, the three that held no
 * face (badges, a fist) scored 0.50–0.66, and all 24 above 0.7 were real,
 * often partly hidden, faces. Noise, gradients and LFW backgrounds with the
 * faces painted out gave no box above 0.3. The reference implementation
 * used 0.65.
 *
 * @example
 * ```ts
 * import { DEFAULT_MIN_SCORE, FaceDetector } from "@facever/model";
 * const detector = await FaceDetector.load();
 * const image = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3) };
 * // Recall over precision, for a review queue a person goes through.
 * const faces = await detector.detectFaces(image, { minScore: DEFAULT_MIN_SCORE / 2 });
 * console.log(faces.length); // 0
 * ```
 */
export const DEFAULT_MIN_SCORE = 0.7;

/**
 * Default {@linkcode DetectOptions.minFaceSize}, in pixels: the aligned
 * 112×112 face is then enlarged less than 3×, and a 1920×1080 frame takes
 * 13 detector passes.
 *
 * @example
 * ```ts
 * import { DEFAULT_MIN_FACE_SIZE } from "@facever/model";
 * console.log(DEFAULT_MIN_FACE_SIZE); // 40
 * ```
 */
export const DEFAULT_MIN_FACE_SIZE = 40;

/** Faces per landmark run, to bound the input tensor's size. */
const LANDMARK_BATCH = 16;

/**
 * Finds faces and their landmarks in RGB images of any size.
 *
 * @example
 * ```ts
 * import { FaceDetector } from "@facever/model";
 * const detector = await FaceDetector.load();
 * const blank = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
 * console.log(await detector.detectFaces(blank)); // []
 * ```
 */
export class FaceDetector {
  readonly #detector: DetectorNet;
  readonly #landmarker: LandmarkNet;

  private constructor(detector: DetectorNet, landmarker: LandmarkNet) {
    this.#detector = detector;
    this.#landmarker = landmarker;
  }

  /**
   * Loads both models; a model already loaded in this process is shared
   * (see {@linkcode OnnxModel.load}). The bundled models' compiled modules
   * need relaxed SIMD (every Deno 2); without it the ONNX files run on
   * onnxruntime instead.
   *
   * @throws {FaceError} `model_load_failed` when either model cannot be
   * loaded.
   * @throws {RangeError} When `threads` is invalid.
   *
   * @example
   * ```ts
   * import { FaceDetector } from "@facever/model";
   * const detector = await FaceDetector.load({ threads: 1 });
   * ```
   */
  static async load(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const runner = { backend: options.backend, threads: options.threads };
    // On wasm the bundled models run compiled, which also spares loading
    // onnxruntime-web. On native, onnxruntime-node runs the full 320×240
    // input faster than the compiled module, but only the compiled one can
    // run the small input. A runtime without relaxed SIMD gets the ONNX
    // files alone.
    const wasm = await resolveBackend(options.backend) === "wasm";
    const [compiled, compiledLandmarker] = await Promise.all([
      options.detector === undefined ? loadCompiledDetector(wasm) : undefined,
      wasm && options.landmarks === undefined
        ? loadBundledWasm(LANDMARKER_WASM_URL)
        : undefined,
    ]);
    const [detector, landmarker] = await Promise.all([
      wasm && compiled ? compiled : OnnxModel.load(
        options.detector ?? DETECTOR_URL,
        runner,
      ).then((model) => onnxDetector(model, compiled)),
      compiledLandmarker ??
        OnnxModel.load(options.landmarks ?? LANDMARKER_URL, runner),
    ]);
    return new FaceDetector(detector, landmarker);
  }

  /**
   * Finds every face at least `minFaceSize` pixels wide, largest box first.
   *
   * The image is letterboxed whole, at its own aspect ratio, into the
   * detector's 320×240 input, where faces from about 20 pixels up to the
   * whole input are found. When `minFaceSize` comes out smaller than 20
   * pixels there, finer pyramid levels (each at most 3× the one before, the
   * finest bringing `minFaceSize` to 20 pixels) are run on 320×240 windows
   * that overlap by 84 pixels, so that every face too small for the level
   * before fits whole in one of them. **At most 64 detector passes run per
   * image**: a 250×250 image takes 1, a 1920×1080 frame 13 and a 3840×2160
   * one 52 at the default `minFaceSize`. When an image would need more, the
   * finest level is made coarser until 64 suffice, so faces close to
   * `minFaceSize` in very large images may be missed.
   *
   * Two shortcuts give the same faces for less work. The compiled detector
   * also runs a 128×128 input (on both backends), used instead when the image
   * fits it with `minFaceSize` still 20 pixels or more (photos of up to 256
   * pixels a side at the default `minFaceSize`). With `maxFaces`,
   * finer levels are skipped once that many faces are found that are larger
   * than any those levels report: a 1920×1080 frame with someone close to
   * the camera takes one pass on a 320×180 copy, and the face is then cut
   * from the full-resolution image for the landmarks and alignment.
   *
   * @param image The image, any size and aspect ratio: decoded pixels, or
   * an `ImageSource` (see `openImage`), from which each pyramid level and
   * each face's landmark input is read at the resolution it needs (a large
   * JPEG's first level from its 1/8-scale image, finer levels and faces
   * from at least twice their resolution).
   * @param options Thresholds; see {@linkcode DetectOptions}.
   * @returns The faces, boxes clipped to the image, largest box first.
   * @throws {RangeError} When an option is out of range.
   *
   * @example
   * ```ts
   * import { decodeImage } from "@facever/core";
   * import { FaceDetector } from "@facever/model";
   * const detector = await FaceDetector.load();
   * const image = await decodeImage(await Deno.readFile("group.jpg"));
   * for (const { box, score } of await detector.detectFaces(image)) {
   *   console.log(box, score.toFixed(2));
   * }
   * ```
   */
  async detectFaces(
    image: RgbImage | ImageSource,
    options: DetectOptions = {},
  ): Promise<DetectedFace[]> {
    const settings = validateOptions(options);
    const source = "data" in image ? imageSource(image) : image;
    const faces = await findFaces(this.#detector, source, settings);
    const detected: DetectedFace[] = [];
    for (let i = 0; i < faces.length; i += LANDMARK_BATCH) {
      const batch = faces.slice(i, i + LANDMARK_BATCH);
      const landmarks = await this.#landmarks(source, batch.map((f) => f.box));
      batch.forEach((face, k) =>
        detected.push({ ...face, landmarks: landmarks[k] })
      );
    }
    return detected;
  }

  async #landmarks(
    image: ImageSource,
    boxes: readonly Box[],
  ): Promise<Point[][]> {
    const size = LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE;
    const input = new Float32Array(boxes.length * size);
    const regions = boxes.map((box, n) => {
      const region = landmarkRegion(image, box);
      writeLandmarkInput(image, region, input, n * size);
      return region;
    });
    const { output } = await this.#landmarker.run({
      input: {
        data: input,
        dims: [boxes.length, 1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE],
      },
    });
    return regions.map((region, n) =>
      fivePoints(output.data, n * LANDMARK_OUTPUT_SIZE, region)
    );
  }
}

function validateOptions(options: DetectOptions): Required<DetectOptions> {
  const {
    minScore = DEFAULT_MIN_SCORE,
    minFaceSize = DEFAULT_MIN_FACE_SIZE,
    maxFaces = Infinity,
  } = options;
  if (!(minScore > 0 && minScore <= 1)) {
    throw new RangeError(`minScore must be in (0, 1], got ${minScore}`);
  }
  if (!(minFaceSize >= 1 && Number.isFinite(minFaceSize))) {
    throw new RangeError(
      `minFaceSize must be a finite number of pixels, at least 1, got ${minFaceSize}`,
    );
  }
  if (
    !(maxFaces === Infinity || (Number.isInteger(maxFaces) && maxFaces >= 1))
  ) {
    throw new RangeError(
      `maxFaces must be a whole number of at least 1 (or Infinity), got ${maxFaces}`,
    );
  }
  return { minScore, minFaceSize, maxFaces };
}
