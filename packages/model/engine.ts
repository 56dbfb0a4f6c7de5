/**
 * The whole pipeline behind one facade: decode, detect, align, embed,
 * compare; and, when asked, a passive liveness check of the faces used.
 *
 * Over 500 lines on purpose: it is one class, `FaceEngine`, with the
 * options and answers of its methods, and each step it runs already lives
 * in its own module (detector, embedder, liveness, eyes).
 *
 * @module
 */

import {
  alignFace,
  estimatePose,
  FaceError,
  type ImageSource,
  laplacianVariance,
  openImage,
  type Pose,
  type RgbImage,
} from "@facever/core";
import {
  type DetectedFace,
  type DetectOptions,
  FaceDetector,
  type FaceDetectorOptions,
} from "./detector.ts";
import { FaceEmbedder, type FaceEmbedderOptions } from "./embedder.ts";
import {
  type Liveness,
  LivenessChecker,
  type LivenessOptions,
} from "./liveness.ts";
import { type EyeOpenness, EyeState } from "./eyes.ts";
import type { Backend, ResolvedBackend } from "./types.ts";
import { resolveBackend } from "./runner.ts";
import { compareFaces } from "./_compare.ts";
import { checkLivenessThreshold } from "./_liveness_threshold.ts";
import { OPERATING_POINTS } from "./operating_points.ts";

/**
 * Cosine similarity at or above which two faces are called the same person:
 * the `"accuracy"` point of {@linkcode OPERATING_POINTS}, the
 * accuracy-maximising threshold on LFW View 1 `pairsDevTrain.txt` with the
 * bundled models and the shipped pipeline (every threshold from 0.2811 to
 * 0.2831 gives its best, 99.55 % on those 2,200 pairs; 0.282 is the
 * shortest). On the held-out `pairsDevTest.txt` it gives 99.2 % accuracy,
 * FAR 0.6 % and TAR 99.0 %; on every pair of the held-out people's 2,741
 * images, FAR 4.8e-3 (of 3.7 M impostor pairs) and TAR 99.57 %
 * (`deno task calibrate`). Where a false accept costs more than a false
 * reject, use the `"far-1e-3"` or `"far-1e-4"` point.
 *
 * @example
 * ```ts
 * import { DEFAULT_THRESHOLD, FaceEngine } from "@facever/model";
 * const engine = await FaceEngine.create();
 * console.log(engine.threshold === DEFAULT_THRESHOLD); // true
 * ```
 */
export const DEFAULT_THRESHOLD: number = OPERATING_POINTS.accuracy.threshold;

/**
 * An image to analyse: decoded pixels, or the bytes of a file in any format
 * `@facever/core` decodes (opened with `openImage`, so a large JPEG is
 * never decoded whole).
 */
export type ImageInput = RgbImage | Uint8Array;

/**
 * Which face {@linkcode FaceEngine.embedImage} uses when an image holds
 * several: the largest (what a user in front of a camera is), or the one
 * nearest the image centre (what a cropped portrait is about).
 */
export type FacePick = "largest" | "central";

/**
 * How fit a face is to enrol, from its landmarks and its aligned crop.
 *
 * @example
 * ```ts
 * import type { FaceQuality } from "@facever/model";
 * const quality: FaceQuality = {
 *   sharpness: 310,
 *   pose: { yaw: 4, pitch: -2, roll: 1 },
 * };
 * console.log(quality.pose.yaw);
 * ```
 */
export interface FaceQuality {
  /**
   * Variance of the Laplacian of the aligned 112×112 crop (see
   * `laplacianVariance`): low for blurred or upscaled faces.
   */
  readonly sharpness: number;
  /** Head pose in degrees, from the landmarks (see `estimatePose`). */
  readonly pose: Pose;
}

/**
 * A detected face with its quality figures, its unit-length embedding when
 * it was embedded (see {@linkcode FaceEngine.analyze}), and its liveness
 * when the engine checks it (see {@linkcode FaceEngineOptions.liveness}).
 *
 * @example
 * ```ts
 * import type { AnalyzedFace } from "@facever/model";
 * const embedded = (face: AnalyzedFace) => face.embedding !== undefined;
 * console.log(typeof embedded);
 * ```
 */
export interface AnalyzedFace extends DetectedFace {
  readonly quality: FaceQuality;
  readonly embedding?: Float32Array;
  /**
   * The passive liveness check, on every embedded face when the engine or
   * the call asks for it.
   */
  readonly liveness?: Liveness;
  /**
   * How open the eyes are (see {@linkcode EyeState}), on every embedded
   * face when the call asks for it.
   */
  readonly eyes?: EyeOpenness;
}

