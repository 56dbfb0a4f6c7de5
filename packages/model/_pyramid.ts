/**
 * The detector's search over an image: the RFB-320 net run on every window
 * of the tiled pyramid that `_tiles.ts` plans, coarse levels first, the
 * boxes of all windows merged by non-maximum suppression.
 *
 * @module
 */
import type { Box, ImageSource, RgbImage } from "@facever/core";
import { nonMaxSuppression, type ScoredBox } from "./_nms.ts";
import { type InputSize, type Level, planLevels } from "./_tiles.ts";
import type { DetectorNet } from "./_detector_net.ts";

/**
 * When a box is a duplicate of a better one: IoU 0.4 is the reference
 * implementation's; 0.8 coverage removes parts of large faces scored as
 * faces, while a real face is never mostly inside another face's box.
 */
const SUPPRESSION = { maxIou: 0.4, maxCovered: 0.8 } as const;
/**
 * Face width, in detector pixels, that finer levels bring `minFaceSize` to.
 * Measured with 80 LFW faces shrunk onto grey: 16 px and wider were found
 * 99 % of the time at score 0.65, 12 px 75 %, 10 px 34 %.
 */
const MIN_DETECTABLE = 20;
/**
 * Decoded pixels per level pixel the finer pyramid levels are read from,
 * where the image offers reduced resolutions (a large JPEG, whose first
 * level comes from its 1/8-scale image): their faces are small, and their
 * boxes and landmarks follow every change of input, so they are read from
 * twice their resolution, which for a phone photo means its full decode,
 * as when it is decoded whole. Measured on made-up 12 MP photos, faces of
 * 41–160 pixels found at those levels then match a full decode's
 * (cosine 0.995–1.0, from 0.915–0.994 at 1).
 */
const FINE_LEVEL_DETAIL = 2;
/** Boxes this close (in detector pixels) to a window edge shared with another window are cut faces. */
const EDGE_MARGIN = 2;
/** Windows per detector run: batches of 4 ran fastest per window on wasm. */
const DETECTOR_BATCH = 4;

/**
 * The faces `net` finds in `source` at least `minFaceSize` pixels wide and
 * scoring at least `minScore`, boxes clipped to the image, largest first,
 * at most `maxFaces` (see `FaceDetector.detectFaces` for the pyramid).
 */
export async function findFaces(
  net: DetectorNet,
  source: ImageSource,
  { minScore, minFaceSize, maxFaces }: {
    readonly minScore: number;
    readonly minFaceSize: number;
    readonly maxFaces: number;
  },
): Promise<ScoredBox[]> {
  const whole = { x: 0, y: 0, width: source.width, height: source.height };
  const candidates: ScoredBox[] = [];
  const levels = planLevels(
    source.width,
    source.height,
    minFaceSize,
    MIN_DETECTABLE,
    EDGE_MARGIN,
    net.smaller,
  );
  for (const [k, level] of levels.entries()) {
    if (k > 0 && enoughFound(candidates, level, source, maxFaces)) break;
    const scaled = source.read(
      whole,
      level.width,
      level.height,
      k === 0 ? 1 : FINE_LEVEL_DETAIL,
    );
    for (let i = 0; i < level.windows.length; i += DETECTOR_BATCH) {
      const windows = level.windows.slice(i, i + DETECTOR_BATCH);
      for (
        const found of await detectWindows(
          net,
          scaled,
          level.input,
          level.maxFaceWidth,
          windows,
          source,
          minScore,
        )
      ) {
        if (found.box.width >= minFaceSize) candidates.push(found);
      }
    }
  }
  return nonMaxSuppression(candidates, SUPPRESSION)
    .map(({ box, score }) => ({ box: clipBox(box, source), score }))
    .sort((a, b) => area(b.box) - area(a.box))
    .slice(0, maxFaces);
}

/**
 * Boxes scoring at least `minScore` and at most `maxFaceWidth` wide (in
 * `scaled` pixels) in some windows of the resized image, in `image` pixels.
 */
