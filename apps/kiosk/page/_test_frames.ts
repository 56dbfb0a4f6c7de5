/**
 * Camera frames for tests, made from photos: a 640×480 grey frame with
 * each photo pasted where a person would stand.
 *
 * @module
 */

import { resizeImage, type RgbImage } from "@facever/core";

/** The frame size of the tests' camera. */
export const FRAME = { width: 640, height: 480 } as const;

/**
 * A photo placed in a frame: its top-left corner, and its size there.
 *
 * @example
 * ```ts
 * import type { Placed } from "./_test_frames.ts";
 * const photo = { width: 250, height: 250, data: new Uint8Array(250 * 250 * 3) };
 * const near: Placed = { image: photo, left: 120, top: 40, size: 400 };
 * console.log(near.size);
 * ```
 */
export interface Placed {
  readonly image: RgbImage;
  readonly left: number;
  readonly top: number;
  /** Side of the square the photo is resized to. */
  readonly size: number;
}

/**
 * A 640×480 frame of grey with the photos pasted in order.
 *
 * @throws {RangeError} When a photo does not fit inside the frame.
 *
 * @example
 * ```ts
 * import { cameraFrame } from "./_test_frames.ts";
 * const empty = cameraFrame();
 * console.log(empty.width, empty.height); // 640 480
 * ```
 */
export function cameraFrame(...photos: readonly Placed[]): RgbImage {
  const { width, height } = FRAME;
  const data = new Uint8Array(width * height * 3).fill(110);
  for (const { image, left, top, size } of photos) {
    if (left < 0 || top < 0 || left + size > width || top + size > height) {
      throw new RangeError(
        `a ${size} px photo at ${left},${top} leaves the frame`,
      );
    }
    const photo = resizeImage(image, size, size);
    for (let y = 0; y < size; y++) {
      data.set(
        photo.data.subarray(y * size * 3, (y + 1) * size * 3),
        ((top + y) * width + left) * 3,
      );
    }
  }
  return { width, height, data };
}

/**
 * A person an arm's length from the camera: the photo as tall as the
 * frame, centred.
 *
 * @example
 * ```ts
 * import { portrait } from "./_test_frames.ts";
 * const photo = { width: 250, height: 250, data: new Uint8Array(250 * 250 * 3) };
 * console.log(portrait(photo).width); // 640
 * ```
 */
export function portrait(photo: RgbImage): RgbImage {
  return cameraFrame({
    image: photo,
    left: (FRAME.width - FRAME.height) / 2,
    top: 0,
    size: FRAME.height,
  });
}
