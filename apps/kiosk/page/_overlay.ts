/// <reference lib="dom" />
/**
 * What is drawn over the video and beside it: the faces' boxes and
 * landmarks in the colour of the guidance, and the aligned face the
 * server identified.
 *
 * @module
 */

import type { RgbImage } from "@facever/core";
import type { FrameAnalysis } from "./_analysis.ts";
import type { Tone } from "./_guidance.ts";
import { rgbToRgba } from "./_pixels.ts";

const COLOURS: Readonly<Record<Tone, string>> = {
  good: "#2ecc71",
  adjust: "#f5a623",
  waiting: "#9aa0a6",
};

/**
 * Draws the faces of `analysis` on `canvas`, which lies over the video at
 * the frame's size: the face the gates judged in the guidance's colour,
 * the others thinner.
 *
 * @example
 * ```ts ignore
 * import { drawFaces } from "./_overlay.ts";
 * drawFaces(document.querySelector("canvas")!, analysis, "good");
 * ```
 */
export function drawFaces(
  canvas: HTMLCanvasElement,
  analysis: FrameAnalysis,
  tone: Tone,
): void {
  if (canvas.width !== analysis.width || canvas.height !== analysis.height) {
    canvas.width = analysis.width;
    canvas.height = analysis.height;
  }
  const context = canvas.getContext("2d")!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  const judged = "face" in analysis.verdict ? analysis.verdict.face : undefined;
  // Line widths follow the frame, so that the box reads the same at any
  // camera resolution.
  const unit = Math.max(1, analysis.width / 320);
  for (const face of analysis.faces) {
    const main = judged === undefined || face === judged;
    context.strokeStyle = context.fillStyle = COLOURS[tone];
    context.lineWidth = (main ? 2 : 1) * unit;
    const { x, y, width, height } = face.box;
    context.strokeRect(x, y, width, height);
    for (const point of face.landmarks) {
      context.beginPath();
      context.arc(point.x, point.y, 1.5 * unit, 0, 2 * Math.PI);
      context.fill();
    }
  }
}

/**
 * Shows an aligned face (112×112) on `canvas`.
 *
 * @example
 * ```ts ignore
 * import { drawCrop } from "./_overlay.ts";
 * drawCrop(document.querySelector("canvas")!, identity.crop);
 * ```
 */
export function drawCrop(canvas: HTMLCanvasElement, crop: RgbImage): void {
  canvas.width = crop.width;
  canvas.height = crop.height;
  canvas.getContext("2d")!.putImageData(
    new ImageData(rgbToRgba(crop), crop.width, crop.height),
    0,
    0,
  );
}
