// The eye net's input: a square around each eye, found from the five
// ArcFace landmarks, resized to 24×24 grey, values / 255.
import {
  type Box,
  type ImageSource,
  imageSource,
  type Point,
  type RgbImage,
  toGrayscale,
} from "@facever/core";

/** Side of the eye net's square input, in pixels. */
export const EYE_INPUT_SIZE = 24;

/**
 * Side of an eye's square, in eye distances (between the two eye centres).
 * The npm package's code takes 1.6 times the distance between the eye's
 * corners from the 68 landmarks; on LFW that comes to 0.62 times the eye
 * distance (0.629 over the 120 eyes of `eye_crop_lfw_test.ts`), which only
 * needs the five points every face has.
 */
export const EYE_CROP = 0.62;

/**
 * The squares around the image-left and the image-right eye, axis-aligned
 * as the package crops them, centred on the eye points and clipped to the
 * image (at least one pixel stays, for an eye beyond the edge).
 *
 * @throws {RangeError} Without five finite landmarks, or with both eyes at
 * one point.
 */
export function eyeRegions(
  image: { readonly width: number; readonly height: number },
  landmarks: readonly Point[],
): [Box, Box] {
  if (
    landmarks.length !== 5 ||
    !landmarks.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
  ) {
    throw new RangeError("the eyes need five landmarks with finite x and y");
  }
  const [left, right] = landmarks;
  const side = EYE_CROP * Math.hypot(right.x - left.x, right.y - left.y);
  if (side === 0) {
    throw new RangeError("the eyes need two distinct eye points");
  }
  // Point puts pixel centres at whole numbers: a pixel's left edge is at
  // x - 0.5. An eye beyond the edge keeps at least the edge's pixel.
  const span = (centre: number, size: number): [number, number] => {
    const from = Math.min(Math.max(centre + 0.5 - side / 2, 0), size - 1);
    const to = Math.min(Math.max(centre + 0.5 + side / 2, from + 1), size);
    return [from, to - from];
  };
  const around = ({ x, y }: Point): Box => {
    const [left, width] = span(x, image.width);
    const [top, height] = span(y, image.height);
    return { x: left, y: top, width, height };
  };
  return [around(left), around(right)];
}

/**
 * Writes the net's input for one eye's region into `out` from `offset`:
 * the region area-averaged to 24×24, BT.601 luma, divided by 255. From an
 * opened file the region is decoded at full resolution.
 */
export function writeEyeInput(
  image: RgbImage | ImageSource,
  region: Box,
  out: Float32Array,
  offset: number,
): void {
  const source = "data" in image ? imageSource(image) : image;
  const detail = Math.max(
    1,
    region.width / EYE_INPUT_SIZE,
    region.height / EYE_INPUT_SIZE,
  );
  const eye = source.read(region, EYE_INPUT_SIZE, EYE_INPUT_SIZE, detail);
  const luma = toGrayscale(eye);
  for (let i = 0; i < luma.length; i++) out[offset + i] = luma[i] / 255;
}
