/**
 * Helpers of the snapshot tests: enrolling random faces, the exact answers
 * to compare with, and the snapshot's keys as a test inspects them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { nearby } from "@facever/testing";
import { type Gallery, KEY_ROOT } from "./mod.ts";
import { FaceIndex } from "./face_index.ts";
import type { BucketRecord } from "./_snapshot.ts";

export interface Face {
  readonly faceId: string;
  readonly subjectId: string;
  readonly vector: Float32Array;
}

/** What a gallery searches with for the float32 vector `v`. */
export function renormalised(v: Float32Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  return Float64Array.from(v, (x) => x / norm);
}

/** Enrols `subjects` subjects with `perSubject` random faces each. */
export async function enrol(
  gallery: Gallery,
  prefix: string,
  subjects: number,
  perSubject: number,
  random: () => Float32Array,
): Promise<Face[]> {
  const faces: Face[] = [];
  for (let s = 0; s < subjects; s++) {
    const subjectId = `${prefix}-${s}`;
    await gallery.createSubject(subjectId);
    for (let f = 0; f < perSubject; f++) {
      const vector = random();
      faces.push({
        faceId: await gallery.addFace(subjectId, vector),
        subjectId,
        vector,
      });
    }
  }
  return faces;
}

/**
 * Asserts that `gallery` gives every query the answer of an exact index of
 * `faces` (a brute-force scan, as the index's tests show).
 */
export async function assertExact(
  gallery: Gallery,
  faces: Iterable<Face>,
  queries: readonly Float32Array[],
): Promise<void> {
  const reference = new FaceIndex(gallery.dims);
  for (const { faceId, subjectId, vector } of faces) {
    reference.add(faceId, subjectId, Float32Array.from(renormalised(vector)));
  }
  for (const query of queries) {
    for (const [limit, threshold] of [[1, -1], [5, -1], [3, 0.2]]) {
      assert.deepEqual(
        await gallery.identify(query, { threshold, limit }),
        reference.search(renormalised(query), limit, threshold),
      );
    }
  }
}

export function queriesNear(
  faces: readonly Face[],
  random: () => Float32Array,
): Float32Array[] {
  return [
    ...faces.filter((_, i) => i % 7 === 0).map((f) => f.vector),
    ...faces.filter((_, i) => i % 11 === 0).map((f) =>
      nearby(f.vector, 0.3, random)
    ),
    random(),
    random(),
  ];
}

/** The snapshot's keys of a tenant: headers, chunks and generations. */
export async function snapshotKeys(kv: Deno.Kv, tenant: string) {
  const headers = new Map<number, BucketRecord>();
  for await (
    const { key, value } of kv.list<BucketRecord>({
      prefix: [KEY_ROOT, tenant, "snapshot_bucket"],
    })
  ) {
    headers.set(key.at(-1) as number, value);
  }
  const chunks = (await Array.fromAsync(
    kv.list({ prefix: [KEY_ROOT, tenant, "snapshot_chunk"] }),
  )).map(({ key }) => key.slice(3) as [number, string, number]);
  const generations = (await Array.fromAsync(
    kv.list({ prefix: [KEY_ROOT, tenant, "snapshot_generation"] }),
  )).map(({ key }) => key.slice(3) as [number, string]);
  return { headers, chunks, generations };
}

/** Asserts that every chunk and generation left belongs to a live header. */
export async function assertNoGarbage(
  kv: Deno.Kv,
  tenant: string,
): Promise<void> {
  const { headers, chunks, generations } = await snapshotKeys(kv, tenant);
  const live = (b: number) => {
    const header = headers.get(b);
    return header?.generation ? header : undefined;
  };
  for (const [b, generation, index] of chunks) {
    assert.equal(live(b)?.generation, generation, `chunk of bucket ${b}`);
    assert.ok(index < live(b)!.chunks);
  }
  for (const [b, generation] of generations) {
    assert.equal(live(b)?.generation, generation, `generation of bucket ${b}`);
  }
  const expected = [...headers.values()].reduce(
    (sum, h) => sum + (h.generation ? h.chunks : 0),
    0,
  );
  assert.equal(chunks.length, expected);
}

/**
 * Gives face `face`'s record the embedding of `other`'s. Only a rebuild
 * from the records sees it (and, encrypted, fails to open it).
 */
export async function swapRecord(
  kv: Deno.Kv,
  tenant: string,
  face: Face,
  other: Face,
): Promise<void> {
  const key = (f: Face) => [KEY_ROOT, tenant, "face", f.subjectId, f.faceId];
  const [mine, theirs] = await kv.getMany<{ embedding: Uint8Array }[]>([
    key(face),
    key(other),
  ]);
  await kv.set(mine.key, { ...mine.value, embedding: theirs.value!.embedding });
}

export async function testKey(): Promise<CryptoKey> {
  return await crypto.subtle.generateKey(
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The dimension of most snapshot tests. */
export const DIMS = 64;
