// What every kiosk command shares: its arguments, its threshold, and the
// rule of ARCHITECTURE.md for exit codes (0 done, 1 refused input, 2 usage
// error, 3 internal error named as a bug).

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { FaceError } from "@facever/core";
import {
  OPERATING_POINT_NAMES,
  OPERATING_POINTS,
  type OperatingPointName,
} from "@facever/model";

/** A mistake in the command line: exit 2, with the command's usage. */
export class UsageError extends Error {}

/**
 * Input refused before any `FaceError` could be: a missing file, a folder
 * where a file was expected, a gallery file that is not one. Exit 1.
 */
export class InputError extends Error {}

/** The exit codes, as every command's help states them. */
export const EXIT_CODES = `Exit status:
  0  success
  1  an input was refused (not an image, no face, unknown subject, bad file)
  2  usage error
  3  internal error (a bug in facever: please report it)`;

/** The options every command that opens the gallery takes. */
export const STORE_OPTIONS = {
  kv: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Help lines of options: each flag padded to `column` characters, its
 * description's further lines indented to match.
 */
export function optionLines(
  rows: readonly [flag: string, text: string][],
  column: number,
): string {
  return rows.map(([flag, text]) =>
    text.split("\n").map((line, i) =>
      `${(i === 0 ? `  ${flag}` : "").padEnd(column)}${line}`
    ).join("\n")
  ).join("\n");
}

/** How `--kv` is described in each command's help. */
export function storeHelp(column: number): string {
  return optionLines([[
    "--kv PATH|URL",
    "the gallery's Deno KV: a file or a KV Connect URL\n(default $KIOSK_KV, else data/kiosk.kv)",
  ]], column);
}

/** Parses `args` against `options`; a mistake is a {@linkcode UsageError}. */
export function parse<T extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: T,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Exactly `count` positional arguments, or a usage error naming `what`. */
export function positionals(
  values: readonly string[],
  count: number,
  what: string,
): string[] {
  if (values.length !== count) {
    throw new UsageError(`expected ${what}, got ${values.length} arguments`);
  }
  return [...values];
}

/**
 * A number flag within [`min`, `max`] (whole when `whole`), or `fallback`
 * when absent.
 */
export function numberFlag(
  value: string | boolean | undefined,
  name: string,
  range: { min: number; max: number; whole?: boolean },
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (
    typeof value !== "string" || value.trim() === "" ||
    !Number.isFinite(number) || number < range.min || number > range.max ||
    (range.whole && !Number.isInteger(number))
  ) {
    throw new UsageError(
      `--${name} takes ${
        range.whole ? "a whole number" : "a number"
      } from ${range.min} to ${range.max}, got "${value}"`,
    );
  }
  return number;
}

/** How `--threshold` and `--far` are described in each command's help. */
export function thresholdHelp(
  fallback: OperatingPointName,
  column: number,
): string {
  return optionLines([
    [
      "--far NAME",
      `a calibrated operating point: ${
        OPERATING_POINT_NAMES.join(", ")
      }\n(default ${fallback}, threshold ${
        OPERATING_POINTS[fallback].threshold
      })`,
    ],
    ["--threshold T", "a cosine similarity in [-1, 1] instead"],
  ], column);
}

/** The decision threshold of `--threshold` or `--far`, else `fallback`'s. */
export function thresholdFlag(
  values: { threshold?: string | boolean; far?: string | boolean },
  fallback: OperatingPointName,
): number {
  if (values.threshold !== undefined && values.far !== undefined) {
    throw new UsageError("give --threshold or --far, not both");
  }
  if (values.far !== undefined) {
    const name = values.far as OperatingPointName;
    if (!OPERATING_POINT_NAMES.includes(name)) {
      throw new UsageError(
        `--far takes ${OPERATING_POINT_NAMES.join(", ")}, got "${values.far}"`,
      );
    }
    return OPERATING_POINTS[name].threshold;
  }
  return numberFlag(
    values.threshold,
    "threshold",
    { min: -1, max: 1 },
    OPERATING_POINTS[fallback].threshold,
  );
}

/**
 * Prints `error` and returns the exit status: 1 for refused data (a
 * `FaceError`), 3 for anything else, which is named as a bug.
 */
export function reportError(error: unknown, context?: string): number {
  const where = context ? `${context}: ` : "";
  if (error instanceof FaceError) {
    console.error(`error: ${where}${error.message} (${error.code})`);
    return 1;
  }
  if (error instanceof InputError) {
    console.error(`error: ${where}${error.message}`);
    return 1;
  }
  console.error(
    `error: ${where}internal error, a bug in facever (please report it): ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }`,
  );
  return 3;
}

/** The bytes of `file`; a missing or unreadable file is an {@linkcode InputError}. */
export async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`${file}: no such file`);
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new InputError(`${file}: is a directory, not a file`);
    }
    throw new InputError(`${file}: ${(error as Error).message}`);
  }
}

/** `value` rounded to `digits` decimals, for printing. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Aborted at the first SIGINT or SIGTERM: how a long-running command stops. */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => controller.abort(signal));
  }
  return controller.signal;
}
