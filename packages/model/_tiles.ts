// Which detector passes cover an image: an image pyramid, tiled where a
// level is larger than the detector's input.
import type { Box } from "@facever/core";

/** Width of the detector's input, in pixels. */
export const DETECTOR_WIDTH = 320;
/** Height of the detector's input, in pixels. */
export const DETECTOR_HEIGHT = 240;

/** The size of a detector input, in pixels. */
export interface InputSize {
  readonly width: number;
  readonly height: number;
}
/** Upper bound on detector passes for one image, whatever its size. */
export const MAX_PASSES = 64;
/**
 * Largest scale ratio between neighbouring pyramid levels. A face too small
 * for one level is at most this much larger on the next, which sets how
 * much the tiles of that level must overlap.
 */
const MAX_LEVEL_STEP = 3;

/** One pyramid level: the whole image resized, and the windows to run on. */
export interface Level {
  /** Width of the image resized to this level. */
  readonly width: number;
  /** Height of the image resized to this level. */
  readonly height: number;
  /** Detector-sized (or smaller) windows into the resized image, in pixels. */
  readonly windows: readonly Box[];
  /**
   * Widest face, in pixels of this level, that this level reports. Wider
   * ones are found by the coarser level before it, and may not fit whole in
   * one window here: a window then sees only part of the face, which the
   * detector tends to take for a face of its own.
   */
  readonly maxFaceWidth: number;
  /** The detector input the windows are placed in. */
  readonly input: InputSize;
}

/**
 * Plans the passes that find faces from `minFaceSize` pixels wide up to the
 * whole image, for a detector that finds faces of `minDetectable` pixels and
 * more at its own resolution.
 *
 * Level 0 is the image letterboxed into one detector input. Each further
 * level enlarges by at most {@linkcode MAX_LEVEL_STEP}, up to the scale at
 * which `minFaceSize` becomes `minDetectable`, and is cut into windows
 * that overlap enough for every face too small for the level before (at
 * most `MAX_LEVEL_STEP · minDetectable` wide, and taller by up to a third)
 * to fit whole in one window, `edgeMargin` from its edges. When that would
 * take more than {@linkcode MAX_PASSES} passes, the finest level is made
 * coarser until it does not.
 *
 * When the detector also runs `smaller` inputs, the smallest of them in
 * which the letterboxed image still brings `minFaceSize` to `minDetectable`
 * is the only level: the same faces, found in a fraction of the work.
 */
export function planLevels(
  width: number,
  height: number,
  minFaceSize: number,
  minDetectable: number,
  edgeMargin: number,
  smaller: readonly InputSize[] = [],
): Level[] {
  const bySize = [...smaller].sort((a, b) =>
    a.width * a.height - b.width * b.height
  );
  for (const input of bySize) {
    const scale = Math.min(input.width / width, input.height / height);
    if (minFaceSize * scale >= minDetectable) {
      return [wholeImage(width, height, scale, input)];
    }
  }
  const maxFaceWidth = MAX_LEVEL_STEP * minDetectable;
  const overlap = Math.ceil(maxFaceWidth * 4 / 3) + 2 * edgeMargin;
  const base = Math.min(DETECTOR_WIDTH / width, DETECTOR_HEIGHT / height);
  let finest = minDetectable / minFaceSize;
  for (;;) {
    const levels = [wholeImage(width, height, base, FULL_INPUT)];
    const steps = finest > base
      ? Math.ceil(Math.log(finest / base) / Math.log(MAX_LEVEL_STEP) - 1e-9)
      : 0;
    for (let k = 1; k <= steps; k++) {
      const scale = base * (finest / base) ** (k / steps);
      levels.push(tiled(width, height, scale, overlap, maxFaceWidth));
    }
    const passes = levels.reduce((n, level) => n + level.windows.length, 0);
    if (passes <= MAX_PASSES) return levels;
    finest *= 0.9;
  }
}

const FULL_INPUT: InputSize = {
  width: DETECTOR_WIDTH,
  height: DETECTOR_HEIGHT,
};

function wholeImage(
  width: number,
  height: number,
  scale: number,
  input: InputSize,
): Level {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return {
    width: w,
    height: h,
    windows: [{ x: 0, y: 0, width: w, height: h }],
    maxFaceWidth: Infinity,
    input,
  };
}

function tiled(
  width: number,
  height: number,
  scale: number,
  overlap: number,
  maxFaceWidth: number,
): Level {
  // A sliver of an image (1921×1) still scales to at least one pixel.
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const windows: Box[] = [];
  for (const y of starts(h, DETECTOR_HEIGHT, overlap)) {
    for (const x of starts(w, DETECTOR_WIDTH, overlap)) {
      windows.push({
        x,
        y,
        width: Math.min(DETECTOR_WIDTH, w),
        height: Math.min(DETECTOR_HEIGHT, h),
      });
    }
  }
  return { width: w, height: h, windows, maxFaceWidth, input: FULL_INPUT };
}

/** Evenly spread window starts along one axis, at least `overlap` apart from full. */
function starts(length: number, window: number, overlap: number): number[] {
  if (length <= window) return [0];
  const count = Math.ceil((length - window) / (window - overlap)) + 1;
  return Array.from(
    { length: count },
    (_, i) => Math.round(i * (length - window) / (count - 1)),
  );
}
