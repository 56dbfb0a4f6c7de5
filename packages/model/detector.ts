/**
 * Face detection with five landmarks: the RFB-320 Ultra-Light-Fast-Generic
 * face detector over an image pyramid, then a 68-point landmark net on every
 * face, reduced to the five points that alignment needs.
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
  DETECTOR_SMALL_WASM_URLS,
  DETECTOR_URL,
  DETECTOR_WASM_URL,
  LANDMARKER_URL,
  LANDMARKER_WASM_URL,
} from "@facever/weights";
import { nonMaxSuppression, type ScoredBox } from "./_nms.ts";
import {
  DETECTOR_HEIGHT,
  DETECTOR_WIDTH,
  type InputSize,
  type Level,
  planLevels,
} from "./_tiles.ts";
import { loadBundledWasm } from "./_bundled.ts";
import type { WasmModel } from "./_compiled.ts";
import { type Candidate, decodeHeads, priorBoxes } from "./_detector_heads.ts";
import {
  fivePoints,
  LANDMARK_INPUT_SIZE,
  LANDMARK_OUTPUT_SIZE,
  landmarkRegion,
  writeLandmarkInput,
} from "./_landmarks68.ts";

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

/**
 * When a box is a duplicate of a better one: IoU 0.4 is the reference
 * implementation's; 0.8 coverage removes parts of large faces scored as
 * faces, while a real face is never mostly inside another face's box.
 */
const SUPPRESSION = { maxIou: 0.4, maxCovered: 0.8 } as const;
/**
 * Face width, in detector pixels, that finer levels bring `minFaceSize` to.
 * Measured with 80 LFW faces shrunk onto grey: 16 px and wider were found
 * 99 % of the time at score 0.65, 12 px 75 %, 10 px 34 %.
 */
const MIN_DETECTABLE = 20;
/**
 * Decoded pixels per level pixel the finer pyramid levels are read from,
 * where the image offers reduced resolutions (a large JPEG, whose first
 * level comes from its 1/8-scale image): their faces are small, and their
 * boxes and landmarks follow every change of input, so they are read from
 * twice their resolution, which for a phone photo means its full decode,
 * as when it is decoded whole. Measured on made-up 12 MP photos, faces of
 * 41–160 pixels found at those levels then match a full decode's
 * (cosine 0.995–1.0, from 0.915–0.994 at 1).
 */
