/**
 * The enrolment gates: what a photo must be for its face to be enrolled,
 * the one rule of `enrolFolder`, the HTTP API and the kiosk. A gallery is
 * only as good as its enrolled faces, so a photo with no face, with
 * several, or with a small, doubtful, blurred, turned or duplicate face is
 * refused with a reason the caller can act on. Each gate can be relaxed.
 *
 * @module
 */

import type { Box, Pose } from "@facever/core";

/**
 * What the gates look at of a face: its box and score, and the quality
 * figures where the pipeline gives them (`FaceEngine` does); without them
 * the sharpness and pose gates pass. A face that carries the passive
 * liveness check (`FaceEngine` with `liveness`) must be live.
 *
 * @example
 * ```ts
 * import type { GatedFace } from "@facever/gallery";
 * const face: GatedFace = { box: { x: 0, y: 0, width: 90, height: 110 }, score: 0.99 };
 * console.log(face.score);
 * ```
 */
export interface GatedFace {
  readonly box: Box;
  readonly score: number;
  readonly quality?: { readonly sharpness: number; readonly pose: Pose };
  readonly liveness?: { readonly score: number; readonly live: boolean };
}

/**
 * The limits of each gate.
 *
 * @example
 * ```ts
 * import { DEFAULT_GATES, type EnrolmentGates } from "@facever/gallery";
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
 * The default gates, measured on all 13,233 LFW photos (`deno task
 * bench:gates`; the evidence is in bench/README.md): together they refuse
 * 4.3 % of LFW, and the faces they refuse are rejected by their own
 * genuine pairs 3.1 % of the time against 0.6 % for the faces they keep.
 * A score of 0.9 refuses 0.02 %; 60 px refuses 0.03 %, while faces shrunk
 * to 44 px still verify as well (the detector starts to miss them there).
 * Sharpness 20 refuses 0.28 % of LFW and 97.5 % of 6× blurs; yaw and pitch
 * 45° refuse 0.5 % and 0.7 %, whose genuine pairs fail 4.7 % and 2.4 % of
 * the time; a similarity of 0.95 catches every JPEG re-save at quality 70
 * or better and 96.8 % of mirrored copies, while different photos of one
 * person reach 0.90–0.95.
 *
 * @example
 * ```ts
 * import { DEFAULT_GATES } from "@facever/gallery";
 * console.log(DEFAULT_GATES.minFaceSize, DEFAULT_GATES.maxYaw); // 60 45
 * ```
 */
export const DEFAULT_GATES: EnrolmentGates = Object.freeze({
  face: "only",
  minFaceSize: 60,
  minScore: 0.9,
  minSharpness: 20,
  maxYaw: 45,
  maxPitch: 45,
  maxDuplicateSimilarity: 0.95,
});

/**
 * A second face counts as a second person in the photo when its box's
 * shorter side is at least this share of the largest face's: smaller
 * faces are bystanders. On LFW this refuses 2.95 % of photos, every one of
 * the 39 whose largest face is not the subject; refusing any second face
 * would refuse 11.4 % (bystanders are common).
 */
const SECOND_PERSON_SHARE = 0.75;

/**
 * Every reason a photo can be refused for, in the order the gates are
 * checked: the one list the API's schema, the kiosk's guidance and the
 * docs follow. `spoof`: the face failed the passive liveness check (a
 * print or a screen held up to the camera, as far as the check can tell).
 *
 * @example
 * ```ts
 * import { REFUSAL_REASONS } from "@facever/gallery";
 * console.log(REFUSAL_REASONS.includes("spoof")); // true
 * ```
 */
export const REFUSAL_REASONS = [
  "no_face",
  "multiple_faces",
  "face_too_small",
  "low_score",
  "blurry",
  "pose",
  "spoof",
  "duplicate",
] as const;

/**
 * Why a photo is refused.
 *
 * @example
 * ```ts
 * import type { RefusalReason } from "@facever/gallery";
 * const retake: RefusalReason[] = ["blurry", "pose", "face_too_small"];
 * console.log(retake.length);
 * ```
 */
export type RefusalReason = typeof REFUSAL_REASONS[number];

/**
 * A refused photo: the reason, what was measured and the limit it missed.
 *
 * @example
 * ```ts
 * import type { Refusal } from "@facever/gallery";
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
 * The face to enrol from a photo's faces (the largest), or why there is
 * none. The duplicate gate needs the subject's faces: see
 * {@linkcode checkDuplicate}.
 *
 * @example
 * ```ts
 * import { checkFaces, DEFAULT_GATES } from "@facever/gallery";
 * console.log(checkFaces([], DEFAULT_GATES)); // { reason: "no_face", … }
 * ```
 */
export function checkFaces<Face extends GatedFace>(
  faces: readonly Face[],
  gates: EnrolmentGates,
): { readonly face: Face } | Refusal {
  if (faces.length === 0) {
    return { reason: "no_face", message: "no face found in the photo" };
  }
  const side = ({ box }: GatedFace) => Math.min(box.width, box.height);
  const face = faces.reduce((a, b) => side(b) > side(a) ? b : a);
  const size = side(face);
  const rivals = faces.filter((other) =>
    other !== face && side(other) >= SECOND_PERSON_SHARE * size
  );
  if (rivals.length > 0 && gates.face === "only") {
    return {
      reason: "multiple_faces",
      message: `the photo holds ${
        rivals.length + 1
      } faces of similar size; send a photo of one person, or pass face=largest`,
      measured: rivals.length + 1,
      limit: 1,
    };
  }
  const { sharpness, pose } = face.quality ??
    { sharpness: Infinity, pose: { yaw: 0, pitch: 0, roll: 0 } };
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
    face.liveness?.live === false && {
      reason: "spoof",
      message:
        `the face looks like a photo or a screen held up to the camera (liveness ${
          face.liveness.score.toFixed(3)
        }); step in front of the camera yourself`,
      measured: face.liveness.score,
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
 * import { checkDuplicate, DEFAULT_GATES } from "@facever/gallery";
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
