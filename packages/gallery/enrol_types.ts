/**
 * The public types of bulk enrolment: the face pipeline it calls, and what
 * it reports.
 *
 * @module
 */

import type { EnrolmentGates, GatedFace, RefusalReason } from "./gates.ts";

/**
 * A face as a pipeline reports it; `FaceEngine.faces` of `@facever/model`
 * returns these.
 *
 * @example
 * ```ts
 * import type { CandidateFace } from "@facever/gallery";
 * const face: CandidateFace = {
 *   box: { x: 70, y: 60, width: 110, height: 135 },
 *   score: 0.99,
 *   embedding: new Float32Array(512).fill(1 / Math.sqrt(512)),
 * };
 * console.log(face.box.width);
 * ```
 */
export interface CandidateFace extends GatedFace {
  /** The face's unit-length embedding. */
  readonly embedding: ArrayLike<number>;
}

/**
 * Finds every face in an encoded image. It may throw a `FaceError`: codes
 * `too_large`, `unsupported_format`, `corrupt_image`, `truncated_image` and
 * `no_face` become rejections; any other error stops the enrolment.
 *
 * @example
 * ```ts
 * import type { FaceFinder } from "@facever/gallery";
 * // In real use: (image) => engine.faces(image), with FaceEngine of
 * // @facever/model.
 * const oneFace: FaceFinder = () =>
 *   Promise.resolve([{
 *     box: { x: 0, y: 0, width: 100, height: 100 },
 *     score: 0.99,
 *     embedding: [0.6, 0.8],
 *   }]);
 * console.log((await oneFace(new Uint8Array())).length); // 1
 * ```
 */
export type FaceFinder = (
  image: Uint8Array,
) => Promise<readonly CandidateFace[]>;

/**
 * Why an image was not enrolled: no face, more than one usable face, a
 * face too small or too unsure, a file that is not a readable image, a
 * file or image over the size limit, or a subject already at
 * `MAX_FACES_PER_SUBJECT`.
 *
 * @example
 * ```ts
 * import type { RejectionCode } from "@facever/gallery";
 * const code: RejectionCode = "multiple_faces";
 * console.log(code);
 * ```
 */
export type RejectionCode =
  | RefusalReason
  | "decode_error"
  | "too_large"
  | "limit_exceeded";

/**
 * What happened to one image. `skipped` means an earlier run had already
 * enrolled the same file (by content) for the same subject.
 *
 * @example
 * ```ts
 * import type { EnrolOutcome } from "@facever/gallery";
 * const outcome: EnrolOutcome = {
 *   file: "ada/2.jpg",
 *   subjectId: "ada",
 *   status: "rejected",
 *   code: "no_face",
 *   message: "no face found",
 * };
 * console.log(outcome.status);
 * ```
 */
export type EnrolOutcome =
  | {
    /** Path relative to the folder, with `/` separators. */
    readonly file: string;
    readonly subjectId: string;
    readonly status: "enrolled" | "skipped";
    readonly faceId: string;
  }
  | {
    /** Path relative to the folder, with `/` separators. */
    readonly file: string;
    readonly subjectId: string;
    readonly status: "rejected";
    readonly code: RejectionCode;
    /** What was wrong and what is allowed. */
    readonly message: string;
  };

/**
 * Counts of an enrolment so far.
 *
 * @example
 * ```ts
 * import type { EnrolCounts } from "@facever/gallery";
 * function line(c: EnrolCounts): string {
 *   return `${c.done}/${c.total}: ${c.enrolled} enrolled`;
 * }
 * console.log(line({
 *   total: 2, done: 1, enrolled: 1, skipped: 0, rejected: 0,
 *   rejections: {
 *     no_face: 0, multiple_faces: 0, face_too_small: 0, low_score: 0,
 *     blurry: 0, pose: 0, spoof: 0, duplicate: 0, decode_error: 0,
 *     too_large: 0, limit_exceeded: 0,
 *   },
 *   elapsedMs: 80,
 * }));
 * ```
 */
export interface EnrolCounts {
  /** Image files found. */
  readonly total: number;
  /** Images handled so far. */
  readonly done: number;
  readonly enrolled: number;
  readonly skipped: number;
  readonly rejected: number;
  /** Rejections by code. */
  readonly rejections: Readonly<Record<RejectionCode, number>>;
  /** Time since the enrolment started. */
  readonly elapsedMs: number;
}

/**
 * Reported after each image, through {@linkcode EnrolOptions.onProgress}.
 *
 * @example
 * ```ts
 * import type { EnrolProgress } from "@facever/gallery";
 * const log = (p: EnrolProgress) => console.log(p.outcome.file, p.etaMs);
 * console.log(typeof log);
 * ```
 */
export interface EnrolProgress extends EnrolCounts {
  /** Estimated time to finish, from the pace so far. */
  readonly etaMs: number;
  /** The image just handled. */
  readonly outcome: EnrolOutcome;
}

/**
 * The result of {@linkcode enrolFolder}.
 *
 * @example
 * ```ts
 * import type { EnrolSummary } from "@facever/gallery";
 * const rejectedFiles = (s: EnrolSummary) =>
 *   s.outcomes.filter((o) => o.status === "rejected").map((o) => o.file);
 * console.log(typeof rejectedFiles);
 * ```
 */
export interface EnrolSummary extends EnrolCounts {
  /** One outcome per image, in the order handled. */
  readonly outcomes: EnrolOutcome[];
}

/**
 * Options for {@linkcode enrolFolder}.
 *
 * @example
 * ```ts
 * import { type EnrolOptions, progressBar } from "@facever/gallery";
 * const options: EnrolOptions = {
 *   gates: { minFaceSize: 80 },
 *   onProgress: progressBar(),
 * };
 * console.log(options.gates?.minFaceSize);
 * ```
 */
export interface EnrolOptions {
  /**
   * The enrolment gates, each relaxable: the defaults are
   * {@linkcode DEFAULT_GATES}.
   */
  readonly gates?: Partial<EnrolmentGates>;
  /** Largest file, in bytes, that is read. Default {@linkcode DEFAULT_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Called after each image; see {@linkcode progressBar}. */
  readonly onProgress?: (progress: EnrolProgress) => void;
}