const FINE_LEVEL_DETAIL = 2;
/** Boxes this close (in detector pixels) to a window edge shared with another window are cut faces. */
const EDGE_MARGIN = 2;
/** Windows per detector run: batches of 4 ran fastest per window on wasm. */
const DETECTOR_BATCH = 4;
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
    const { minScore, minFaceSize, maxFaces } = validateOptions(options);
    const source = "data" in image ? imageSource(image) : image;
    const whole = { x: 0, y: 0, width: source.width, height: source.height };
    const candidates: ScoredBox[] = [];
    const levels = planLevels(
      source.width,
      source.height,
      minFaceSize,
      MIN_DETECTABLE,
      EDGE_MARGIN,
      this.#detector.smaller,
    );
    for (const [k, level] of levels.entries()) {
      if (k > 0 && enoughFound(candidates, level, source, maxFaces)) break;
      const scaled = source.read(
        whole,
        level.width,
        level.height,
        k === 0 ? 1 : FINE_LEVEL_DETAIL,
      );
      for (let i = 0; i < level.windows.length; i += DETECTOR_BATCH) {
        const windows = level.windows.slice(i, i + DETECTOR_BATCH);
        for (
          const found of await this.#detect(
            scaled,
            level.input,
            level.maxFaceWidth,
            windows,
            source,
            minScore,
          )
        ) {
          if (found.box.width >= minFaceSize) candidates.push(found);
        }
      }
    }
    const faces = nonMaxSuppression(candidates, SUPPRESSION)
      .map(({ box, score }) => ({ box: clipBox(box, source), score }))
      .sort((a, b) => area(b.box) - area(a.box))
      .slice(0, maxFaces);
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

  /**
   * Boxes scoring at least `minScore` and at most `maxFaceWidth` wide (in
   * `scaled` pixels) in some windows of the resized image, in `image` pixels.
   */
  async #detect(
    scaled: RgbImage,
    size: InputSize,
    maxFaceWidth: number,
    windows: readonly Box[],
    image: ImageSource,
    minScore: number,
  ): Promise<ScoredBox[]> {
    const plane = size.width * size.height;
    const input = new Float32Array(windows.length * 3 * plane);
    windows.forEach((window, n) =>
      writeDetectorInput(scaled, window, size, input, n * 3 * plane)
    );
    const candidates = await this.#detector.run(
      input,
      windows.length,
      size,
      minScore,
    );
    const toImageX = image.width / scaled.width;
    const toImageY = image.height / scaled.height;
    const found: ScoredBox[] = [];
    windows.forEach((window, n) => {
      const cutLeft = window.x > 0;
      const cutTop = window.y > 0;
      const cutRight = window.x + window.width < scaled.width;
      const cutBottom = window.y + window.height < scaled.height;
      for (const candidate of candidates[n]) {
        const { score } = candidate;
        const x1 = candidate.x1 * size.width;
        const y1 = candidate.y1 * size.height;
        const x2 = candidate.x2 * size.width;
        const y2 = candidate.y2 * size.height;
        if (x2 - x1 > maxFaceWidth) continue;
        // A face cut by an edge that a neighbouring window overlaps is
        // found whole in that window; this part of it would survive NMS.
        if (
          (cutLeft && x1 < EDGE_MARGIN) || (cutTop && y1 < EDGE_MARGIN) ||
          (cutRight && x2 > window.width - EDGE_MARGIN) ||
          (cutBottom && y2 > window.height - EDGE_MARGIN)
        ) continue;
        found.push({
          score,
          box: {
            x: (window.x + x1) * toImageX,
            y: (window.y + y1) * toImageY,
            width: (x2 - x1) * toImageX,
            height: (y2 - y1) * toImageY,
          },
        });
      }
    });
    return found;
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

/**
 * What the detector needs of its net: for a batch of inputs of one size,
 * the priors of each that score at least `minScore`. The ONNX file decodes
 * every prior in its graph; the compiled heads are decoded here, only where
 * the score is high enough.
 */
interface DetectorNet {
  /** Input sizes the net runs besides the full 320×240. */
  readonly smaller: readonly InputSize[];
  run(
    input: Float32Array,
    batch: number,
    size: InputSize,
    minScore: number,
  ): Promise<Candidate[][]>;
}

/** What the detector needs of the landmark net: an ONNX session or the compiled module. */
type LandmarkNet = Pick<OnnxModel, "run">;

/**
 * The ONNX detector for its own 320×240 input, and `compiled` for the
 * smaller ones it has.
 */
function onnxDetector(
  model: OnnxModel,
  compiled: DetectorNet | undefined,
): DetectorNet {
  return {
    smaller: compiled?.smaller ?? [],
    async run(input, batch, size, minScore) {
      if (
        compiled &&
        (size.width !== DETECTOR_WIDTH || size.height !== DETECTOR_HEIGHT)
      ) {
        return await compiled.run(input, batch, size, minScore);
      }
      const { scores, boxes } = await model.run({
        input: { data: input, dims: [batch, 3, size.height, size.width] },
      });
      const priors = scores.dims[1];
      return Array.from({ length: batch }, (_, n) => {
        const found: Candidate[] = [];
        for (let i = n * priors; i < (n + 1) * priors; i++) {
          // [background, face] pairs: the face column.
          const score = scores.data[2 * i + 1];
          if (score < minScore) continue;
          const [x1, y1, x2, y2] = boxes.data.subarray(4 * i, 4 * i + 4);
          found.push({ score, x1, y1, x2, y2 });
        }
        return found;
      });
    },
  };
}

