/**
 * Argument checks shared by the image operations (private).
 *
 * @module
 */
import type { RgbImage } from "./types.ts";

/** Throws a RangeError unless `image` is a non-empty, consistent RGB image. */
export function assertRgbImage(image: RgbImage, name = "image"): void {
  const { width, height, data } = image;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width <= 0 ||
    height <= 0
  ) {
    throw new RangeError(
      `${name} must have a positive integer size, got ${width}x${height}`,
    );
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RangeError(
      `${name} data must be a Uint8Array of ${
        width * height * 3
      } bytes (width * height * 3), got ${data?.length}`,
    );
  }
}

export function assertOutputSize(width: number, height: number): void {
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width <= 0 ||
    height <= 0
  ) {
    throw new RangeError(
      `output size must be positive integers, got ${width}x${height}`,
    );
  }
}
