/**
 * Turning aligned face crops into model input.
 *
 * @module
 */
import { assertRgbImage } from "./_validate.ts";
import type { RgbImage } from "./types.ts";

/**
 * Channel order of the tensor a model expects: `"rgb"` keeps the image's
 * order, `"bgr"` swaps red and blue (models converted from Caffe/OpenCV).
 *
 * @example
 * ```ts
 * import type { ChannelOrder } from "@facever/core";
 * const order: ChannelOrder = "bgr";
 * console.log(order);
 * ```
 */
export type ChannelOrder = "rgb" | "bgr";

/** (v - 127.5) / 128 for every byte value, the paper's normalisation. */
const NORMALISED = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v - 127.5) / 128;
  return table;
})();

/**
 * Packs face crops into one NCHW float tensor, each value normalised as
 * `(x - 127.5) / 128` (MobileFaceNets), so it lies in [-0.996, 0.996].
 *
 * @param faces Crops of one common size, e.g. from `alignFace`.
 * @param options `channelOrder` of the model's input.
 * @returns `faces.length * 3 * height * width` floats: image, then channel,
 * then row, then column.
 * @throws {RangeError} When the list is empty, or the faces differ in size.
 *
 * @example
 * ```ts
 * import { facesToTensor } from "@facever/core";
 * const face = { width: 1, height: 1, data: new Uint8Array([255, 127, 0]) };
 * console.log(facesToTensor([face], { channelOrder: "bgr" }));
 * // Float32Array(3) [ -0.99609375, -0.00390625, 0.99609375 ]
 * ```
 */
export function facesToTensor(
  faces: readonly RgbImage[],
  options: { channelOrder: ChannelOrder },
): Float32Array {
  if (faces.length === 0) {
    throw new RangeError("facesToTensor needs at least one face");
  }
  const { channelOrder } = options;
  if (channelOrder !== "rgb" && channelOrder !== "bgr") {
    throw new RangeError(
      `channelOrder must be "rgb" or "bgr", got ${String(channelOrder)}`,
    );
  }
  const { width, height } = faces[0];
  const plane = width * height;
  const out = new Float32Array(faces.length * 3 * plane);
  // Output plane (0, 1, 2) takes source channel (first, 1, last).
  const first = channelOrder === "rgb" ? 0 : 2;
  const last = 2 - first;
  for (let n = 0; n < faces.length; n++) {
    const face = faces[n];
    assertRgbImage(face, `faces[${n}]`);
    if (face.width !== width || face.height !== height) {
      throw new RangeError(
        `faces differ in size: faces[0] is ${width}x${height}, faces[${n}] is ${face.width}x${face.height}`,
      );
    }
    const src = face.data;
    const base = n * 3 * plane;
    const p0 = base, p1 = base + plane, p2 = base + 2 * plane;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[p0 + i] = NORMALISED[src[s + first]];
      out[p1 + i] = NORMALISED[src[s + 1]];
      out[p2 + i] = NORMALISED[src[s + last]];
    }
  }
  return out;
}
