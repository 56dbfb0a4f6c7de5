/**
 * What a snapshot of a tenant's index is made of: buckets of faces by face
 * id, each kept as one blob of its faces' ids, rows and vectors, cut into
 * chunks that fit a Deno KV value (64 KiB) and are written a dozen to a
 * commit (800 KiB).
 *
 * A blob is `count (u32) ‖ idsBytes (u32) ‖ ids ‖ padding ‖ rows ‖
 * vectors`: the ids as UTF-8 JSON `[[faceId, subjectId], …]`, padding to
 * 16 bytes, then each face's row exactly as the index holds it (so loading
 * recomputes nothing) and its float32 vector, little-endian like every
 * WebAssembly memory. A chunk of a plain tenant is `generation (16 bytes)
 * ‖ index (u32) ‖ part of the blob`, so a chunk left over from another
 * generation or out of place is recognised; a chunk of an encrypted tenant
 * is that part sealed (AES-256-GCM) under the generation's own key, with
 * tenant, bucket, generation, index and count as associated data.
 *
 * @module
 */

import { seal, SEAL_BYTES, unseal } from "./_codec.ts";
import type { FaceBlock, StoredFaces } from "./_face_rows.ts";
import type { Bytes } from "./_vector_blocks.ts";

/** Buckets a snapshot is cut into. */
export const BUCKETS = 128;

/** Layout of the blob and of the rows in it; a snapshot of another is rebuilt. */
export const SNAPSHOT_FORMAT = 1;

/** Bytes of a chunk's value, below Deno KV's 64 KiB. */
export const CHUNK_BYTES = 65536;

/** Bytes of the blob in one chunk. */
export const CHUNK_PAYLOAD = CHUNK_BYTES - Math.max(SEAL_BYTES, 20);

/** Chunks per commit: 12 × 64 KiB stays under Deno KV's 800 KiB a commit. */
export const CHUNKS_PER_COMMIT = 12;

/** The lower bound of bucket `b` (b ≥ 1): two hex digits, "02" to "fe". */
function lowerBound(bucket: number): string {
  return (2 * bucket).toString(16).padStart(2, "0");
}

/** The value of a lowercase hex digit's code, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  return code >= 97 && code <= 102 ? code - 87 : -1;
}

/**
 * The bucket of a face. Face ids are random UUIDs, so their first two hex
 * digits spread faces evenly; the buckets are ranges of ids in Deno KV's
 * key order (bucket b holds ids from `lowerBound(b)` up to
 * `lowerBound(b + 1)`), so a bucket's faces can be listed by range, and
 * every string falls in one.
 */
export function bucketOf(faceId: string): number {
  const high = hexDigit(faceId.charCodeAt(0));
  const low = hexDigit(faceId.charCodeAt(1));
  if (high >= 0 && low >= 0) return (16 * high + low) >>> 1;
  // Outside the hex digits the order alone decides (never for a UUID).
  let first = 0, last = BUCKETS - 1;
  while (first < last) {
    const mid = (first + last + 1) >>> 1;
    if (faceId >= lowerBound(mid)) first = mid;
    else last = mid - 1;
  }
  return first;
}

/** The ids of bucket `b` as key bounds: from `start`, before `end`; open where undefined. */
export function bucketRange(
  bucket: number,
): { start?: string; end?: string } {
  return {
    start: bucket === 0 ? undefined : lowerBound(bucket),
    end: bucket === BUCKETS - 1 ? undefined : lowerBound(bucket + 1),
  };
}

/** The blob of a bucket's faces. */
export function encodeBucket(
  faces: FaceBlock,
  rowBytes: number,
  dims: number,
): Uint8Array<ArrayBuffer> {
  const count = faces.faceIds.length;
  const ids = new TextEncoder().encode(
    JSON.stringify(faces.faceIds.map((id, i) => [id, faces.subjectIds[i]])),
  );
  const rowsAt = Math.ceil((8 + ids.length) / 16) * 16;
  const vectorsAt = rowsAt + count * rowBytes;
  const blob = new Uint8Array(vectorsAt + 4 * count * dims);
  const view = new DataView(blob.buffer);
  view.setUint32(0, count, true);
  view.setUint32(4, ids.length, true);
  blob.set(ids, 8);
  blob.set(faces.rows.subarray(0, count * rowBytes), rowsAt);
  new Float32Array(blob.buffer, vectorsAt, count * dims).set(
    faces.vectors.subarray(0, count * dims),
  );
  return blob;
}

/** A blob kept as the pieces it was read in, from byte `base` on. */
export class Pieces implements Bytes {
  readonly #parts: readonly Uint8Array[];
  /** Where each part starts in the whole. */
  readonly #starts: readonly number[];
  readonly #base: number;
  /** Bytes from `base` to the end. */
  readonly length: number;

  constructor(parts: readonly Uint8Array[], base = 0) {
    this.#parts = parts;
    const starts: number[] = [];
    let total = 0;
    for (const part of parts) {
      starts.push(total);
      total += part.length;
    }
    this.#starts = starts;
    this.#base = base;
    this.length = total - base;
  }

