/**
 * A large baseline JPEG as an image source: opening it decodes every code
 * once and keeps the image at 1/8 scale with an index of its MCUs; a read
 * then decodes only the MCUs under the box asked for, at the coarsest of
 * 1/8, 1/4, 1/2 and full scale that still gives the detail asked for, and
 * resamples that to the size asked for. Boxes are in upright coordinates:
 * the EXIF orientation is applied to them, and to what is read. Private.
 *
 * @module
 */
import type { Box, ImageSource, RgbImage } from "./types.ts";
import { cropImage, resizeImage } from "./image.ts";
import { applyOrientation } from "./_orient.ts";
import { areaTable, resample } from "./_resample.ts";
import { type BaselineJpeg, checkTrailer } from "./_jpeg_baseline.ts";
import {
  type McuIndex,
  type McuLayout,
  mcuLayout,
  readDc,
  readScanData,
  type ScanData,
} from "./_jpeg_scan.ts";
import { decodeMcus, type McuRect, type Planes } from "./_jpeg_blocks.ts";
import { planesToRgb } from "./_jpeg_color.ts";
import { assertOutputSize } from "./_validate.ts";

/** Scales a read can decode at, coarsest first: 1/8 (the DC image), 1/4, 1/2, 1. */
const REDUCTIONS = [8, 4, 2] as const;
/**
 * A read whose MCUs cover more than this share of the image decodes the
 * whole image and keeps it: the detector reads whole images, level after
 * level. At 1/2 scale it is decoded at full scale instead: that costs a
 * fifth more (every coefficient is decoded either way) and every later
 * read, at any scale, is then MozJPEG's pixels resized as a full decode
 * would be.
 */
const WHOLE_SHARE = 0.5;

/** Decoded pixels at 1/`reduce` scale whose first pixel starts at full-scale (`x`, `y`). */
interface Decoded {
  readonly image: RgbImage;
  readonly reduce: number;
  readonly x: number;
  readonly y: number;
}

/**
 * Where an upright box lies in the stored image (`width` × `height`
 * stored) for EXIF orientation 1..8: the inverse of the mapping in
 * `_orient.ts`.
 */
function storedBox(
  box: Box,
  orientation: number,
  width: number,
  height: number,
): Box {
  const { x, y, width: w, height: h } = box;
  switch (orientation) {
    case 2:
      return { x: width - x - w, y, width: w, height: h };
    case 3:
      return { x: width - x - w, y: height - y - h, width: w, height: h };
    case 4:
      return { x, y: height - y - h, width: w, height: h };
    case 5:
      return { x: y, y: x, width: h, height: w };
    case 6:
      return { x: y, y: height - x - w, width: h, height: w };
    case 7:
      return { x: width - y - h, y: height - x - w, width: h, height: w };
    case 8:
      return { x: width - y - h, y: x, width: h, height: w };
    default:
      return box;
  }
}

/** The coarsest reduction that leaves `detail` decoded pixels per output pixel on both axes. */
function reductionFor(
  box: Box,
  width: number,
  height: number,
  detail: number,
): number {
  for (const reduce of REDUCTIONS) {
    if (
      box.width / reduce >= detail * width &&
      box.height / reduce >= detail * height
    ) {
      return reduce;
    }
  }
  return 1;
}

/** A baseline JPEG read in parts and at reduced scales. */
export class JpegSource implements ImageSource {
  readonly width: number;
  readonly height: number;
  readonly #jpeg: BaselineJpeg;
  readonly #orientation: number;
  readonly #layout: McuLayout;
  readonly #scan: ScanData;
  readonly #index: McuIndex;
  /** Whole-image decodes by reduction; 8 is the first pass's DC image. */
  readonly #whole = new Map<number, RgbImage>();

  /**
   * Runs the first pass: every code of the scan is decoded here, so a
   * damaged file fails now, with the same errors as a full decode.
   */
  constructor(bytes: Uint8Array, jpeg: BaselineJpeg, orientation: number) {
    this.#jpeg = jpeg;
    this.#orientation = orientation;
    const swap = orientation >= 5 && orientation <= 8;
    this.width = swap ? jpeg.height : jpeg.width;
    this.height = swap ? jpeg.width : jpeg.height;
    this.#layout = mcuLayout(jpeg);
    this.#scan = readScanData(bytes, jpeg.scanStart);
    checkTrailer(bytes, this.#scan.end);
    const { planes, index } = readDc(jpeg, this.#scan);
    this.#index = index;
    this.#whole.set(
      8,
      this.#rgb(
        {
          planes,
          widths: jpeg.components.map((c) => jpeg.mcusX * c.h),
          heights: jpeg.components.map((c) => jpeg.mcusY * c.v),
        },
        { x0: 0, y0: 0, x1: jpeg.mcusX, y1: jpeg.mcusY },
        8,
      ),
    );
  }

