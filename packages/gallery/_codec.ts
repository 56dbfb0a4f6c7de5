/**
 * How an embedding is stored: float32 little-endian, optionally sealed with
 * AES-256-GCM under a key that never leaves the process.
 *
 * @module
 */

import { FaceError } from "@facever/core";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_CHECK = new TextEncoder().encode("facever gallery key check");

/**
 * The stored bytes of `vector`. With a key they are `iv ‖ ciphertext ‖ tag`
 * and `context` (tenant and face id) is bound in as associated data, so a
 * sealed embedding moved to another face or tenant fails to open.
 */
export async function sealEmbedding(
  vector: Float32Array,
  key: CryptoKey | undefined,
  context: string,
): Promise<Uint8Array> {
  const plain = new Uint8Array(vector.length * 4);
  const view = new DataView(plain.buffer);
  for (let i = 0; i < vector.length; i++) {
    view.setFloat32(4 * i, vector[i], true);
  }
  return key ? await seal(plain, key, context) : plain;
}

/** The inverse of {@linkcode sealEmbedding}. */
export async function openEmbedding(
  bytes: Uint8Array,
  dims: number,
  key: CryptoKey | undefined,
  context: string,
): Promise<Float32Array> {
  const expected = 4 * dims + (key ? IV_BYTES + TAG_BYTES : 0);
  if (bytes.length !== expected) {
    throw new FaceError(
      "gallery_mismatch",
      `${context}: stored embedding has ${bytes.length} bytes; a ${
        key ? "sealed" : "plain"
      } ${dims}-value embedding has ${expected}`,
    );
  }
  const plain = key ? await open(bytes, key, context) : bytes;
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = view.getFloat32(4 * i, true);
  return vector;
}

/** A sealed known value that tells, at open, whether a key is the gallery's. */
export function sealKeyCheck(
  key: CryptoKey,
  context: string,
): Promise<Uint8Array> {
  return seal(KEY_CHECK, key, context);
}

/** Whether `key` opens a value made by {@linkcode sealKeyCheck}. */
export async function opensKeyCheck(
  check: Uint8Array,
  key: CryptoKey,
  context: string,
): Promise<boolean> {
  return await unseal(check, key, context) !== undefined;
}

/** Bytes that sealing adds: the IV in front, the tag behind. */
export const SEAL_BYTES = IV_BYTES + TAG_BYTES;

/**
 * `iv ‖ AES-256-GCM(plain) ‖ tag`, with `context` bound in as associated
 * data: the value opens only with the same key and context.
 */
export async function seal(
  plain: Uint8Array<ArrayBuffer>,
  key: CryptoKey,
  context: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    key,
    plain,
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return out;
}

/**
 * The inverse of {@linkcode seal}, or `undefined` when the bytes do not
 * open with this key and context (another key, or altered or moved bytes).
 */
export async function unseal(
  bytes: Uint8Array,
  key: CryptoKey,
  context: string,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.slice(0, IV_BYTES),
          additionalData: new TextEncoder().encode(context),
        },
        key,
        // A view, not a copy: a snapshot's chunks are many.
        new Uint8Array(
          bytes.buffer as ArrayBuffer,
          bytes.byteOffset + IV_BYTES,
          bytes.byteLength - IV_BYTES,
        ),
      ),
    );
  } catch {
    return undefined;
  }
}

async function open(
  bytes: Uint8Array,
  key: CryptoKey,
  context: string,
): Promise<Uint8Array> {
  const plain = await unseal(bytes, key, context);
  if (plain === undefined) {
    throw new FaceError(
      "gallery_mismatch",
      `${context}: embedding does not decrypt with this key (wrong key, or the record was altered)`,
    );
  }
  return plain;
}