/**
 * The compiled detector: one module per input size, the full 320×240 one
 * only when `full` (onnxruntime runs it otherwise), or `undefined` where
 * the runtime cannot compile them.
 */
async function loadCompiledDetector(
  full: boolean,
): Promise<DetectorNet | undefined> {
  const urls = full
    ? [DETECTOR_WASM_URL, ...DETECTOR_SMALL_WASM_URLS]
    : DETECTOR_SMALL_WASM_URLS;
  const modules = await Promise.all(urls.map(loadBundledWasm));
  if (modules.some((m) => m === undefined)) return undefined;
  const bySize = new Map<string, { model: WasmModel; priors: Float32Array }>();
  const sizes: InputSize[] = [];
  for (const model of modules as WasmModel[]) {
    const [, height, width] = model.inputDims;
    sizes.push({ width, height });
    bySize.set(`${width}x${height}`, {
      model,
      priors: priorBoxes(width, height),
    });
  }
  return {
    smaller: sizes.filter((s) =>
      s.width * s.height < DETECTOR_WIDTH * DETECTOR_HEIGHT
    ),
    async run(input, batch, size, minScore) {
      const found = bySize.get(`${size.width}x${size.height}`);
      if (!found) {
        throw new RangeError(`no detector for ${size.width}x${size.height}`);
      }
      const { model, priors } = found;
      const candidates: Candidate[][] = [];
      const itemSize = input.length / batch;
      // The module's outputs: four class heads, then four box heads.
      const names = model.outputNames;
      for (let n = 0; n < batch; n++) {
        const heads = await model.run({
          input: {
            data: input.subarray(n * itemSize, (n + 1) * itemSize),
            dims: [1, 3, size.height, size.width],
          },
        });
        candidates.push(decodeHeads(
          names.slice(0, 4).map((name) => heads[name].data),
          names.slice(4).map((name) => heads[name].data),
          priors,
          minScore,
        ));
      }
      return candidates;
    },
  };
}

/**
 * Writes one window of `image` into `out` from `offset` as the detector's
 * CHW input of `size`, (v - 127) / 128. The rest of the input stays 0, the
 * value of mid-grey, so a letterboxed image has a neutral border.
 */
function writeDetectorInput(
  image: RgbImage,
  window: Box,
  size: InputSize,
  out: Float32Array,
  offset: number,
): void {
  const plane = size.width * size.height;
  const src = image.data;
  for (let y = 0; y < window.height; y++) {
    let p = ((window.y + y) * image.width + window.x) * 3;
    let o = offset + y * size.width;
    for (let x = 0; x < window.width; x++, p += 3, o++) {
      out[o] = (src[p] - 127) / 128;
      out[o + plane] = (src[p + 1] - 127) / 128;
      out[o + 2 * plane] = (src[p + 2] - 127) / 128;
    }
  }
}

/**
 * Whether `maxFaces` faces are already found that are larger than anything
 * `level` and the finer levels after it can report (faces at most
 * `maxFaceWidth` wide there, and taller by up to a third), so that they
 * need not run: a frame with someone close to the camera then takes one
 * pass on a reduced image instead of a pyramid.
 */
function enoughFound(
  candidates: readonly ScoredBox[],
  level: Level,
  image: ImageSource,
  maxFaces: number,
): boolean {
  if (!Number.isFinite(maxFaces)) return false;
  const widest = level.maxFaceWidth * image.width / level.width;
  const bound = widest * widest * 4 / 3;
  const larger = nonMaxSuppression(candidates, SUPPRESSION)
    .filter(({ box }) => area(clipBox(box, image)) > bound);
  return larger.length >= maxFaces;
}

function area(box: Box): number {
  return box.width * box.height;
}

function clipBox(box: Box, image: ImageSource): Box {
  const x1 = Math.min(Math.max(box.x, 0), image.width);
  const y1 = Math.min(Math.max(box.y, 0), image.height);
  const x2 = Math.min(Math.max(box.x + box.width, 0), image.width);
  const y2 = Math.min(Math.max(box.y + box.height, 0), image.height);
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
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