/**
 * A detected face with its quality figures and its unit-length embedding.
 *
 * @example
 * ```ts
 * import type { Face } from "@facever/model";
 * const dims = (face: Face) => face.embedding.length; // 512
 * console.log(typeof dims);
 * ```
 */
export interface Face extends AnalyzedFace {
  readonly embedding: Float32Array;
}

/**
 * Which faces {@linkcode FaceEngine.analyze} embeds: every one, the one
 * {@linkcode FacePick} names, or none.
 *
 * @example
 * ```ts
 * import type { EmbedChoice } from "@facever/model";
 * const enrolment: EmbedChoice = "largest";
 * console.log(enrolment);
 * ```
 */
export type EmbedChoice = "all" | FacePick | "none";

const EMBED_CHOICES: readonly EmbedChoice[] = [
  "all",
  "largest",
  "central",
  "none",
];

/**
 * Options of one {@linkcode FaceEngine.analyze} call.
 *
 * @example
 * ```ts
 * import type { AnalyzeOptions } from "@facever/model";
 * // What an active liveness challenge needs of each frame.
 * const frame: AnalyzeOptions = { embed: "largest", liveness: true, eyes: true };
 * console.log(frame.eyes);
 * ```
 */
export interface AnalyzeOptions {
  /** Which faces to embed; default `"all"`. */
  readonly embed?: EmbedChoice;
  /**
   * Check the liveness of the embedded faces on this call: default
   * whether the engine was created with `liveness`. An engine created
   * without it loads the net on the first call that asks, with the
   * default threshold.
   */
  readonly liveness?: boolean;
  /**
   * Measure how open the eyes of the embedded faces are (the eye net is
   * loaded on the first call that asks); default `false`.
   */
  readonly eyes?: boolean;
}

/**
 * What {@linkcode FaceEngine.analyze} found in an image.
 *
 * @example
 * ```ts
 * import type { Analysis } from "@facever/model";
 * const count = (analysis: Analysis) => analysis.faces.length;
 * console.log(typeof count);
 * ```
 */
export interface Analysis {
  /** Size of the decoded image, after its EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** Every face found, largest first; the chosen ones with embeddings. */
  readonly faces: readonly AnalyzedFace[];
}

/** The answer of {@linkcode FaceEngine.verify}. */
export interface VerifyResult {
  /** Cosine similarity of the two embeddings, in [-1, 1]. */
  readonly similarity: number;
  /** Whether `similarity` reaches `threshold`. */
  readonly match: boolean;
  /** The threshold the decision used. */
  readonly threshold: number;
  /** The face used from each image, in argument order. */
  readonly faces: readonly [Face, Face];
}

/** Options for {@linkcode FaceEngine.create}. */
export interface FaceEngineOptions {
  /** Decision threshold for {@linkcode FaceEngine.verify}; default {@linkcode DEFAULT_THRESHOLD}. */
  readonly threshold?: number;
  /** Largest image, in pixels, that is decoded; see `decodeImage`. */
  readonly maxPixels?: number;
  /**
   * Which ONNX Runtime runs the models (see {@linkcode Backend}), unless
   * `detector` or `embedder` names its own; default `"auto"`.
   */
  readonly backend?: Backend;
  /** Options of every detection. */
  readonly detection?: DetectOptions;
  /** Models and threads of the detector. */
  readonly detector?: FaceDetectorOptions;
  /** Model, channel order and batch size of the embedder. */
  readonly embedder?: FaceEmbedderOptions;
  /**
   * Also run the passive liveness check (see {@linkcode LivenessChecker})
   * on every face that is embedded, which then carries `liveness`: `true`
   * for the default threshold, or the checker's threshold and threads.
   * About half the time of an embedding per face. Off by default: a
   * passive check of one photo is a deterrent, not proof.
   */
  readonly liveness?: boolean | Pick<LivenessOptions, "threshold" | "threads">;
}

/**
 * Face verification in one object. Models are loaded once per process, so
 * creating several engines is cheap.
 *
 * @example
 * ```ts
 * import { FaceEngine } from "@facever/model";
 * const engine = await FaceEngine.create();
 * const a = await Deno.readFile("a.jpg");
 * const b = await Deno.readFile("b.jpg");
 * const { similarity, match } = await engine.verify(a, b);
 * console.log(similarity, match);
 * ```
 */
