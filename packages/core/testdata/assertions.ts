/**
 * Assertions and pictures shared by the decoder tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { decodeImage } from "../decode.ts";
import { FaceError, ImageDecodeError } from "../errors.ts";
import type { RgbImage } from "../types.ts";
import { checkJpegStructure, parseJpegHeader } from "../_jpeg_header.ts";
import { planBaseline } from "../_jpeg_baseline.ts";
import { JpegSource } from "../_jpeg_source.ts";
import {
  encodeFlatJpeg,
  heifWithTransforms,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  syntheticPicture,
} from "@facever/testing";

// The fuzz fixtures live in @facever/testing; the decoder tests take these
// two from here as before.
export { seeded, toImageData } from "@facever/testing";

/** The three data errors. */
export type DecodeCode =
  | "unsupported_format"
  | "truncated_image"
  | "corrupt_image";

/** Asserts that decoding fails with `code`; returns the error. */
export async function assertDecodeError(
  bytes: Uint8Array,
  code: DecodeCode,
  label: string,
): Promise<ImageDecodeError> {
  try {
    await decodeImage(bytes);
  } catch (error) {
    assert.ok(
      error instanceof ImageDecodeError,
      `${label}: expected ImageDecodeError, got ${error}`,
    );
    assert.ok(error instanceof FaceError);
    assert.equal(error.code, code, `${label}: ${error.message}`);
    return error;
  }
  assert.fail(`${label}: decodeImage did not throw`);
}

/**
 * Decodes and returns the error code, "ok", or throws for anything that
 * is not one of our typed errors (a bug).
 */
export async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    await decodeImage(bytes);
    return "ok";
  } catch (error) {
    if (error instanceof FaceError) return error.code;
    throw new Error(`untyped error escaped decodeImage: ${error}`, {
      cause: error,
    });
  }
}

/** Mean absolute difference per sample of two same-size images. */
export function meanDiff(a: RgbImage, b: RgbImage): number {
  assert.equal(a.width, b.width, "width");
  assert.equal(a.height, b.height, "height");
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    sum += Math.abs(a.data[i] - b.data[i]);
  }
  return sum / a.data.length;
}

/**
 * The picture the format tests encode: an LFW photo when the dataset is
 * present (said once), else a synthetic one of the same size.
 */
export async function testPhoto(): Promise<RgbImage> {
  const root = lfwRoot();
  if (!root) {
    console.log(`synthetic picture instead of a photo: ${LFW_MISSING}`);
    return syntheticPicture(250, 250);
  }
  return await decodeImage(
    await Deno.readFile(lfwImagePath(root, "Aaron_Eckhart", 1)),
  );
}

/** The image turned a quarter clockwise (EXIF orientation 6's result). */
export function rotateClockwise(image: RgbImage): RgbImage {
  const { width: w, height: h } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = (x * h + (h - 1 - y)) * 3;
      data.set(image.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), d);
    }
  }
  return { width: h, height: w, data };
}

/** The `w` x `h` part of an image at (`x`, `y`). */
export function crop(
  image: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
) {
  const data = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    const s = ((y + row) * image.width + x) * 3;
    data.set(image.data.subarray(s, s + w * 3), row * w * 3);
  }
  return { width: w, height: h, data };
}

/** The image mirrored left to right. */
export function mirrorLeftRight(image: RgbImage): RgbImage {
  const { width: w, height: h } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      data.set(image.data.subarray(s, s + 3), (y * w + w - 1 - x) * 3);
    }
  }
  return { width: w, height: h, data };
}

/**
 * Opens a JPEG with our baseline decoder whatever its size (`openImage`
 * takes it only above 4 million pixels); fails the test when the file is
 * not one it reads.
 */
export function openBaseline(bytes: Uint8Array): JpegSource {
  const header = parseJpegHeader(bytes);
  const { scans } = checkJpegStructure(bytes, header);
  const plan = planBaseline(bytes, header, scans);
  assert.ok(plan, "a JPEG our decoder reads");
  return new JpegSource(bytes, plan, header.orientation);
}

/** A copy of a HEIF/AVIF whose every ispe claims `width` x `height`. */
export function withIspe(file: Uint8Array, width: number, height: number) {
  const out = heifWithTransforms(file, {});
  const view = new DataView(out.buffer);
  for (let i = 0; i + 16 <= out.length; i++) {
    if (
      out[i] === 0x69 && out[i + 1] === 0x73 && out[i + 2] === 0x70 &&
      out[i + 3] === 0x65
    ) {
      view.setUint32(i + 8, width);
      view.setUint32(i + 12, height);
    }
  }
  return out;
}

const COLOURS = [
  [200, 30, 30],
  [30, 200, 30],
  [30, 30, 200],
  [220, 220, 40],
  [40, 220, 220],
  [120, 120, 120],
];

/** Upright test picture: 3x2 blocks of 8x8 flat, distinct colours. */
export function blocks(): RgbImage {
  const width = 24, height = 16;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(COLOURS[(y >> 3) * 3 + (x >> 3)], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** `image` as a baseline RGB JPEG, with `segments` after its SOI. */
export function flatRgbJpeg(image: RgbImage, segments: Uint8Array[] = []) {
  return encodeFlatJpeg({
    width: image.width,
    height: image.height,
    components: 3,
    samples: image.data,
    segments,
  });
}

/** 4-byte big-endian write. */
export function setU32(bytes: Uint8Array, pos: number, value: number) {
  bytes.set(
    [value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff],
    pos,
  );
}

/** Position of the first occurrence of marker 0xFF `code`. */
export function markerPos(jpeg: Uint8Array, code: number): number {
  for (let i = 0; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === code) return i;
  }
  throw new Error(`marker ${code.toString(16)} not found`);
}
