/**
 * Phone-photo-sized pictures made of real photos: faces (LFW photos,
 * enlarged) placed where a test wants them on a background with a photo's
 * texture and no face, and a camera's grain, so that a JPEG of it is as
 * large as a phone's.
 *
 * @module
 */
import { uniform } from "./random.ts";

/** An RGB picture: `width * height * 3` bytes. */
export interface CanvasPicture {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One face to place: a photo, drawn as a `size` × `size` square at (`x`, `y`). */
export interface PlacedFace {
  readonly photo: CanvasPicture;
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

/** What {@linkcode faceCanvas} draws. */
export interface FaceCanvasOptions {
  readonly width: number;
  readonly height: number;
  /**
   * Photos whose corners make the background: 50 × 50 squares from each
   * corner, which in a portrait such as LFW's hold no face, shown at twice
   * their size in a seeded order, some mirrored.
   */
  readonly backgrounds: readonly CanvasPicture[];
  readonly faces: readonly PlacedFace[];
  /** Camera grain: the standard deviation of the noise added, 0 for none. */
  readonly grain?: number;
  readonly seed?: number;
}

const PATCH = 50;
const CELL = 2 * PATCH;

/** Bilinear sample of channel `c` at (`x`, `y`), clamped to the picture. */
function sample(p: CanvasPicture, x: number, y: number, c: number): number {
  const fx = Math.min(Math.max(x, 0), p.width - 1);
  const fy = Math.min(Math.max(y, 0), p.height - 1);
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, p.width - 1), y1 = Math.min(y0 + 1, p.height - 1);
  const ax = fx - x0, ay = fy - y0;
  const at = (xx: number, yy: number) => p.data[(yy * p.width + xx) * 3 + c];
  return (at(x0, y0) * (1 - ax) + at(x1, y0) * ax) * (1 - ay) +
    (at(x0, y1) * (1 - ax) + at(x1, y1) * ax) * ay;
}

/**
 * Draws the canvas: the background, the faces (later ones on top, clipped
 * to the canvas), then the grain.
 *
 * @example
 * ```ts
 * import { faceCanvas, syntheticPicture } from "@facever/testing";
 * const photo = syntheticPicture(250, 250);
 * const canvas = faceCanvas({
 *   width: 400,
 *   height: 300,
 *   backgrounds: [photo],
 *   faces: [{ photo, x: 100, y: 20, size: 200 }],
 *   grain: 4,
 * });
 * console.log(canvas.width, canvas.data.length); // 400 360000
 * ```
 */
export function faceCanvas(options: FaceCanvasOptions): CanvasPicture {
  const { width, height, backgrounds, faces } = options;
  const random = uniform(options.seed ?? 1);
  const data = new Uint8Array(width * height * 3);
  for (let top = 0; top < height; top += CELL) {
    for (let left = 0; left < width; left += CELL) {
      const photo = backgrounds[Math.floor(random() * backgrounds.length)];
      const corner = Math.floor(random() * 4);
      const px = corner & 1 ? photo.width - PATCH : 0;
      const py = corner & 2 ? photo.height - PATCH : 0;
      const mirror = random() < 0.5;
      for (let y = top; y < Math.min(top + CELL, height); y++) {
        for (let x = left; x < Math.min(left + CELL, width); x++) {
          const u = (x - left) / 2, v = (y - top) / 2;
          const sx = px + (mirror ? PATCH - 1 - u : u);
          const o = (y * width + x) * 3;
          for (let c = 0; c < 3; c++) {
            data[o + c] = sample(photo, sx, py + v, c) + 0.5;
          }
        }
      }
    }
  }
  for (const { photo, x: left, y: top, size } of faces) {
    const scale = photo.width / size;
    for (let y = Math.max(0, top); y < Math.min(height, top + size); y++) {
      for (let x = Math.max(0, left); x < Math.min(width, left + size); x++) {
        const o = (y * width + x) * 3;
        const sx = (x - left + 0.5) * scale - 0.5;
        const sy = (y - top + 0.5) * scale - 0.5;
        for (let c = 0; c < 3; c++) {
          data[o + c] = sample(photo, sx, sy, c) + 0.5;
        }
      }
    }
  }
  const grain = options.grain ?? 0;
  if (grain > 0) {
    // The sum of three uniforms, scaled: near enough a Gaussian.
    const k = grain * 2;
    for (let i = 0; i < data.length; i++) {
      const noise = (random() + random() + random() - 1.5) * k;
      data[i] = Math.min(255, Math.max(0, data[i] + noise + 0.5));
    }
  }
  return { width, height, data };
}

/**
 * The pixels a camera stores for `upright` with EXIF `orientation` (1..8):
 * what, turned as the orientation says, shows `upright`. Orientations 5..8
 * swap width and height.
 *
 * @example
 * ```ts
 * import { storedForOrientation } from "@facever/testing";
 * const upright = { width: 2, height: 1, data: new Uint8Array([1, 1, 1, 2, 2, 2]) };
 * // Shown turned a quarter clockwise (EXIF 6): stored as a column.
 * const stored = storedForOrientation(upright, 6);
 * console.log(stored.width, stored.height, stored.data); // 1 2 Uint8Array(6) [ 1, 1, 1, 2, 2, 2 ]
 * ```
 */
export function storedForOrientation(
  upright: CanvasPicture,
  orientation: number,
): CanvasPicture {
  const swap = orientation >= 5 && orientation <= 8;
  const width = swap ? upright.height : upright.width;
  const height = swap ? upright.width : upright.height;
  const data = new Uint8Array(upright.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Where stored (x, y) is shown, per the EXIF orientation.
      const [ux, uy] = [
        [x, y],
        [width - 1 - x, y],
        [width - 1 - x, height - 1 - y],
        [x, height - 1 - y],
        [y, x],
        [height - 1 - y, x],
        [height - 1 - y, width - 1 - x],
        [y, width - 1 - x],
      ][orientation >= 1 && orientation <= 8 ? orientation - 1 : 0];
      const from = (uy * upright.width + ux) * 3, to = (y * width + x) * 3;
      data[to] = upright.data[from];
      data[to + 1] = upright.data[from + 1];
      data[to + 2] = upright.data[from + 2];
    }
  }
  return { width, height, data };
}
