/**
 * The CLI's input and output: files (or standard input) read within a
 * limit, and faces and failures as printed.
 *
 * @module
 */
import { FaceError } from "@facever/core";
import {
  type AnalyzedFace,
  type RoundedFace,
  roundedFace,
} from "@facever/model";
import type { CliOptions } from "./_engine.ts";

/** What went wrong with one input, as printed by the CLI. */
export interface FileError {
  readonly code: string;
  readonly message: string;
}

/** A face as printed: which face of its image, then `roundedFace`. */
export interface FaceSummary extends RoundedFace {
  readonly faceIndex: number;
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

/** A face as printed, its numbers rounded as everywhere (`roundedFace`). */
export function faceSummary(
  face: AnalyzedFace,
  faceIndex: number,
): FaceSummary {
  return { faceIndex, ...roundedFace(face) };
}

/** `value` to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
