/**
 * The large tenant of the API benchmarks: 100,000 faces in a KV file under
 * `.cache/load/`, built once with `Gallery` directly (through HTTP it would
 * take far longer), then copied for each run so that no run sees what
 * another wrote. Most faces are random unit vectors, five per subject;
 * a few are real LFW faces (each person's first photo, embedded on the
 * wasm backend as the server's pool does), so that a probe of such a
 * person's second photo is a hit.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MODEL_ID } from "@facever/edge";
import { Gallery, ProgressBar, type ScanPool } from "@facever/gallery";
import { DEFAULT_THRESHOLD, FaceEngine } from "@facever/model";
import { lfwImagePath, unitVectors } from "@facever/testing";

/** The tenant the benchmarks' key acts for. */
export const LOAD_TENANT = "load";

/**
 * How the benchmarks identify on the load tenant: as the API does a request
 * that names no threshold, operating point or limit.
 *
 * @example
 * ```ts
 * import { LOAD_IDENTIFY } from "./_load_gallery.ts";
 * console.log(LOAD_IDENTIFY.limit); // 1
 * ```
 */
export const LOAD_IDENTIFY = { threshold: DEFAULT_THRESHOLD, limit: 1 };

/**
 * The load tenant of the KV store `kv`, opened as the API server opens a
 * tenant (the benchmarks' in-process side and the bare server alike).
 *
 * @example
 * ```ts ignore
 * import { ScanPool } from "@facever/gallery";
 * import { openLoadTenant } from "./_load_gallery.ts";
 * using scanPool = ScanPool.create({ threads: 1 });
 * const gallery = await openLoadTenant(await Deno.openKv("load.kv"), scanPool);
 * ```
 */
export function openLoadTenant(
  kv: Deno.Kv,
  scanPool: ScanPool,
): Promise<Gallery> {
  return Gallery.open(kv, {
    tenant: LOAD_TENANT,
    modelId: MODEL_ID,
    dims: DIMS,
    scanPool,
  });
}

const CACHE = fileURLToPath(new URL("../.cache/load/", import.meta.url));
const DIMS = 512;
const FACES_PER_SUBJECT = 5;
/** Bumped when what is built changes, so that an old file is not used. */
const BUILD = 3;

/**
 * An LFW person with at least two photos: the first is enrolled, the
 * second is a probe.
 *
 * @example
 * ```ts
 * import type { LfwPerson } from "./_load_gallery.ts";
 * const person: LfwPerson = { name: "Aaron_Peirsol", enrolled: "a.jpg", probe: "b.jpg" };
 * console.log(person.name);
 * ```
 */
export interface LfwPerson {
  readonly name: string;
  readonly enrolled: string;
  readonly probe: string;
}

/**
 * The first `count` people of LFW, in name order, who have at least two
 * photos.
 *
 * @example
 * ```ts ignore
 * import { lfwRoot } from "@facever/testing";
 * import { lfwPeople } from "./_load_gallery.ts";
 * console.log((await lfwPeople(lfwRoot()!, 3)).map((p) => p.name));
 * ```
 */
export async function lfwPeople(
  root: string,
  count: number,
): Promise<LfwPerson[]> {
  const dir = join(root, "images_deepfunneled");
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) names.push(entry.name);
  }
  names.sort();
  const people: LfwPerson[] = [];
  for (const name of names) {
    if (people.length === count) break;
    const probe = lfwImagePath(root, name, 2);
    try {
      await Deno.stat(probe);
    } catch {
      continue;
    }
    people.push({ name, enrolled: lfwImagePath(root, name, 1), probe });
  }
  return people;
}

/**
 * The built tenant: its KV file and the real people in it.
 *
 * @example
 * ```ts
 * import type { LoadGallery } from "./_load_gallery.ts";
 * const size = (g: LoadGallery) => g.faces;
 * console.log(typeof size);
 * ```
 */
export interface LoadGallery {
  /** The cached KV file: copy it before use (see {@linkcode copyGallery}). */
  readonly path: string;
  readonly tenant: string;
  readonly faces: number;
  readonly subjects: number;
  /** The real people enrolled (subject id `lfw:NAME`), by name. */
  readonly people: readonly string[];
}