async function detectWindows(
  net: DetectorNet,
  scaled: RgbImage,
  size: InputSize,
  maxFaceWidth: number,
  windows: readonly Box[],
  image: ImageSource,
  minScore: number,
): Promise<ScoredBox[]> {
  const plane = size.width * size.height;
  const input = new Float32Array(windows.length * 3 * plane);
  windows.forEach((window, n) =>
    writeDetectorInput(scaled, window, size, input, n * 3 * plane)
  );
  const candidates = await net.run(
    input,
    windows.length,
    size,
    minScore,
  );
  const toImageX = image.width / scaled.width;
  const toImageY = image.height / scaled.height;
  const found: ScoredBox[] = [];
  windows.forEach((window, n) => {
    const cutLeft = window.x > 0;
    const cutTop = window.y > 0;
    const cutRight = window.x + window.width < scaled.width;
    const cutBottom = window.y + window.height < scaled.height;
    for (const candidate of candidates[n]) {
      const { score } = candidate;
      const x1 = candidate.x1 * size.width;
      const y1 = candidate.y1 * size.height;
      const x2 = candidate.x2 * size.width;
      const y2 = candidate.y2 * size.height;
      if (x2 - x1 > maxFaceWidth) continue;
      // A face cut by an edge that a neighbouring window overlaps is
      // found whole in that window; this part of it would survive NMS.
      if (
        (cutLeft && x1 < EDGE_MARGIN) || (cutTop && y1 < EDGE_MARGIN) ||
        (cutRight && x2 > window.width - EDGE_MARGIN) ||
        (cutBottom && y2 > window.height - EDGE_MARGIN)
      ) continue;
      found.push({
        score,
        box: {
          x: (window.x + x1) * toImageX,
          y: (window.y + y1) * toImageY,
          width: (x2 - x1) * toImageX,
          height: (y2 - y1) * toImageY,
        },
      });
    }
  });
  return found;
}

/**
 * Writes one window of `image` into `out` from `offset` as the detector's
 * CHW input of `size`, (v - 127) / 128. The rest of the input stays 0, the
 * value of mid-grey, so a letterboxed image has a neutral border.
 */
function writeDetectorInput(
  image: RgbImage,
  window: Box,
  size: InputSize,
  out: Float32Array,
  offset: number,
): void {
  const plane = size.width * size.height;
  const src = image.data;
  for (let y = 0; y < window.height; y++) {
    let p = ((window.y + y) * image.width + window.x) * 3;
    let o = offset + y * size.width;
    for (let x = 0; x < window.width; x++, p += 3, o++) {
      out[o] = (src[p] - 127) / 128;
      out[o + plane] = (src[p + 1] - 127) / 128;
      out[o + 2 * plane] = (src[p + 2] - 127) / 128;
    }
  }
}

/**
 * Whether `maxFaces` faces are already found that are larger than anything
 * `level` and the finer levels after it can report (faces at most
 * `maxFaceWidth` wide there, and taller by up to a third), so that they
 * need not run: a frame with someone close to the camera then takes one
 * pass on a reduced image instead of a pyramid.
 */
function enoughFound(
  candidates: readonly ScoredBox[],
  level: Level,
  image: ImageSource,
  maxFaces: number,
): boolean {
  if (!Number.isFinite(maxFaces)) return false;
  const widest = level.maxFaceWidth * image.width / level.width;
  const bound = widest * widest * 4 / 3;
  const larger = nonMaxSuppression(candidates, SUPPRESSION)
    .filter(({ box }) => area(clipBox(box, image)) > bound);
  return larger.length >= maxFaces;
}

function area(box: Box): number {
  return box.width * box.height;
}

function clipBox(box: Box, image: ImageSource): Box {
  const x1 = Math.min(Math.max(box.x, 0), image.width);
  const y1 = Math.min(Math.max(box.y, 0), image.height);
  const x2 = Math.min(Math.max(box.x + box.width, 0), image.width);
  const y2 = Math.min(Math.max(box.y + box.height, 0), image.height);
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}
