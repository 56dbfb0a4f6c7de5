/**
 * Applies an EXIF orientation to a decoded image so that it is upright.
 * Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";

/**
 * Returns the upright image for EXIF `orientation` (1..8) of a `stored`
 * image. Orientations 5..8 swap width and height.
 *
 * Stored pixel (x, y) of a W x H image goes to upright position:
 * 1 (x, y) · 2 (W-1-x, y) · 3 (W-1-x, H-1-y) · 4 (x, H-1-y) ·
 * 5 (y, x) · 6 (H-1-y, x) · 7 (H-1-y, W-1-x) · 8 (y, W-1-x).
 */
export function applyOrientation(
  stored: RgbImage,
  orientation: number,
): RgbImage {
  if (orientation <= 1 || orientation > 8) return stored;
  const w = stored.width, h = stored.height, src = stored.data;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(src.length);
  // Destination index = base + x * stepX + y * stepY (in pixels).
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
    default: // 8
      base = (w - 1) * outW, stepX = -outW, stepY = 1;
  }
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
