/**
 * The key for encryption at rest, read from the environment.
 *
 * @module
 */

/**
 * The environment variable {@linkcode encryptionKeyFromEnv} reads by default.
 *
 * @example
 * ```ts
 * import { ENCRYPTION_KEY_VARIABLE } from "@facever/gallery";
 * console.log(ENCRYPTION_KEY_VARIABLE); // "FACEVER_GALLERY_KEY"
 * ```
 */
export const ENCRYPTION_KEY_VARIABLE: string = "FACEVER_GALLERY_KEY";

const KEY_BYTES = 32;

/**
 * Reads a 256-bit AES-GCM key, base64-encoded, from an environment variable
 * (make one with `openssl rand -base64 32`). Returns `undefined` when the
 * variable is unset, so a deployment chooses encryption by setting it.
 * The key is imported as non-extractable: nothing can read it back.
 *
 * The key is part of the deployment, not of any user's data, so a bad one
 * is reported like any bad option:
 *
 * @throws {TypeError} when the value is not base64.
 * @throws {RangeError} when it is base64 of other than 32 bytes.
 *
 * @example
 * ```ts
 * import { encryptionKeyFromEnv, Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, {
 *   tenant: "acme",
 *   modelId: "mobilefacenet",
 *   dims: 512,
 *   encryptionKey: await encryptionKeyFromEnv(),
 * });
 * console.log(gallery.encrypted);
 * kv.close();
 * ```
 */
export async function encryptionKeyFromEnv(
  variable: string = ENCRYPTION_KEY_VARIABLE,
): Promise<CryptoKey | undefined> {
  const value = Deno.env.get(variable);
  if (value === undefined) return undefined;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Uint8Array.from(atob(value.trim()), (c) => c.charCodeAt(0));
  } catch (cause) {
    throw new TypeError(
      `${variable} is not base64; it must hold ${KEY_BYTES} random bytes in base64 (openssl rand -base64 ${KEY_BYTES})`,
      { cause },
    );
  }
  if (bytes.length !== KEY_BYTES) {
    throw new RangeError(
      `${variable} holds ${bytes.length} bytes; it must hold ${KEY_BYTES} (openssl rand -base64 ${KEY_BYTES})`,
    );
  }
  return await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}