/**
 * The cached tenant of `faces` faces with up to `people` real ones from
 * LFW at `root`, built first if the cache lacks it (about 110,000 commits:
 * minutes, once).
 *
 * @example
 * ```ts ignore
 * import { lfwRoot } from "@facever/testing";
 * import { loadGallery } from "./_load_gallery.ts";
 * const gallery = await loadGallery(lfwRoot()!, { faces: 100_000, people: 50 });
 * console.log(gallery.path);
 * ```
 */
export async function loadGallery(
  root: string,
  { faces, people }: { readonly faces: number; readonly people: number },
): Promise<LoadGallery> {
  const name = `gallery_${faces}_${people}_${
    MODEL_ID.replace(/[^A-Za-z0-9]/g, "_")
  }_v${BUILD}`;
  const path = join(CACHE, `${name}.kv`);
  // Written last, after the KV is closed: a build cut short has none.
  const done = join(CACHE, `${name}.json`);
  try {
    return JSON.parse(await Deno.readTextFile(done));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(CACHE, { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(path + suffix).catch(() => {});
  }
  const built = await build(path, root, faces, people);
  await Deno.writeTextFile(done, JSON.stringify(built, null, 2) + "\n");
  return built;
}

async function build(
  path: string,
  root: string,
  faces: number,
  peopleWanted: number,
): Promise<LoadGallery> {
  const engine = await FaceEngine.create({ backend: "wasm" });
  const real: { name: string; embedding: Float32Array }[] = [];
  for (const person of await lfwPeople(root, peopleWanted)) {
    try {
      const face = await engine.embedImage(
        await Deno.readFile(person.enrolled),
      );
      real.push({ name: person.name, embedding: face.embedding });
    } catch (error) {
      // A photo whose face the detector misses is simply left out.
      if ((error as { code?: string }).code !== "no_face") throw error;
    }
  }
  const kv = await Deno.openKv(path);
  try {
    const gallery = await Gallery.open(kv, {
      tenant: LOAD_TENANT,
      modelId: MODEL_ID,
      dims: DIMS,
    });
    const random = unitVectors(20260417, DIMS);
    const randomFaces = faces - real.length;
    const bar = new ProgressBar("build", faces);
    let added = 0;
    for (const { name, embedding } of real) {
      await gallery.createSubject(`lfw:${name}`);
      await gallery.addFace(`lfw:${name}`, embedding);
      bar.update(++added);
    }
    let subjects = real.length;
    for (let first = 0; first < randomFaces; first += FACES_PER_SUBJECT) {
      const id = `random-${String(subjects++).padStart(6, "0")}`;
      await gallery.createSubject(id);
      const last = Math.min(first + FACES_PER_SUBJECT, randomFaces);
      for (let i = first; i < last; i++) {
        await gallery.addFace(id, random());
        bar.update(++added);
      }
    }
    bar.finish();
    // What a tenant that grew to this size in service has: a server that
    // reads it writes its snapshot every few thousand changes.
    await gallery.writeSnapshot();
    return {
      path,
      tenant: LOAD_TENANT,
      faces,
      subjects,
      people: real.map(({ name }) => name),
    };
  } finally {
    kv.close();
  }
}

/**
 * Copies the cached KV file into `dir` (a fresh folder of the run), writes
 * the copy out to disk, and returns its path.
 *
 * @example
 * ```ts ignore
 * import { copyGallery } from "./_load_gallery.ts";
 * const copy = await copyGallery("/repo/.cache/load/g.kv", "/tmp/run");
 * console.log(copy); // "/tmp/run/facever.kv"
 * ```
 */
export async function copyGallery(path: string, dir: string): Promise<string> {
  const copy = join(dir, "facever.kv");
  await Deno.copyFile(path, copy);
  // Written out now: the kernel would otherwise write the copy's hundreds
  // of megabytes back some 30 s later, in the middle of a measured run.
  using file = await Deno.open(copy, { write: true });
  await file.sync();
  return copy;
}