export class FaceEngine {
  readonly #detector: FaceDetector;
  readonly #embedder: FaceEmbedder;
  readonly #liveness: LivenessChecker | undefined;
  readonly #options: FaceEngineOptions;
  // Loaded on the first call that asks for them, once per engine.
  #livenessOnDemand: Promise<LivenessChecker> | undefined;
  #eyes: Promise<EyeState> | undefined;

  /** The decision threshold of {@linkcode FaceEngine.verify}. */
  readonly threshold: number;
  /** The ONNX Runtime the models run on (`options.backend` resolved). */
  readonly backend: ResolvedBackend;
  /** The liveness threshold, when the engine checks liveness. */
  readonly livenessThreshold: number | undefined;

  private constructor(
    detector: FaceDetector,
    embedder: FaceEmbedder,
    liveness: LivenessChecker | undefined,
    options: FaceEngineOptions,
    backend: ResolvedBackend,
  ) {
    this.#detector = detector;
    this.#embedder = embedder;
    this.#liveness = liveness;
    this.#options = options;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.backend = backend;
    this.livenessThreshold = liveness?.threshold;
  }

  /**
   * Loads the detector and the embedder, and the liveness net when
   * `liveness` asks for it.
   *
   * @example
   * ```ts
   * import { FaceEngine } from "@facever/model";
   * const engine = await FaceEngine.create({ liveness: true });
   * const face = await engine.embedImage(await Deno.readFile("portrait.jpg"));
   * console.log(face.liveness?.score, face.liveness?.live);
   * ```
   */
  static async create(options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const { threshold, liveness } = options;
    if (
      liveness !== undefined && typeof liveness !== "boolean" &&
      (typeof liveness !== "object" || liveness === null)
    ) {
      throw new TypeError(
        `liveness must be a boolean or an object of options, got ${
          JSON.stringify(liveness)
        }`,
      );
    }
    if (typeof liveness === "object" && liveness.threshold !== undefined) {
      checkLivenessThreshold(liveness.threshold);
    }
    if (
      threshold !== undefined &&
      !(Number.isFinite(threshold) && threshold >= -1 && threshold <= 1)
    ) {
      throw new RangeError(
        `threshold must be a cosine similarity in [-1, 1], got ${threshold}`,
      );
    }
    const backend = await resolveBackend(options.backend);
    const [detector, embedder, checker] = await Promise.all([
      FaceDetector.load({ backend, ...options.detector }),
      FaceEmbedder.load({ backend, ...options.embedder }),
      liveness
        ? LivenessChecker.load({
          backend,
          ...(liveness === true ? {} : liveness),
        })
        : undefined,
    ]);
    return new FaceEngine(detector, embedder, checker, options, backend);
  }

  /** Every face in the image with its embedding, largest first. */
  async faces(image: ImageInput): Promise<Face[]> {
    return (await this.analyze(image, { embed: "all" })).faces as Face[];
  }

