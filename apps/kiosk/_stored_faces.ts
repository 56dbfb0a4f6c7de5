// The embeddings of the kiosk's gallery, read back for `export`.
//
// `Gallery` has no call that returns a stored embedding (it only compares
// with them), so this reads the gallery's documented key layout (format 1,
// packages/gallery/README.md: `[KEY_ROOT, tenant, "face", subjectId,
// faceId]` → `{ embedding }`, float32 little-endian, or iv ‖ AES-256-GCM
// ciphertext ‖ tag with `tenant "T" face F` as associated data) and refuses
// any other format rather than guess. Subjects and faces themselves are
// listed through the gallery's own API.

import { FaceError } from "@facever/core";
import {
  encryptionKeyFromEnv,
  type Gallery,
  KEY_ROOT,
  type Metadata,
} from "@facever/gallery";

/** The gallery key layout this reader knows. */
const GALLERY_FORMAT = 1;
const IV_BYTES = 12;

/** One stored face with its embedding. */
export interface StoredFace {
  readonly faceId: string;
  readonly metadata: Metadata;
  readonly source: string | null;
  readonly embedding: Float32Array;
}

/**
 * Every subject of `gallery`, in id order, each with its faces and their
 * embeddings (opened with `FACEVER_GALLERY_KEY` in a sealed gallery).
 */
export async function* storedSubjects(
  kv: Deno.Kv,
  gallery: Gallery,
): AsyncGenerator<{
  readonly id: string;
  readonly metadata: Metadata;
  readonly faces: StoredFace[];
}> {
  const meta = await kv.get<{ format: number }>([
    KEY_ROOT,
    gallery.tenant,
    "meta",
  ]);
  if (meta.value?.format !== GALLERY_FORMAT) {
    throw new FaceError(
      "gallery_mismatch",
      `the gallery is stored in format ${meta.value?.format}; export reads format ${GALLERY_FORMAT}`,
    );
  }
  const key = await encryptionKeyFromEnv();
  let cursor: string | undefined;
  do {
    const page = await gallery.listSubjects({ limit: 100, cursor });
    for (const subject of page.subjects) {
      const faces: StoredFace[] = [];
      for (const face of await gallery.listFaces(subject.id)) {
        const record = await kv.get<{ embedding: Uint8Array }>([
          KEY_ROOT,
          gallery.tenant,
          "face",
          subject.id,
          face.faceId,
        ]);
        // Deleted since it was listed: it is no longer in the gallery.
        if (record.value === null) continue;
        faces.push({
          faceId: face.faceId,
          metadata: face.metadata,
          source: face.source,
          embedding: await openStored(
            record.value.embedding,
            gallery,
            face.faceId,
            key,
          ),
        });
      }
      yield { id: subject.id, metadata: subject.metadata, faces };
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
}

async function openStored(
  bytes: Uint8Array,
  gallery: Gallery,
  faceId: string,
  key: CryptoKey | undefined,
): Promise<Float32Array> {
  let plain = bytes;
  if (key) {
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: bytes.slice(0, IV_BYTES),
            additionalData: new TextEncoder().encode(
              `tenant ${JSON.stringify(gallery.tenant)} face ${faceId}`,
            ),
          },
          key,
          bytes.slice(IV_BYTES),
        ),
      );
    } catch (cause) {
      throw new FaceError(
        "gallery_mismatch",
        `face ${faceId}: the stored embedding does not decrypt with FACEVER_GALLERY_KEY`,
        { cause },
      );
    }
  }
  if (plain.length !== 4 * gallery.dims) {
    throw new FaceError(
      "gallery_mismatch",
      `face ${faceId}: the stored embedding has ${plain.length} bytes, not ${
        4 * gallery.dims
      }`,
    );
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  return Float32Array.from(
    { length: gallery.dims },
    (_, i) => view.getFloat32(4 * i, true),
  );
}
