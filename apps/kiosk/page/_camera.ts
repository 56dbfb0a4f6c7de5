/// <reference lib="dom" />
/**
 * The camera, in the browser: opening it, and taking its current frame as
 * RGB pixels for the detector and as a JPEG for the server.
 *
 * @module
 */

import type { RgbImage } from "@facever/core";
import { rgbaToRgb } from "./_pixels.ts";

/**
 * JPEG quality of the frames sent to the server: the gates' sharpness is
 * measured again there, and coarser quantisation would blur the face.
 */
const JPEG_QUALITY = 0.92;

/**
 * Plays the front camera in `video` (640×480 where the camera offers it:
 * a face a person's arm away is then well over the 60 pixels the gates ask
 * for, and the detector sees the frame in one pass).
 *
 * @throws {DOMException} When there is no camera or it may not be used.
 *
 * @example
 * ```ts ignore
 * import { startCamera } from "./_camera.ts";
 * await startCamera(document.querySelector("video")!);
 * ```
 */
export async function startCamera(video: HTMLVideoElement): Promise<void> {
  video.srcObject = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: {
      facingMode: "user",
      width: { ideal: 640 },
      height: { ideal: 480 },
    },
  });
  await video.play();
}

/**
 * Takes frames of a playing video. The last frame taken stays on its
 * canvas, so that the frame the detector saw is the one encoded.
 *
 * @example
 * ```ts ignore
 * import { FrameGrabber } from "./_camera.ts";
 * const grabber = new FrameGrabber();
 * const image = grabber.grab(document.querySelector("video")!);
 * const jpeg = await grabber.encode();
 * console.log(image.width, jpeg.type);
 * ```
 */
export class FrameGrabber {
  readonly #canvas = document.createElement("canvas");
  readonly #context = this.#canvas.getContext("2d", {
    willReadFrequently: true,
  })!;

  /** The video's current frame as RGB pixels. */
  grab(video: HTMLVideoElement): RgbImage {
    const { videoWidth: width, videoHeight: height } = video;
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    this.#context.drawImage(video, 0, 0, width, height);
    const { data } = this.#context.getImageData(0, 0, width, height);
    return rgbaToRgb(data, width, height);
  }

  /**
   * The last frame taken, as a JPEG. The canvas is copied when this is
   * called, so a frame taken meanwhile does not change it.
   */
  encode(): Promise<Blob> {
    return new Promise((resolve, reject) =>
      this.#canvas.toBlob(
        (blob) =>
          blob
            ? resolve(blob)
            : reject(new Error("the frame cannot be encoded")),
        "image/jpeg",
        JPEG_QUALITY,
      )
    );
  }
}
