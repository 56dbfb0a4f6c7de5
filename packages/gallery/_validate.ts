/**
 * Checks of arguments, split by who chooses them. Ids, metadata, sources and
 * cursors come from an application's users, so a bad one is a `FaceError`
 * (`invalid_argument`) that the application can hand back to them. Options
 * such as limits, thresholds and sizes are set by the program itself, so a
 * bad one is a bug, reported as the platform reports bad arguments: a
 * `TypeError` for the wrong type, a `RangeError` for a value out of range.
 *
 * @module
 */

import { excerpt, FaceError } from "@facever/core";
import { threadsOf } from "./_scan_threads.ts";
import {
  type GalleryOptions,
  MAX_DIMS,
  MAX_METADATA_BYTES,
  type Metadata,
} from "./types.ts";

const MAX_ID_LENGTH = 128;
const MAX_SOURCE_LENGTH = 256;
const MAX_MODEL_ID_LENGTH = 256;

/**
 * Refuses an id that is empty, too long, holds control characters or is not
 * well-formed UTF-16: Deno KV stores a lone surrogate as U+FFFD, so two such
 * ids would share one key.
 */
export function checkId(what: string, id: string): void {
  if (
    typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/.test(id) || !id.isWellFormed()
  ) {
    throw new FaceError(
      "invalid_argument",
      `${what} must be 1 to ${MAX_ID_LENGTH} characters of well-formed Unicode without control characters, got ${
        describe(id)
      }`,
    );
  }
}

/** The source of a face is part of a key, so it follows the same rule. */
export function checkSource(source: string): void {
  if (
    typeof source !== "string" || source.length === 0 ||
    source.length > MAX_SOURCE_LENGTH || !source.isWellFormed()
  ) {
    throw new FaceError(
      "invalid_argument",
      `source must be 1 to ${MAX_SOURCE_LENGTH} characters of well-formed Unicode, got ${
        describe(source)
      }`,
    );
  }
}

/** A copy of `metadata`, so later changes by the caller are not stored. */
export function checkMetadata(metadata: Metadata | undefined): Metadata {
  if (metadata === undefined) return {};
  if (
    metadata === null || typeof metadata !== "object" ||
    Array.isArray(metadata)
  ) {
    throw new FaceError(
      "invalid_argument",
      "metadata must be a plain object of strings, numbers, booleans and nulls",
    );
  }
  for (const [name, value] of Object.entries(metadata)) {
    // An own `__proto__` key (as `JSON.parse` makes one) would set the
    // copy's prototype instead of a value: the key would be lost unsaid.
    if (name === "__proto__") {
      throw new FaceError(
        "invalid_argument",
        "metadata cannot have a key named __proto__",
      );
    }
    if (
      !(value === null || typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value)))
    ) {
      throw new FaceError(
        "invalid_argument",
        `metadata[${describe(name)}] is ${
          typeof value === "number" ? value : typeof value
        }; values must be strings, finite numbers, booleans or null`,
      );
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).length;
  if (bytes > MAX_METADATA_BYTES) {
    throw new FaceError(
      "invalid_argument",
      `metadata is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES} are allowed`,
    );
  }
  return { ...metadata };
}

/**
 * A page cursor travels through the application's clients, like an id.
 * Deno KV's cursors are base64url text; anything else (KV throws an
 * untyped error on characters beyond Latin-1) is refused here, and so is
 * one longer than any the gallery gives out: a cursor holds the last id of
 * a page (at most 128 characters, 386 bytes as a key part, 516 in base64),
 * and KV throws an untyped error on one that makes a key over 2 KiB.
 */
export function checkCursor(cursor: string | undefined): void {
  if (
    cursor !== undefined &&
    (typeof cursor !== "string" || !/^[A-Za-z0-9_=+/-]{0,1024}$/.test(cursor))
  ) {
    throw new FaceError(
      "invalid_argument",
      `cursor must be the cursor of an earlier page, got ${describe(cursor)}`,
    );
  }
}

/** The numbers a program may set an option to. */
export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Whether only whole numbers are allowed. */
  readonly whole?: boolean;
  /** What is allowed, in words, for the message. */
  readonly allowed: string;
}

/**
 * Refuses a numeric option that is not a number (`TypeError`) or not in
 * `range` (`RangeError`; NaN is never in range).
 */
export function checkNumber(
  name: string,
  value: number,
  range: NumberRange,
): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be ${range.allowed}, got ${describe(value)}`,
    );
  }
  if (
    !(value >= range.min && value <= range.max) ||
    (range.whole === true && !Number.isInteger(value))
  ) {
    throw new RangeError(`${name} must be ${range.allowed}, got ${value}`);
  }
}

/** Similarity thresholds of every search. */
export function checkThreshold(threshold: number): void {
  checkNumber("threshold", threshold, {
    min: -1,
    max: 1,
    allowed: "a cosine similarity in [-1, 1]",
  });
}

/** A limit on how many results are returned. */
export function checkLimit(limit: number, max: number): void {
  checkNumber("limit", limit, {
    min: 1,
    max,
    whole: true,
    allowed: `a whole number from 1 to ${max}`,
  });
}

/**
 * The options of `Gallery.open`: the tenant is an id; the rest is the
 * program's.
 */
export function checkGalleryOptions(options: GalleryOptions): void {
  checkId("tenant", options.tenant);
  const { modelId, encryptionKey, maxStalenessMs } = options;
  const modelIdRule =
    `a non-empty string of at most ${MAX_MODEL_ID_LENGTH} characters`;
  if (typeof modelId !== "string") {
    throw new TypeError(
      `modelId must be ${modelIdRule}, got ${describe(modelId)}`,
    );
  }
  if (modelId.length === 0 || modelId.length > MAX_MODEL_ID_LENGTH) {
    throw new RangeError(
      `modelId must be ${modelIdRule}, got ${modelId.length} characters`,
    );
  }
  checkNumber("dims", options.dims, {
    min: 1,
    max: MAX_DIMS,
    whole: true,
    allowed: `a whole number from 1 to ${MAX_DIMS}`,
  });
  if (maxStalenessMs !== undefined) {
    checkNumber("maxStalenessMs", maxStalenessMs, {
      min: 0,
      max: Number.MAX_VALUE,
      allowed: "a finite number of milliseconds of at least 0",
    });
  }
  if (options.scanPool !== undefined) threadsOf(options.scanPool);
  if (options.snapshotEvery !== undefined) {
    checkNumber("snapshotEvery", options.snapshotEvery, {
      min: 1,
      max: Infinity,
      allowed: "a whole number of faces of at least 1, or Infinity",
    });
    if (
      options.snapshotEvery !== Infinity &&
      !Number.isInteger(options.snapshotEvery)
    ) {
      throw new RangeError(
        `snapshotEvery must be a whole number of faces of at least 1, or Infinity, got ${options.snapshotEvery}`,
      );
    }
  }
  if (
    encryptionKey !== undefined &&
    !(encryptionKey instanceof CryptoKey &&
      encryptionKey.algorithm.name === "AES-GCM")
  ) {
    throw new TypeError(
      `encryptionKey must be an AES-GCM CryptoKey (see encryptionKeyFromEnv), got ${
        describe(encryptionKey)
      }`,
    );
  }
}

/** A value as a message shows it: strings quoted, objects by kind. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(excerpt(value));
  if (typeof value === "number") return String(value);
  if (value instanceof CryptoKey) return `a ${value.algorithm.name} key`;
  return value === null ? "null" : typeof value;
}