  /**
   * Every face in the image, largest first, each with its quality figures,
   * and the embedding of those `embed` chooses (default every one): what a
   * caller needs to tell how many faces a photo held, which one it used and
   * whether that one is fit to enrol. `liveness` and `eyes` add the
   * passive liveness check and the eyes' openness to the embedded faces.
   *
   * @throws {RangeError} When `embed` is not one of {@linkcode EmbedChoice}.
   *
   * @example
   * ```ts
   * import { FaceEngine } from "@facever/model";
   * const engine = await FaceEngine.create();
   * const { faces } = await engine.analyze(await Deno.readFile("group.jpg"), {
   *   embed: "largest",
   * });
   * console.log(faces.length, faces[0]?.quality.pose);
   * const [face] = (await engine.analyze(await Deno.readFile("portrait.jpg"), {
   *   embed: "largest",
   *   liveness: true,
   *   eyes: true,
   * })).faces;
   * console.log(face?.liveness?.live, face?.eyes?.left);
   * ```
   */
  async analyze(
    image: ImageInput,
    options: AnalyzeOptions = {},
  ): Promise<Analysis> {
    const embed = options.embed ?? "all";
    if (!EMBED_CHOICES.includes(embed)) {
      throw new RangeError(
        `embed must be one of ${EMBED_CHOICES.join(", ")}, got ${
          JSON.stringify(embed)
        }`,
      );
    }
    const pixels = await this.#open(image);
    const detected = await this.#detector.detectFaces(
      pixels,
      this.#options.detection,
    );
    const aligned = detected.map((face) => alignFace(pixels, face.landmarks));
    const chosen = embed === "all"
      ? detected.map((_, i) => i)
      : embed === "none" || detected.length === 0
      ? []
      : [embed === "largest" ? 0 : nearestToCentre(detected, pixels)];
    const embeddings = await this.#embedder.embed(
      chosen.map((i) => aligned[i]),
    );
    const verdicts = await this.#checkLiveness(
      pixels,
      chosen.map((i) => detected[i]),
      options.liveness,
    );
    const eyes = options.eyes
      ? await this.#eyeState().then((net) =>
        Promise.all(
          chosen.map((i) => net.openness(pixels, detected[i].landmarks)),
        )
      )
      : undefined;
    const faces = detected.map((face, i): AnalyzedFace => {
      const at = chosen.indexOf(i);
      const analyzed = { ...face, quality: qualityOf(face, aligned[i]) };
      return at === -1 ? analyzed : {
        ...analyzed,
        embedding: embeddings[at],
        ...(verdicts ? { liveness: verdicts[at] } : {}),
        ...(eyes ? { eyes: eyes[at] } : {}),
      };
    });
    return { width: pixels.width, height: pixels.height, faces };
  }

  /**
   * The embedding of one face of the image: the largest by default.
   * Throws `FaceError("no_face")` when the image holds none.
   */
  async embedImage(
    image: ImageInput,
    options: { readonly pick?: FacePick } = {},
  ): Promise<Face> {
    const pixels = await this.#open(image);
    const detected = await this.#detector.detectFaces(
      pixels,
      // The largest face is the first: the detector can stop early.
      options.pick === "central"
        ? this.#options.detection
        : { ...this.#options.detection, maxFaces: 1 },
    );
    if (detected.length === 0) {
      throw new FaceError("no_face", "no face found in the image");
    }
    const face = detected[
      options.pick === "central" ? nearestToCentre(detected, pixels) : 0
    ];
    const aligned = alignFace(pixels, face.landmarks);
    const [embedding] = await this.#embedder.embed([aligned]);
    const verdicts = await this.#checkLiveness(pixels, [face]);
    return {
      ...face,
      quality: qualityOf(face, aligned),
      embedding,
      ...(verdicts ? { liveness: verdicts[0] } : {}),
    };
  }

  /** Compares the largest face of each image. */
  async verify(a: ImageInput, b: ImageInput): Promise<VerifyResult> {
    return this.compare(await this.embedImage(a), await this.embedImage(b));
  }

  /** Compares two faces already embedded, with this engine's threshold. */
  compare(a: Face, b: Face): VerifyResult {
    return compareFaces(a, b, this.threshold);
  }

  /**
   * The liveness of `faces`, or `undefined` when neither the engine nor
   * the call (`asked`) checks it.
   */
  async #checkLiveness(
    image: RgbImage | ImageSource,
    faces: readonly DetectedFace[],
    asked?: boolean,
  ): Promise<Liveness[] | undefined> {
    if (asked === false || (asked === undefined && !this.#liveness)) {
      return undefined;
    }
    const checker = this.#liveness ?? await this.#livenessChecker();
    return await checker.check(image, faces.map((face) => face.box));
  }

  #livenessChecker(): Promise<LivenessChecker> {
    this.#livenessOnDemand ??= LivenessChecker.load({
      backend: this.backend,
    });
    // A load that failed is tried again by the next call.
    this.#livenessOnDemand.catch(() => this.#livenessOnDemand = undefined);
    return this.#livenessOnDemand;
  }

  #eyeState(): Promise<EyeState> {
    this.#eyes ??= EyeState.load({ backend: this.backend });
    this.#eyes.catch(() => this.#eyes = undefined);
    return this.#eyes;
  }

  /**
   * Bytes are opened (see `openImage`): a large baseline JPEG is then
   * never decoded whole, only at 1/8 scale for the detector and around
   * each face for the landmarks and the alignment.
   */
  #open(image: ImageInput): Promise<ImageSource> | RgbImage {
    return image instanceof Uint8Array
      ? openImage(image, { maxPixels: this.#options.maxPixels })
      : image;
  }
}

/** The index of the face whose box centre is nearest the image centre. */
function nearestToCentre(
  faces: readonly DetectedFace[],
  image: RgbImage | ImageSource,
): number {
  const distance = ({ box }: DetectedFace) =>
    Math.hypot(
      box.x + box.width / 2 - image.width / 2,
      box.y + box.height / 2 - image.height / 2,
    );
  let best = 0;
  for (let i = 1; i < faces.length; i++) {
    if (distance(faces[i]) < distance(faces[best])) best = i;
  }
  return best;
}

function qualityOf(face: DetectedFace, aligned: RgbImage): FaceQuality {
  return {
    sharpness: laplacianVariance(aligned),
    pose: estimatePose(face.landmarks),
  };
}