  /**
   * The upright `box` (rounded and clipped as `cropImage` does) resampled
   * to `width` × `height`, from the coarsest decode with at least
   * `detail` decoded pixels per output pixel.
   */
  read(box: Box, width: number, height: number, detail = 1): RgbImage {
    assertOutputSize(width, height);
    if (!(detail >= 1 && Number.isFinite(detail))) {
      throw new RangeError(`detail must be a finite number ≥ 1, got ${detail}`);
    }
    const clipped = clipBox(box, this.width, this.height);
    const stored = storedBox(
      clipped,
      this.#orientation,
      this.#jpeg.width,
      this.#jpeg.height,
    );
    const swap = this.#orientation >= 5 && this.#orientation <= 8;
    const outW = swap ? height : width, outH = swap ? width : height;
    const decoded = this.#decoded(
      stored,
      reductionFor(stored, outW, outH, detail),
    );
    const { reduce } = decoded;
    let image: RgbImage;
    if (reduce === 1) {
      // Whole pixels: exactly what cropping and resizing a full decode
      // gives (without copying the whole image when that is the box).
      const all = stored.width === this.#jpeg.width &&
        stored.height === this.#jpeg.height && decoded.x === 0 &&
        decoded.y === 0 && decoded.image.width === stored.width &&
        decoded.image.height === stored.height;
      const region = all ? decoded.image : cropImage(decoded.image, {
        x: stored.x - decoded.x,
        y: stored.y - decoded.y,
        width: stored.width,
        height: stored.height,
      });
      image = resizeImage(region, outW, outH);
    } else {
      const from = decoded.image;
      image = resample(
        from,
        areaTable(
          (stored.x - decoded.x) / reduce,
          stored.width / reduce,
          from.width,
          outW,
        ),
        areaTable(
          (stored.y - decoded.y) / reduce,
          stored.height / reduce,
          from.height,
          outH,
        ),
        outW,
        outH,
      );
    }
    return applyOrientation(image, this.#orientation);
  }

  /**
   * Decoded pixels covering the stored box `box` at 1/`reduce` scale, or
   * finer where a finer whole image is kept.
   */
  #decoded(box: Box, reduce: number): Decoded {
    for (let finer = reduce; finer >= 1; finer >>= 1) {
      const whole = this.#whole.get(finer);
      if (whole) return { image: whole, reduce: finer, x: 0, y: 0 };
    }
    const { mcuWidth, mcuHeight, mcusX, mcusY } = this.#jpeg;
    // One MCU more on each side: chroma upsampling reads its neighbours.
    const rect: McuRect = {
      x0: Math.max(0, Math.floor(box.x / mcuWidth) - 1),
      y0: Math.max(0, Math.floor(box.y / mcuHeight) - 1),
      x1: Math.min(mcusX, Math.ceil((box.x + box.width) / mcuWidth) + 1),
      y1: Math.min(mcusY, Math.ceil((box.y + box.height) / mcuHeight) + 1),
    };
    const share = (rect.x1 - rect.x0) * (rect.y1 - rect.y0) / (mcusX * mcusY);
    if (share > WHOLE_SHARE) {
      const scale = reduce <= 2 ? 1 : reduce;
      const image = this.#decode({ x0: 0, y0: 0, x1: mcusX, y1: mcusY }, scale);
      this.#whole.set(scale, image);
      return { image, reduce: scale, x: 0, y: 0 };
    }
    return {
      image: this.#decode(rect, reduce),
      reduce,
      x: rect.x0 * mcuWidth,
      y: rect.y0 * mcuHeight,
    };
  }

  #decode(rect: McuRect, reduce: number): RgbImage {
    return this.#rgb(
      decodeMcus(
        this.#jpeg,
        this.#layout,
        this.#scan,
        this.#index,
        rect,
        reduce,
      ),
      rect,
      reduce,
    );
  }

  /** RGB of the planes of `rect` at 1/`reduce` scale. */
  #rgb(planes: Planes, rect: McuRect, reduce: number): RgbImage {
    const { width, height, components } = this.#jpeg;
    const luma = components[0];
    // Chroma samples inside the image, from the rectangle's first: a
    // component has ceil(width / h) of them at full scale.
    const side = 8 / reduce;
    const inside = (size: number, sampling: number, first: number) =>
      Math.ceil(Math.ceil(size / sampling) / reduce) - first * side;
    return planesToRgb(
      planes,
      luma.h,
      luma.v,
      inside(width, luma.h, rect.x0),
      inside(height, luma.v, rect.y0),
    );
  }
}

/** `box` rounded to whole pixels and clipped to the image, as `cropImage` does. */
function clipBox(box: Box, width: number, height: number): Box {
  const { x, y } = box;
  if (![x, y, box.width, box.height].every(Number.isFinite)) {
    throw new RangeError(`box must be finite, got ${JSON.stringify(box)}`);
  }
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(width, Math.round(x + box.width));
  const y1 = Math.min(height, Math.round(y + box.height));
  if (x1 <= x0 || y1 <= y0) {
    throw new RangeError(
      `box ${
        JSON.stringify(box)
      } leaves no pixels inside the ${width}x${height} image`,
    );
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
