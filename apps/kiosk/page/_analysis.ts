/**
 * What the page knows of one camera frame: every face the detector finds,
 * each with the quality figures `FaceEngine.analyze` gives on the server
 * (sharpness of the aligned crop, pose from the landmarks), and the verdict
 * of the enrolment gates (`checkFaces`), so that the guidance shown is the
 * rule the server enforces, measured the same way.
 *
 * @module
 */

import {
  alignFace,
  estimatePose,
  laplacianVariance,
  type RgbImage,
} from "@facever/core";
import {
  checkFaces,
  DEFAULT_GATES,
  type EnrolmentGates,
  type Refusal,
} from "@facever/gallery";
import type { DetectedFace, FaceDetector, FaceQuality } from "@facever/model";

/**
 * A face of a frame, with its quality figures and its aligned 112×112
 * crop (what the embedder would see).
 *
 * @example
 * ```ts
 * import type { FrameFace } from "./_analysis.ts";
 * const side = (face: FrameFace) => Math.min(face.box.width, face.box.height);
 * console.log(typeof side);
 * ```
 */
export interface FrameFace extends DetectedFace {
  readonly quality: FaceQuality;
  readonly aligned: RgbImage;
}

/**
 * One analysed frame: its faces, largest first, and the gates' verdict,
 * the face to use or why there is none.
 *
 * @example
 * ```ts
 * import type { FrameAnalysis } from "./_analysis.ts";
 * const usable = (frame: FrameAnalysis) => "face" in frame.verdict;
 * console.log(typeof usable);
 * ```
 */
export interface FrameAnalysis {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly FrameFace[];
  readonly verdict: { readonly face: FrameFace } | Refusal;
}

/**
 * Finds the faces of a frame, measures them and passes them through the
 * enrolment gates (default: the server's defaults). The duplicate gate
 * needs the gallery, so only the server applies it.
 *
 * @example
 * ```ts
 * import { FaceDetector } from "@facever/model";
 * import { analyzeFrame } from "./_analysis.ts";
 * const detector = await FaceDetector.load({ backend: "wasm" });
 * const blank = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
 * const { verdict } = await analyzeFrame(detector, blank);
 * console.log("reason" in verdict && verdict.reason); // "no_face"
 * ```
 */
export async function analyzeFrame(
  detector: Pick<FaceDetector, "detectFaces">,
  image: RgbImage,
  gates: EnrolmentGates = DEFAULT_GATES,
): Promise<FrameAnalysis> {
  const faces = (await detector.detectFaces(image)).map((face) => {
    const aligned = alignFace(image, face.landmarks);
    const quality = {
      sharpness: laplacianVariance(aligned),
      pose: estimatePose(face.landmarks),
    };
    return { ...face, quality, aligned };
  });
  return {
    width: image.width,
    height: image.height,
    faces,
    verdict: checkFaces(faces, gates),
  };
}
