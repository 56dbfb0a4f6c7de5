/**
 * A face as the CLI, the API and the kiosk print it: one rounding for all,
 * so the same photo reads the same everywhere.
 *
 * @module
 */
import type { Box, Point } from "@facever/core";
import type { AnalyzedFace, FaceQuality } from "./engine.ts";
import type { Liveness } from "./liveness.ts";

/**
 * A face without its embedding, its numbers rounded to what they mean:
 * pixels to hundredths, scores to 1e-4, sharpness and angles to tenths.
 *
 * @example
 * ```ts
 * import type { RoundedFace } from "@facever/model";
 * const width = (face: RoundedFace) => face.box.width;
 * console.log(typeof width);
 * ```
 */
export interface RoundedFace {
  readonly box: Box;
  readonly score: number;
  readonly landmarks: Point[];
  readonly quality: FaceQuality;
  /** Present when the face's liveness was checked. */
  readonly liveness?: Liveness;
}

/**
 * `face` as printed: its box, score, landmarks, quality figures and
 * liveness, rounded; the embedding left out.
 *
 * @example
 * ```ts
 * import { FaceEngine, roundedFace } from "@facever/model";
 * const engine = await FaceEngine.create();
 * const [face] = await engine.faces(await Deno.readFile("a.jpg"));
 * console.log(JSON.stringify(roundedFace(face).box));
 * ```
 */
export function roundedFace(face: AnalyzedFace): RoundedFace {
  const { box, quality: { sharpness, pose }, liveness } = face;
  return {
    box: {
      x: round(box.x, 2),
      y: round(box.y, 2),
      width: round(box.width, 2),
      height: round(box.height, 2),
    },
    score: round(face.score, 4),
    landmarks: face.landmarks.map(({ x, y }) => ({
      x: round(x, 2),
      y: round(y, 2),
    })),
    quality: {
      sharpness: round(sharpness, 1),
      pose: {
        yaw: round(pose.yaw, 1),
        pitch: round(pose.pitch, 1),
        roll: round(pose.roll, 1),
      },
    },
    ...(liveness &&
      { liveness: { score: round(liveness.score, 4), live: liveness.live } }),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
