// The 68-point landmark net's input and its reduction to the five points
// that ArcFace-style alignment uses.
import {
  type Box,
  type ImageSource,
  type Point,
  toGrayscale,
} from "@facever/core";

/** Side of the landmark net's square grayscale input, in pixels. */
export const LANDMARK_INPUT_SIZE = 64;
/** Values the landmark net returns per face: 68 (x, y) pairs. */
export const LANDMARK_OUTPUT_SIZE = 136;

/**
 * Decoded pixels per input pixel the landmark net's region is read from
 * where the image offers reduced resolutions (a large JPEG): twice its
 * 64×64, so that the area average matches that of the full image.
 */
const LANDMARK_DETAIL = 2;

/**
 * The whole-pixel part of `box` inside the image: the region the landmark
 * net sees, and so the frame its output is relative to.
 */
export function landmarkRegion(
  image: { readonly width: number; readonly height: number },
  box: Box,
): Box {
  const x0 = Math.min(Math.max(Math.round(box.x), 0), image.width - 1);
  const y0 = Math.min(Math.max(Math.round(box.y), 0), image.height - 1);
  const x1 = Math.max(
    Math.min(Math.round(box.x + box.width), image.width),
    x0 + 1,
  );
  const y1 = Math.max(
    Math.min(Math.round(box.y + box.height), image.height),
    y0 + 1,
  );
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Writes the net's input for one region into `out` from `offset`: the
 * region stretched to 64×64, BT.601 luma, divided by 256 as in training.
 */
export function writeLandmarkInput(
  image: ImageSource,
  region: Box,
  out: Float32Array,
  offset: number,
): void {
  const face = image.read(
    region,
    LANDMARK_INPUT_SIZE,
    LANDMARK_INPUT_SIZE,
    LANDMARK_DETAIL,
  );
  const luma = toGrayscale(face);
  for (let i = 0; i < luma.length; i++) out[offset + i] = luma[i] / 256;
}

/**
 * Reduces the net's 68 iBUG points (read from `output` at `offset`) to the
 * five ArcFace points: image-left eye, image-right eye, nose tip,
 * image-left mouth corner, image-right mouth corner. Eye centres average
 * the four lid points and mouth corners the outer and inner lip corner,
 * which aligned best in our measurements.
 */
export function fivePoints(
  output: Float32Array,
  offset: number,
  region: Box,
): Point[] {
  const mean = (...indices: number[]): Point => {
    let x = 0;
    let y = 0;
    for (const i of indices) {
      x += output[offset + 2 * i];
      y += output[offset + 2 * i + 1];
    }
    // The net's output is relative to the region's outer edges; Point puts
    // pixel centres at whole numbers, so the left edge is at x - 0.5.
    return {
      x: region.x + (x / indices.length) * region.width - 0.5,
      y: region.y + (y / indices.length) * region.height - 0.5,
    };
  };
  return [
    mean(37, 38, 40, 41),
    mean(43, 44, 46, 47),
    mean(30),
    mean(48, 60),
    mean(54, 64),
  ];
}
