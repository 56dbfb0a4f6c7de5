/**
 * Byte readers and the two data errors shared by every container parser.
 * Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";

/** The stream ends before `what`: `truncated_image`. */
export function truncated(what: string): ImageDecodeError {
  return new ImageDecodeError(
    "truncated_image",
    `image data ends early: ${what}`,
  );
}

/** The stream is malformed: `corrupt_image`. */
export function corrupt(what: string): ImageDecodeError {
  return new ImageDecodeError("corrupt_image", `corrupt image: ${what}`);
}

/** Latin-1 text of `bytes[start, start + length)`, clipped to the end. */
export function ascii(
  bytes: Uint8Array,
  start: number,
  length: number,
): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

export function startsWith(
  bytes: Uint8Array,
  prefix: readonly number[],
  at = 0,
): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false;
  }
  return true;
}

export function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

export function u16be(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] << 8) | bytes[pos + 1];
}

export function u32be(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] << 24) | (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) |
    bytes[pos + 3]) >>> 0;
}

export function u16le(bytes: Uint8Array, pos: number): number {
  return bytes[pos] | (bytes[pos + 1] << 8);
}

export function u24le(bytes: Uint8Array, pos: number): number {
  return bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16);
}

export function u32le(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) |
    (bytes[pos + 3] << 24)) >>> 0;
}

/** Signed 32-bit little-endian (BMP heights are signed). */
export function i32le(bytes: Uint8Array, pos: number): number {
  return bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) |
    (bytes[pos + 3] << 24);
}
