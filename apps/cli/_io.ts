/**
 * The CLI's input and output: files (or standard input) read within a
 * limit, and faces and failures as printed.
 *
 * @module
 */
import { type Box, FaceError, type Point } from "@facever/core";
import type { AnalyzedFace, FaceQuality } from "@facever/model";
import type { CliOptions } from "./_engine.ts";

/** What went wrong with one input, as printed by the CLI. */
export interface FileError {
  readonly code: string;
  readonly message: string;
}

/** A face as printed: rounded box, score, landmarks and quality. */
export interface FaceSummary {
  readonly faceIndex: number;
  readonly box: Box;
  readonly score: number;
  readonly landmarks: Point[];
  readonly quality: FaceQuality;
}

/** The code of an error that is not a `FaceError`: a bug, not bad input. */
export const INTERNAL_ERROR = "internal_error";

/** 1 for refused input, 3 for an internal error (a bug). */
export function exitStatus(error: FileError): number {
  return error.code === INTERNAL_ERROR ? 3 : 1;
}

/** A file's bytes (or standard input's, for `-`), or why it cannot be read. */
export async function readInput(
  file: string,
  limit: number,
  options: CliOptions,
): Promise<Uint8Array | FileError> {
  let bytes: Uint8Array | undefined;
  try {
    if (file === "-") {
      bytes = options.stdin
        ? await options.stdin()
        : await readAtMost(Deno.stdin.readable, limit);
    } else {
      const info = await Deno.stat(file);
      if (info.isDirectory) {
        return { code: "not_a_file", message: "is a directory, not an image" };
      }
      // A regular file's size is known; a device or a pipe is read up to
      // the limit.
      if (!(info.isFile && info.size > limit)) {
        bytes = await readAtMost((await Deno.open(file)).readable, limit);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: "not_found", message: "no such file" };
    }
    if (error instanceof Deno.errors.IsADirectory) {
      return { code: "not_a_file", message: "is a directory, not an image" };
    }
    return { code: "read_failed", message: (error as Error).message };
  }
  if (bytes === undefined || bytes.length > limit) {
    return {
      code: "too_large",
      message:
        `more than ${limit} bytes, larger than any image within --max-pixels`,
    };
  }
  return bytes;
}

/**
 * The whole stream, or undefined as soon as it passes `limit` bytes (the
 * rest unread, the stream cancelled, which closes a file).
 */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** An error as printed: a `FaceError`'s code, else an internal error. */
export function describe(error: unknown): FileError {
  if (error instanceof FaceError) {
    return { code: error.code, message: error.message };
  }
  return {
    code: INTERNAL_ERROR,
    message: `internal error, a bug in facever (please report it): ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }`,
  };
}

/** Tells on stderr why `file` failed; the exit status. */
export function reportFailure(file: string, error: FileError): number {
  console.error(`error: ${file}: ${error.message} (${error.code})`);
  return exitStatus(error);
}

/** A face as printed, its numbers rounded. */
export function faceSummary(
  face: AnalyzedFace,
  faceIndex: number,
): FaceSummary {
  const { pose } = face.quality;
  return {
    faceIndex,
    box: {
      x: round(face.box.x, 2),
      y: round(face.box.y, 2),
      width: round(face.box.width, 2),
      height: round(face.box.height, 2),
    },
    score: round(face.score, 4),
    landmarks: face.landmarks.map((p: Point) => ({
      x: round(p.x, 2),
      y: round(p.y, 2),
    })),
    quality: {
      sharpness: round(face.quality.sharpness, 1),
      pose: {
        yaw: round(pose.yaw, 1),
        pitch: round(pose.pitch, 1),
        roll: round(pose.roll, 1),
      },
    },
  };
}

/** `value` to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
