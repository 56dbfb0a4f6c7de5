/**
 * Puts decoded pixels upright for an EXIF orientation, in the same pass
 * that turns RGBA into RGB where a decoder gives RGBA, so that no extra
 * copy of the image is made. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";

/**
 * Where stored pixel (x, y) of a `w` x `h` image goes in the upright one:
 * pixel index `base + x * stepX + y * stepY`.
 *
 * Stored (x, y) goes to upright position:
 * 1 (x, y) · 2 (W-1-x, y) · 3 (W-1-x, H-1-y) · 4 (x, H-1-y) ·
 * 5 (y, x) · 6 (H-1-y, x) · 7 (H-1-y, W-1-x) · 8 (y, W-1-x).
 */
function steps(w: number, h: number, orientation: number) {
  const swap = orientation >= 5 && orientation <= 8;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  let base: number, stepX: number, stepY: number;
  switch (orientation) {
    case 2:
      base = w - 1, stepX = -1, stepY = outW;
      break;
    case 3:
      base = (h - 1) * outW + w - 1, stepX = -1, stepY = -outW;
      break;
    case 4:
      base = (h - 1) * outW, stepX = 1, stepY = -outW;
      break;
    case 5:
      base = 0, stepX = outW, stepY = 1;
      break;
    case 6:
      base = h - 1, stepX = outW, stepY = -1;
      break;
    case 7:
      base = (w - 1) * outW + h - 1, stepX = -outW, stepY = -1;
      break;
    case 8:
      base = (w - 1) * outW, stepX = -outW, stepY = 1;
      break;
    default:
      base = 0, stepX = 1, stepY = outW;
  }
  return { outW, outH, base, stepX, stepY };
}

/**
 * Returns the upright image for EXIF `orientation` (1..8) of a `stored`
 * image. Orientations 5..8 swap width and height.
 */
export function applyOrientation(
  stored: RgbImage,
  orientation: number,
): RgbImage {
  if (orientation <= 1 || orientation > 8) return stored;
  const w = stored.width, h = stored.height, src = stored.data;
  const { outW, outH, base, stepX, stepY } = steps(w, h, orientation);
  const out = new Uint8Array(src.length);
  for (let y = 0, s = 0; y < h; y++) {
    let d = base + y * stepY;
    for (let x = 0; x < w; x++, s += 3, d += stepX) {
      const o = d * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return { width: outW, height: outH, data: out };
}

/**
 * RGBA to upright RGB in one pass, alpha composited over white:
 * `round((c·a + 255·(255 − a)) / 255)`.
 */
export function rgbaToUprightRgb(
  w: number,
  h: number,
  rgba: Uint8Array | Uint8ClampedArray,
  orientation: number,
): RgbImage {
  const { outW, outH, base, stepX, stepY } = steps(w, h, orientation);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0, s = 0; y < h; y++) {
    let d = base + y * stepY;
    for (let x = 0; x < w; x++, s += 4, d += stepX) {
      const o = d * 3;
      const a = rgba[s + 3];
      if (a === 255) {
        out[o] = rgba[s];
        out[o + 1] = rgba[s + 1];
        out[o + 2] = rgba[s + 2];
      } else {
        const white = 255 * (255 - a) + 127;
        out[o] = ((rgba[s] * a + white) / 255) | 0;
        out[o + 1] = ((rgba[s + 1] * a + white) / 255) | 0;
        out[o + 2] = ((rgba[s + 2] * a + white) / 255) | 0;
      }
    }
  }
  return { width: outW, height: outH, data: out };
}
