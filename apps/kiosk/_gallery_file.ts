// The gallery file of `export` and `import`: JSON Lines, versioned, holding
// embeddings and metadata only, never an image, so that one enrolment can
// provision many boards.
//
//   {"format": "facever-gallery", "version": 1, "modelId", "dims",
//    "exportId", "exportedAt", "sealed", "keyCheck"}          header
//   {"subject": {"id", "metadata", "faces"}}                  then its faces:
//   {"face": {"subjectId", "source", "metadata", "embedding"}}
//   {"end": {"subjects", "faces"}}                            last line
//
// An embedding is base64 of its float32 little-endian values. In a sealed
// file (made with FACEVER_GALLERY_KEY set) it is iv (12) ‖ AES-256-GCM
// ciphertext ‖ tag (16), with the export id, subject and source as
// associated data so that a sealed embedding moved to another face or file
// does not open; `keyCheck` tells at once whether a key is the file's. The
// end line's counts tell a truncated file from a whole one.

import { z } from "zod";

/** The `format` of the header line. */
export const FILE_FORMAT = "facever-gallery";

/** The version this code writes; it reads this one only. */
export const FILE_VERSION = 1;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_CHECK = new TextEncoder().encode("facever gallery file key check");

const metadata = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);

/** The header line. */
export const Header = z.object({
  format: z.literal(FILE_FORMAT),
  version: z.number().int(),
  modelId: z.string().min(1),
  dims: z.number().int().min(1),
  exportId: z.string().min(1),
  exportedAt: z.string(),
  sealed: z.boolean(),
  keyCheck: z.string().nullable(),
});
export type Header = z.infer<typeof Header>;

/** Every line after the header. */
export const Line = z.union([
  z.object({
    subject: z.object({
      id: z.string(),
      metadata,
      faces: z.number().int().min(0),
    }),
  }),
  z.object({
    face: z.object({
      subjectId: z.string(),
      source: z.string(),
      metadata,
      embedding: z.string(),
    }),
  }),
  z.object({
    end: z.object({
      subjects: z.number().int().min(0),
      faces: z.number().int().min(0),
    }),
  }),
]);
export type Line = z.infer<typeof Line>;

/** The bytes stored for `vector` in a file with `header`: sealed or not. */
export async function encodeEmbedding(
  vector: Float32Array,
  header: Header,
  key: CryptoKey | undefined,
  where: { subjectId: string; source: string },
): Promise<string> {
  const plain = new Uint8Array(vector.length * 4);
  const view = new DataView(plain.buffer);
  vector.forEach((value, i) => view.setFloat32(4 * i, value, true));
  if (!header.sealed) return plain.toBase64();
  return (await seal(plain, key!, faceContext(header, where))).toBase64();
}

/**
 * The embedding of a face line, checked: the right length, finite values,
 * unit length within 1e-3 (what the gallery accepts); else the reason, as
 * a string.
 */
export async function decodeEmbedding(
  text: string,
  header: Header,
  key: CryptoKey | undefined,
  where: { subjectId: string; source: string },
): Promise<Float32Array | string> {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text);
  } catch {
    return "the embedding is not base64";
  }
  const length = 4 * header.dims + (header.sealed ? IV_BYTES + TAG_BYTES : 0);
  if (bytes.length !== length) {
    return `the embedding has ${bytes.length} bytes; ${length} expected`;
  }
  if (header.sealed) {
    const plain = await open(bytes, key!, faceContext(header, where));
    if (!plain) return "the embedding does not decrypt (altered or moved)";
    bytes = plain;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(header.dims);
  let norm = 0;
  for (let i = 0; i < header.dims; i++) {
    vector[i] = view.getFloat32(4 * i, true);
    norm += vector[i] * vector[i];
  }
  if (!(Math.abs(Math.sqrt(norm) - 1) <= 1e-3)) {
    return "the embedding is not of unit length";
  }
  return vector;
}

/** The `keyCheck` of a sealed file: a known value sealed with its key. */
export async function makeKeyCheck(
  key: CryptoKey,
  exportId: string,
): Promise<string> {
  return (await seal(KEY_CHECK, key, checkContext(exportId))).toBase64();
}

/** Whether `key` is the one a sealed file's `keyCheck` was made with. */
export async function opensKeyCheck(
  header: Header,
  key: CryptoKey,
): Promise<boolean> {
  if (header.keyCheck === null) return false;
  try {
    const bytes = Uint8Array.fromBase64(header.keyCheck);
    return (await open(bytes, key, checkContext(header.exportId))) !==
      undefined;
  } catch {
    return false;
  }
}

function faceContext(
  header: Header,
  where: { subjectId: string; source: string },
): string {
  return `${FILE_FORMAT} ${header.exportId} subject ${
    JSON.stringify(where.subjectId)
  } source ${JSON.stringify(where.source)}`;
}

function checkContext(exportId: string): string {
  return `${FILE_FORMAT} ${exportId} key check`;
}

async function seal(
  plain: Uint8Array<ArrayBuffer>,
  key: CryptoKey,
  context: string,
): Promise<Uint8Array> {
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

async function open(
  bytes: Uint8Array,
  key: CryptoKey,
  context: string,
): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.slice(0, IV_BYTES),
          additionalData: new TextEncoder().encode(context),
        },
        key,
        bytes.slice(IV_BYTES),
      ),
    );
  } catch {
    return undefined;
  }
}
