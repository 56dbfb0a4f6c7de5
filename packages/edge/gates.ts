/**
 * The enrolment gates: what a photo must be for its face to be enrolled.
 * A gallery is only as good as its enrolled faces, so a photo with no face,
 * with several, or with a small, doubtful, blurred, turned or duplicate
 * face is refused with a reason the caller can act on. Each gate can be
 * relaxed per request.
 *
 * @module
 */

import {
  DEFAULT_ENROL_MIN_FACE_SIZE,
  DEFAULT_ENROL_MIN_SCORE,
} from "@facever/gallery";
import type { AnalyzedFace } from "@facever/model";

/**
 * The limits of each gate.
 *
 * @example
 * ```ts
 * import { DEFAULT_GATES, type EnrolmentGates } from "@facever/edge";
 * const lenient: EnrolmentGates = { ...DEFAULT_GATES, maxYaw: 60 };
 * console.log(lenient.maxYaw);
 * ```
 */
export interface EnrolmentGates {
  /**
   * `"only"`: a photo with more than one face is refused (whose face is
   * meant?); `"largest"`: the largest face is enrolled.
   */
  readonly face: "only" | "largest";
  /** Smallest face, in pixels of the box's shorter side. */
  readonly minFaceSize: number;
  /** Lowest detector score. */
  readonly minScore: number;
  /** Lowest sharpness (variance of the Laplacian of the aligned crop). */
  readonly minSharpness: number;
  /** Largest |yaw|, in degrees. */
  readonly maxYaw: number;
  /** Largest |pitch|, in degrees. */
  readonly maxPitch: number;
  /**
   * Highest similarity to a face the subject already has: above it the
   * photo is taken for a copy of one already enrolled. 1 lets copies in.
   */
  readonly maxDuplicateSimilarity: number;
}

/**
 * The default gates.
 *
 * @example
 * ```ts
 * import { DEFAULT_GATES } from "@facever/edge";
 * console.log(DEFAULT_GATES.minFaceSize); // 64
 * ```
 */
export const DEFAULT_GATES: EnrolmentGates = Object.freeze({
  face: "only",
  minFaceSize: DEFAULT_ENROL_MIN_FACE_SIZE,
  minScore: DEFAULT_ENROL_MIN_SCORE,
  minSharpness: 10,
  maxYaw: 40,
  maxPitch: 35,
  maxDuplicateSimilarity: 0.97,
});

/**
 * Why a photo is refused.
 *
 * @example
 * ```ts
 * import type { RefusalReason } from "@facever/edge";
 * const retake: RefusalReason[] = ["blurry", "pose", "face_too_small"];
 * console.log(retake.length);
 * ```
 */
export type RefusalReason =
  | "no_face"
  | "multiple_faces"
  | "face_too_small"
  | "low_score"
  | "blurry"
  | "pose"
  | "duplicate";

/**
 * A refused photo: the reason, what was measured and the limit it missed.
 *
 * @example
 * ```ts
 * import type { Refusal } from "@facever/edge";
 * const refusal: Refusal = {
 *   reason: "blurry",
 *   message: "the face is blurred (sharpness 4.1, at least 10)",
 *   measured: 4.1,
 *   limit: 10,
 * };
 * console.log(refusal.reason);
 * ```
 */
export interface Refusal {
  readonly reason: RefusalReason;
  readonly message: string;
  readonly measured?: number;
  readonly limit?: number;
}

/**
 * The face to enrol from a photo's faces (largest first), or why there is
 * none. The duplicate gate needs the subject's faces and is the caller's.
 *
 * @example
 * ```ts
 * import { checkFaces, DEFAULT_GATES } from "@facever/edge";
 * console.log(checkFaces([], DEFAULT_GATES)); // { reason: "no_face", … }
 * ```
 */
export function checkFaces(
  faces: readonly AnalyzedFace[],
  gates: EnrolmentGates,
): { readonly face: AnalyzedFace } | Refusal {
  if (faces.length === 0) {
    return { reason: "no_face", message: "no face found in the photo" };
  }
  if (faces.length > 1 && gates.face === "only") {
    return {
      reason: "multiple_faces",
      message:
        `the photo holds ${faces.length} faces; send a photo of one person, or pass face=largest`,
      measured: faces.length,
      limit: 1,
    };
  }
  const [face] = faces;
  const size = Math.min(face.box.width, face.box.height);
  const { sharpness, pose } = face.quality;
  const refusals: (Refusal | false)[] = [
    size < gates.minFaceSize && {
      reason: "face_too_small",
      message: `the face is ${
        Math.round(size)
      } px; come closer (at least ${gates.minFaceSize} px)`,
      measured: size,
      limit: gates.minFaceSize,
    },
    face.score < gates.minScore && {
      reason: "low_score",
      message: `the detector is not sure this is a face (score ${
        face.score.toFixed(3)
      }, at least ${gates.minScore})`,
      measured: face.score,
      limit: gates.minScore,
    },
    sharpness < gates.minSharpness && {
      reason: "blurry",
      message: `the face is blurred (sharpness ${
        sharpness.toFixed(1)
      }, at least ${gates.minSharpness}); hold still`,
      measured: sharpness,
      limit: gates.minSharpness,
    },
    Math.abs(pose.yaw) > gates.maxYaw && {
      reason: "pose",
      message: `the face is turned ${
        Math.round(Math.abs(pose.yaw))
      }° sideways (at most ${gates.maxYaw}°); face the camera`,
      measured: pose.yaw,
      limit: gates.maxYaw,
    },
    Math.abs(pose.pitch) > gates.maxPitch && {
      reason: "pose",
      message: `the face is tilted ${
        Math.round(Math.abs(pose.pitch))
      }° up or down (at most ${gates.maxPitch}°); face the camera`,
      measured: pose.pitch,
      limit: gates.maxPitch,
    },
  ];
  return refusals.find((refusal): refusal is Refusal => refusal !== false) ??
    { face };
}

/**
 * The refusal of a face too like one the subject has, if it is.
 *
 * @example
 * ```ts
 * import { checkDuplicate, DEFAULT_GATES } from "@facever/edge";
 * console.log(checkDuplicate(0.999, DEFAULT_GATES)?.reason); // "duplicate"
 * ```
 */
export function checkDuplicate(
  similarity: number | undefined,
  gates: EnrolmentGates,
): Refusal | undefined {
  if (similarity === undefined || similarity <= gates.maxDuplicateSimilarity) {
    return undefined;
  }
  return {
    reason: "duplicate",
    message: `the subject already has this face (similarity ${
      similarity.toFixed(4)
    }, at most ${gates.maxDuplicateSimilarity}); enrol a different photo`,
    measured: similarity,
    limit: gates.maxDuplicateSimilarity,
  };
}
