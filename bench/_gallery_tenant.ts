/**
 * The gallery benchmarks' tenants: 100,000 faces (25,000 subjects with
 * four random unit vectors each) enrolled through the public API into a KV
 * file under `.cache/gallery_bench/`, once. Enrolling takes some minutes
 * (one commit per face); a build cut short resumes where it stopped, since
 * every face has a `source`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Gallery, type GalleryOptions } from "@facever/gallery";
import { unitVectors } from "@facever/testing";

/** Values per embedding, as MobileFaceNet's. */
export const DIMS = 512;
/** Faces of each subject. */
const FACES_PER_SUBJECT = 4;
/** Seed of the enrolled vectors: vector i is the i-th draw. */
const SEED = 20_240_611;

/** A tenant the benchmarks use: plain, or with embeddings sealed at rest. */
export type TenantKind = "plain" | "sealed";

/** Where the tenants live. */
export const CACHE_DIR = fileURLToPath(
  new URL("../.cache/gallery_bench/", import.meta.url),
);

/** The KV file of a tenant of `faces` faces. */
export function tenantPath(kind: TenantKind, faces: number): string {
  return join(CACHE_DIR, `${kind}_${faces}.sqlite`);
}

/**
 * The key of the sealed tenant: fixed, so that every process of a
 * benchmark can open it (a benchmark's key protects nothing).
 */
export async function benchKey(): Promise<CryptoKey> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode("facever gallery benchmark key"),
    ),
  );
  return await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

/** The options that open the tenant. */
export async function tenantOptions(
  kind: TenantKind,
  extra: Partial<GalleryOptions> = {},
): Promise<GalleryOptions> {
  return {
    tenant: `bench-${kind}`,
    modelId: "bench-random-512",
    dims: DIMS,
    ...(kind === "sealed" ? { encryptionKey: await benchKey() } : {}),
    ...extra,
  };
}

/** The first `count` enrolled vectors, in enrolment order. */
export function enrolledVectors(count: number): Float32Array[] {
  const random = unitVectors(SEED, DIMS);
  return Array.from({ length: count }, random);
}

/**
 * Builds the tenant if its file lacks faces, reporting progress on
 * stderr, and returns the file's path.
 */
export async function ensureTenant(
  kind: TenantKind,
  faces: number,
): Promise<string> {
  const path = tenantPath(kind, faces);
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  const kv = await Deno.openKv(path);
  try {
    const done = ["facever_bench", kind, faces];
    if ((await kv.get(done)).value !== null) return path;
    const gallery = await Gallery.open(kv, await tenantOptions(kind));
    const random = unitVectors(SEED, DIMS);
    const started = performance.now();
    for (let i = 0; i < faces; i++) {
      const vector = random();
      const subjectId = `subject-${
        String(Math.floor(i / FACES_PER_SUBJECT)).padStart(6, "0")
      }`;
      if (i % FACES_PER_SUBJECT === 0 && !await gallery.getSubject(subjectId)) {
        await gallery.createSubject(subjectId);
      }
      await gallery.addFace(subjectId, vector, { source: `face-${i}` });
      if ((i + 1) % 5000 === 0) {
        const seconds = (performance.now() - started) / 1000;
        console.error(
          `building the ${kind} tenant: ${i + 1}/${faces} faces, ${
            seconds.toFixed(0)
          } s`,
        );
      }
    }
    await kv.set(done, true);
    return path;
  } finally {
    kv.close();
  }
}

/** What writing a tenant's snapshot took, when its copy was made. */
export interface SnapshotNote {
  readonly writeMs: number;
  readonly bytes: number;
}

/**
 * A copy of the tenant's file with a snapshot written into it, made once
 * beside it; the original stays without one.
 */
export async function snapshotCopy(
  kind: TenantKind,
  faces: number,
): Promise<SnapshotNote & { path: string }> {
  const source = await ensureTenant(kind, faces);
  const path = source.replace(/\.sqlite$/, "_snapshot.sqlite");
  const note = `${path}.json`;
  try {
    return { path, ...JSON.parse(await Deno.readTextFile(note)) };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.copyFile(source, path);
  const kv = await Deno.openKv(path);
  try {
    const gallery = await Gallery.open(
      kv,
      await tenantOptions(kind, { snapshotEvery: Infinity }),
    );
    // Loaded first, so that the time is the writing's alone.
    await gallery.identify(enrolledVectors(1)[0], { threshold: 1 });
    const begun = performance.now();
    const summary = await gallery.writeSnapshot();
    const written: SnapshotNote = {
      writeMs: Math.round(performance.now() - begun),
      bytes: summary.bytes,
    };
    await Deno.writeTextFile(note, JSON.stringify(written));
    return { path, ...written };
  } finally {
    kv.close();
  }
}