  /** The same bytes from `offset` on. */
  from(offset: number): Pieces {
    return new Pieces(this.#parts, this.#base + offset);
  }

  copy(start: number, end: number, into: Uint8Array): void {
    let at = this.#base + start;
    const stop = this.#base + end;
    // The last part starting at or before `at`.
    let first = 0, last = this.#parts.length - 1;
    while (first < last) {
      const mid = (first + last + 1) >>> 1;
      if (this.#starts[mid] <= at) first = mid;
      else last = mid - 1;
    }
    for (let p = first, written = 0; at < stop; p++) {
      const part = this.#parts[p];
      const from = at - this.#starts[p];
      const take = Math.min(part.length - from, stop - at);
      into.set(part.subarray(from, from + take), written);
      written += take;
      at += take;
    }
  }
}

/**
 * The faces of a blob kept in pieces, or `undefined` when it is not one of
 * this layout (or names a face twice).
 */
export function decodeBucket(
  blob: Pieces,
  rowBytes: number,
  dims: number,
): StoredFaces | undefined {
  if (blob.length < 8) return undefined;
  const head = new Uint8Array(8);
  blob.copy(0, 8, head);
  const view = new DataView(head.buffer);
  const count = view.getUint32(0, true);
  const idsBytes = view.getUint32(4, true);
  const rowsAt = Math.ceil((8 + idsBytes) / 16) * 16;
  const vectorsAt = rowsAt + count * rowBytes;
  if (blob.length !== vectorsAt + 4 * count * dims) return undefined;
  const ids = new Uint8Array(idsBytes);
  blob.copy(8, 8 + idsBytes, ids);
  let pairs: unknown;
  try {
    pairs = JSON.parse(new TextDecoder().decode(ids));
  } catch {
    return undefined;
  }
  if (!Array.isArray(pairs) || pairs.length !== count) return undefined;
  const faceIds: string[] = [], subjectIds: string[] = [];
  for (const pair of pairs) {
    if (
      !Array.isArray(pair) || typeof pair[0] !== "string" ||
      typeof pair[1] !== "string"
    ) {
      return undefined;
    }
    faceIds.push(pair[0]);
    subjectIds.push(pair[1]);
  }
  if (new Set(faceIds).size !== count) return undefined;
  return {
    faceIds,
    subjectIds,
    rows: blob.from(rowsAt),
    vectors: blob.from(vectorsAt),
  };
}

/**
 * How one generation of a bucket's chunks is told apart: by its random
 * generation id, and, when the tenant is encrypted, by the generation's key
 * and the associated data of each chunk.
 */
export interface ChunkContext {
  readonly generation: string;
  readonly key: CryptoKey | undefined;
  /** Names the tenant and bucket in the associated data. */
  readonly label: string;
}

function associatedData(
  context: ChunkContext,
  index: number,
  count: number,
): string {
  return `${context.label} generation ${context.generation} chunk ${index} of ${count}`;
}

/** The 16 bytes of a generation id, or `undefined` if it is not a UUID. */
function generationBytes(generation: string): Uint8Array | undefined {
  const hex = generation.replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(
    { length: 16 },
    (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16),
  );
}

/** The chunks of a blob. */
export async function toChunks(
  blob: Uint8Array<ArrayBuffer>,
  context: ChunkContext,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const count = Math.max(1, Math.ceil(blob.length / CHUNK_PAYLOAD));
  // The generation is a UUID of our making.
  const prefix = generationBytes(context.generation)!;
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const part = blob.subarray(i * CHUNK_PAYLOAD, (i + 1) * CHUNK_PAYLOAD);
      if (context.key !== undefined) {
        return await seal(
          part.slice(),
          context.key,
          associatedData(context, i, count),
        );
      }
      const chunk = new Uint8Array(20 + part.length);
      chunk.set(prefix);
      new DataView(chunk.buffer).setUint32(16, i, true);
      chunk.set(part, 20);
      return chunk;
    }),
  );
}

/**
 * The blob of `chunks` (in order), in pieces, or `undefined` when one is
 * missing, out of place, of another generation, altered, or the total is
 * not `bytes` long.
 */
export async function fromChunks(
  chunks: readonly Uint8Array[],
  bytes: number,
  context: ChunkContext,
): Promise<Pieces | undefined> {
  const prefix = generationBytes(context.generation);
  if (prefix === undefined) return undefined;
  const parts = await Promise.all(chunks.map(async (chunk, i) => {
    if (context.key !== undefined) {
      return await unseal(
        chunk,
        context.key,
        associatedData(context, i, chunks.length),
      );
    }
    if (chunk.length < 20) return undefined;
    for (let k = 0; k < 16; k++) {
      if (chunk[k] !== prefix[k]) return undefined;
    }
    const index = new DataView(chunk.buffer, chunk.byteOffset + 16, 4)
      .getUint32(0, true);
    return index === i ? chunk.subarray(20) : undefined;
  }));
  if (parts.some((part) => part === undefined)) return undefined;
  const blob = new Pieces(parts as Uint8Array[]);
  return blob.length === bytes ? blob : undefined;
}
