/**
 * Figures that tell whether a face is fit to enrol: how sharp its aligned
 * crop is, and how far its pose is from frontal, from the five landmarks
 * alone (no model).
 *
 * @module
 */

import { ARCFACE_TEMPLATE } from "./align.ts";
import { toGrayscale } from "./image.ts";
import type { Point, RgbImage } from "./types.ts";

/**
 * Head pose in degrees, estimated from five landmarks: `yaw` positive when
 * the nose points to the image's right, `pitch` positive when it points
 * down, `roll` positive when the eye line turns clockwise in the image.
 *
 * @example
 * ```ts
 * import type { Pose } from "@facever/core";
 * const frontal: Pose = { yaw: 0, pitch: 0, roll: 0 };
 * console.log(frontal.yaw);
 * ```
 */
export interface Pose {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

/**
 * How far the nose tip stands in front of the eyes, as a share of half the
 * eye distance: about 1 on adult faces (pupils ≈ 63 mm apart, nose tip
 * ≈ 30 mm in front of them), so that yaw ≈ atan(sideways nose offset ÷
 * half the eye distance).
 */
const NOSE_DEPTH = 1;

/** Where the nose tip sits, measured in the face's own level frame. */
interface NoseOffsets {
  /** Sideways from the eyes' midpoint, in half eye distances. */
  readonly side: number;
  /** Down from the eye line, as a share of the eye-to-mouth height. */
  readonly height: number;
  /** The eye line's angle, in radians. */
  readonly roll: number;
}

function noseOffsets(landmarks: readonly Point[]): NoseOffsets {
  if (
    landmarks.length !== 5 ||
    !landmarks.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
  ) {
    throw new RangeError("the pose needs five landmarks with finite x and y");
  }
  const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks;
  const dx = rightEye.x - leftEye.x;
  const dy = rightEye.y - leftEye.y;
  const eyeDistance = Math.hypot(dx, dy);
  if (eyeDistance === 0) {
    throw new RangeError("the pose needs two distinct eye points");
  }
  const roll = Math.atan2(dy, dx);
  // Turned by -roll, the eye line is horizontal and the eyes' midpoint is
  // the origin.
  const cos = Math.cos(roll), sin = Math.sin(roll);
  const eyesX = (leftEye.x + rightEye.x) / 2;
  const eyesY = (leftEye.y + rightEye.y) / 2;
  const level = (x: number, y: number) => ({
    x: cos * (x - eyesX) + sin * (y - eyesY),
    y: -sin * (x - eyesX) + cos * (y - eyesY),
  });
  const n = level(nose.x, nose.y);
  const m = level(
    (leftMouth.x + rightMouth.x) / 2,
    (leftMouth.y + rightMouth.y) / 2,
  );
  return {
    side: n.x / (eyeDistance / 2),
    height: m.y > 0 ? n.y / m.y : 0,
    roll,
  };
}

/** The template's own offsets: the pose of a frontal face is zero. */
const FRONTAL = noseOffsets(ARCFACE_TEMPLATE);

/**
 * The pose of a face from its five ArcFace landmarks (eyes, nose tip,
 * mouth corners, in the order `DetectedFace.landmarks` gives them),
 * relative to the ArcFace template. A coarse estimate, good to about ten
 * degrees near frontal, meant for refusing turned faces rather than
 * measuring them.
 *
 * @throws {RangeError} When there are not five finite points, or the eyes
 * coincide.
 *
 * @example
 * ```ts
 * import { ARCFACE_TEMPLATE, estimatePose } from "@facever/core";
 * const { yaw, pitch, roll } = estimatePose(ARCFACE_TEMPLATE);
 * console.log(yaw, pitch, roll); // 0 0 0
 * ```
 */
export function estimatePose(landmarks: readonly Point[]): Pose {
  const { side, height, roll } = noseOffsets(landmarks);
  const yaw = Math.atan((side - FRONTAL.side) / NOSE_DEPTH);
  // A head tilted down brings the nose tip towards the mouth line.
  const pitch = Math.asin(
    Math.max(-1, Math.min(1, 2 * (height - FRONTAL.height))),
  );
  return {
    yaw: degrees(yaw),
    pitch: degrees(pitch),
    roll: degrees(roll - FRONTAL.roll),
  };
}

function degrees(radians: number): number {
  return (radians * 180) / Math.PI;
}

/**
 * Sharpness: the variance of the 4-neighbour Laplacian of the grey image,
 * over its inner pixels. Blur and upscaled small faces score low; measure
 * it on the aligned 112×112 crop so that faces of any size compare.
 *
 * @throws {RangeError} For an image smaller than 3×3.
 *
 * @example
 * ```ts
 * import { laplacianVariance } from "@facever/core";
 * const flat = { width: 3, height: 3, data: new Uint8Array(27).fill(128) };
 * console.log(laplacianVariance(flat)); // 0
 * ```
 */
export function laplacianVariance(image: RgbImage): number {
  const { width, height } = image;
  if (width < 3 || height < 3) {
    throw new RangeError(
      `the Laplacian needs an image of at least 3x3, got ${width}x${height}`,
    );
  }
  const grey = toGrayscale(image);
  let sum = 0, sumOfSquares = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = y * width + x;
      const value = grey[at - width] + grey[at + width] + grey[at - 1] +
        grey[at + 1] - 4 * grey[at];
      sum += value;
      sumOfSquares += value * value;
    }
  }
  const count = (width - 2) * (height - 2);
  const mean = sum / count;
  return sumOfSquares / count - mean * mean;
}
