/**
 * The error hierarchy shared by every package. Each error carries a stable
 * machine-readable `code`, so the CLI and the HTTP layer can report failures
 * without parsing messages.
 *
 * @module
 */

/** Every machine-readable error code the toolkit emits. */
export type FaceErrorCode =
  | "unsupported_format"
  | "corrupt_image"
  | "truncated_image"
  | "too_large"
  | "no_face"
  | "model_load_failed"
  | "invalid_argument"
  | "invalid_embedding"
  | "not_found"
  | "already_exists"
  | "gallery_mismatch"
  | "limit_exceeded"
  | "conflict";

/**
 * Base class of every error the toolkit throws on purpose.
 *
 * @example
 * ```ts
 * import { FaceError } from "@facever/core";
 * const error = new FaceError("no_face", "no face found in a.jpg");
 * console.log(error.code); // "no_face"
 * ```
 */
export class FaceError extends Error {
  /** Stable code for programs; the message is for people. */
  readonly code: FaceErrorCode;

  /** Creates an error with a code and a message that says what was wrong. */
  constructor(code: FaceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FaceError";
    this.code = code;
  }
}

/** Most characters of a refused text that {@linkcode excerpt} keeps. */
const EXCERPT_LENGTH = 64;

/**
 * A refused text as an error message repeats it: whole when short, else
 * its first 64 characters and its length. An id, key or value sent to a
 * service can be as long as the request's body, and its refusal should not
 * send all of it back.
 *
 * @example
 * ```ts
 * import { excerpt } from "@facever/core";
 * console.log(excerpt("ada")); // "ada"
 * console.log(excerpt("x".repeat(100)).endsWith("x… (100 characters)")); // true
 * ```
 */
export function excerpt(text: string): string {
  return text.length <= EXCERPT_LENGTH
    ? text
    : `${text.slice(0, EXCERPT_LENGTH)}… (${text.length} characters)`;
}

/**
 * The bytes are not an image the decoder accepts: an unknown format
 * (`unsupported_format`), a damaged stream (`corrupt_image`) or a stream that
 * ends early (`truncated_image`).
 *
 * @example
 * ```ts
 * import { decodeImage, ImageDecodeError } from "@facever/core";
 * try {
 *   await decodeImage(new Uint8Array([1, 2, 3]));
 * } catch (error) {
 *   console.log(error instanceof ImageDecodeError); // true
 * }
 * ```
 */
export class ImageDecodeError extends FaceError {
  /** Creates a decode error; `code` tells which kind of failure it was. */
  constructor(
    code: "unsupported_format" | "corrupt_image" | "truncated_image",
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ImageDecodeError";
  }
}

/**
 * The image has more pixels than allowed. Thrown after reading the header
 * and before any pixel memory is allocated.
 *
 * @example
 * ```ts
 * import { ImageTooLargeError } from "@facever/core";
 * const error = new ImageTooLargeError(10_000, 10_000, 40_000_000);
 * console.log(error.code); // "too_large"
 * ```
 */
export class ImageTooLargeError extends FaceError {
  /** Width read from the image header. */
  readonly width: number;
  /** Height read from the image header. */
  readonly height: number;
  /** The limit that was exceeded. */
  readonly maxPixels: number;

  /** Creates the error from the header's size and the limit in force. */
  constructor(width: number, height: number, maxPixels: number) {
    super(
      "too_large",
      `image is ${width}x${height} (${
        width * height
      } pixels); at most ${maxPixels} pixels are allowed`,
    );
    this.name = "ImageTooLargeError";
    this.width = width;
    this.height = height;
    this.maxPixels = maxPixels;
  }
}
