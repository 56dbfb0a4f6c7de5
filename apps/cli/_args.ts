/**
 * The command line read: options, files, and the usage errors of both
 * (exit status 2, checked before any work).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_MAX_PIXELS } from "@facever/core";
import type { HELP } from "./_help.ts";

/** A mistake in the command line, reported with the command's usage. */
export class UsageError extends Error {
  /** The command whose usage is shown with the message. */
  command: keyof typeof HELP = "main";
}

/** The command line of `command`: its options and its files. */
export function parse(
  args: readonly string[],
  command: "verify" | "embed" | "liveness",
) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        "max-pixels": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...(command === "liveness" ? {} : { face: { type: "string" } }),
        ...(command === "embed" ? {} : { threshold: { type: "string" } }),
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A numeric option's value, or undefined when it is not given. */
export function numberOption(
  value: string | boolean | undefined,
  name: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !isFinite(number)) {
    throw new UsageError(`--${name} takes a number, got "${value}"`);
  }
  return number;
}

/** `--face`'s value among `allowed`; the first when it is not given. */
export function faceOption<T extends string>(
  value: string | boolean | undefined,
  allowed: readonly T[],
): T {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value as T)) {
    throw new UsageError(
      `--face takes ${allowed.join(", ")}, got "${value}"`,
    );
  }
  return value as T;
}

/** Standard input can be one of the files, once. */
export function checkStdin(files: readonly string[]): void {
  if (files.filter((file) => file === "-").length > 1) {
    throw new UsageError('standard input ("-") can be read only once');
  }
}

/**
 * The largest input read as an image, in bytes, for images of at most
 * `--max-pixels`: 16 bytes a pixel (no format read here stores more than
 * 10: 16-bit CMYK with alpha in an uncompressed TIFF) and 64 MiB of
 * metadata. Without a limit, a device such as /dev/zero or an endless pipe
 * would be read until memory ran out, and the batch would never reach the
 * next file.
 */
export function fileLimit(
  values: Record<string, string | boolean | undefined>,
) {
  const maxPixels = numberOption(values["max-pixels"], "max-pixels") ??
    DEFAULT_MAX_PIXELS;
  return 16 * maxPixels + 64 * 2 ** 20;
}
