// The liveness net's input: the region around a detected face that the
// npm package's own code crops, resized to 128×128, in the net's channel
// order, values 0..255 unscaled; and the softmax of its logits.
import {
  type Box,
  type ChannelOrder,
  cropImage,
  type ImageSource,
  resizeImage,
  type RgbImage,
} from "@facever/core";
import { shrinkToPlanes } from "./_area_planes.ts";

/** Side of the liveness net's square input, in pixels. */
export const LIVENESS_INPUT_SIZE = 128;

/**
 * How many times the detector's box the crop is, on each axis: the
 * package's scale, which `deno task bench:liveness` measured against
 * others (see the package README).
 */
export const LIVENESS_CROP_SCALE = 2.7;

/**
 * The region the net sees for a face: the box scaled by
 * {@linkcode LIVENESS_CROP_SCALE} about its centre, on each axis (not made
 * square: the net gets it stretched to its square input, as the package
 * gives it), the scale lowered until the region fits in the image, then
 * moved inside it.
 */
export function livenessRegion(
  image: { readonly width: number; readonly height: number },
  box: Box,
): Box {
  const scale = Math.min(
    LIVENESS_CROP_SCALE,
    image.width / Math.max(box.width, 1),
    image.height / Math.max(box.height, 1),
  );
  const width = Math.max(box.width * scale, 1);
  const height = Math.max(box.height * scale, 1);
  const x = box.x + box.width / 2 - width / 2;
  const y = box.y + box.height / 2 - height / 2;
  return {
    x: Math.min(Math.max(x, 0), image.width - width),
    y: Math.min(Math.max(y, 0), image.height - height),
    width,
    height,
  };
}

/**
 * Writes the net's NCHW input for the face in `box` into `out` from
 * `offset`: its {@linkcode livenessRegion}, cut to whole pixels, resized to
 * 128×128 (area-averaged where it shrinks, like every resize of the
 * pipeline; bilinear where a small face's region grows), channels in
 * `order`, values on the 0..255 scale as they are. From an opened file
 * only the region is decoded, at full resolution, so the net sees the
 * same fine texture (moiré, print grain) as from decoded pixels.
 */
export function writeLivenessInput(
  image: RgbImage | ImageSource,
  box: Box,
  order: ChannelOrder,
  out: Float32Array,
  offset: number,
): void {
  const region = livenessRegion(image, box);
  const x0 = Math.max(0, Math.round(region.x));
  const y0 = Math.max(0, Math.round(region.y));
  const x1 = Math.min(image.width, Math.round(region.x + region.width));
  const y1 = Math.min(image.height, Math.round(region.y + region.height));
  const channels: [number, number, number] = order === "bgr"
    ? [2, 1, 0]
    : [0, 1, 2];
  if ("data" in image) {
    writeRect(image, { x0, y0, x1, y1 }, channels, out, offset);
    return;
  }
  const width = Math.max(x1 - x0, 1), height = Math.max(y1 - y0, 1);
  const pixels = image.read({ x: x0, y: y0, width, height }, width, height);
  writeRect(
    pixels,
    { x0: 0, y0: 0, x1: width, y1: height },
    channels,
    out,
    offset,
  );
}

/** The planes of `rect` of `image` resized to the net's input. */
function writeRect(
  image: RgbImage,
  rect: { x0: number; y0: number; x1: number; y1: number },
  channels: [number, number, number],
  out: Float32Array,
  offset: number,
): void {
  const size = LIVENESS_INPUT_SIZE;
  if (rect.x1 - rect.x0 >= size && rect.y1 - rect.y0 >= size) {
    shrinkToPlanes(image, rect, size, channels, out, offset);
    return;
  }
  const { data } = resizeImage(
    cropImage(image, {
      x: rect.x0,
      y: rect.y0,
      width: rect.x1 - rect.x0,
      height: rect.y1 - rect.y0,
    }),
    size,
    size,
  );
  const plane = size * size;
  const [first, , last] = channels;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[offset + i] = data[p + first];
    out[offset + plane + i] = data[p + 1];
    out[offset + 2 * plane + i] = data[p + last];
  }
}

/** The softmax of `count` logits from `offset`. */
export function softmax(
  logits: Float32Array,
  offset: number,
  count: number,
): number[] {
  const values = Array.from(logits.subarray(offset, offset + count));
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((total, e) => total + e, 0);
  return exps.map((e) => e / sum);
}
