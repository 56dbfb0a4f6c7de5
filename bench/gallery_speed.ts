/**
 * Identification speed of the in-memory index, one core:
 *
 *     deno task bench:gallery                 # n = 10,000, 100,000, 1,000,000
 *     deno task bench:gallery 50000 200000    # other sizes
 *
 * Prints one JSON line per size: `{"n", "dims", "msPerQuery",
 * "msPerQueryShared16", "bytesPerFace", "top1AgreesWithExact", …}`;
 * `msPerQueryShared16` is the same queries through `searchMany`, 16 to a
 * scan, as concurrent `identify` calls run. The gallery holds random
 * unit vectors (uniform on the sphere); half the queries are random too
 * (the hardest case for pruning: the best match barely stands out), half
 * are an enrolled face plus noise (similarity about 0.6, like another
 * photo of the same person). `msPerQuery` is the mean over all queries;
 * `top1AgreesWithExact` compares the index's best match with a
 * brute-force double-precision scan for `checked` of them.
 * `bytesPerFace` is the growth of the process's resident memory while the
 * index is built, divided by n: codes, vectors, ids and all (`null` below
 * 10,000 faces, where allocator noise swamps it).
 *
 * A last line does the same on real MobileFaceNet embeddings of LFW
 * (`"data": "lfw"`, where the dataset is present): every photo of the first
 * people with at least two photos, up to `LFW_IMAGES` (default 2000)
 * images, each person's first photo held out as a query. Embeddings are
 * cached in `.cache/gallery_bench/`, keyed by the weights' hash.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FaceError } from "@facever/core";
import { FaceEngine } from "@facever/model";
import { lfwRoot } from "@facever/testing";
import { FaceIndex } from "@facever/gallery/index";
import { MANIFEST_URL } from "@facever/weights";
import { uniform } from "@facever/testing";

const DIMS = 512;
const QUERIES = 100;
const WARMUP = 3;

interface Result {
  readonly n: number;
  readonly dims: number;
  readonly msPerQuery: number;
  /** The same queries through `searchMany`, 16 sharing each scan. */
  readonly msPerQueryShared16: number;
  /** Resident memory per face; `null` where n is too small to measure it. */
  readonly bytesPerFace: number | null;
  readonly top1AgreesWithExact: boolean;
  readonly queries: number;
  readonly checked: number;
  readonly data: "random" | "lfw";
  /** LFW only: share of queries whose best match is the same person. */
  readonly top1Rate?: number;
}

/** Writes `count` random unit vectors into one array, row after row. */
function randomVectors(count: number, seed: number): Float32Array {
  const next = uniform(seed);
  const out = new Float32Array(count * DIMS);
  const row = new Float64Array(DIMS);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let i = 0; i < DIMS; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(next()));
      const angle = 2 * Math.PI * next();
      row[i] = radius * Math.cos(angle);
      row[i + 1] = radius * Math.sin(angle);
      sum += row[i] ** 2 + row[i + 1] ** 2;
    }
    const norm = Math.sqrt(sum);
    for (let i = 0; i < DIMS; i++) out[r * DIMS + i] = row[i] / norm;
  }
  return out;
}

function unit(vector: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] ** 2;
  const norm = Math.sqrt(sum);
  return Float64Array.from(vector, (v) => v / norm);
}

/** The brute-force best match: every dot product in double precision. */
function exactTop1(
  vectors: Float32Array,
  ids: (i: number) => string,
  query: Float64Array,
): string {
  let best = -Infinity, bestId = "";
  for (let r = 0, at = 0; at < vectors.length; r++, at += DIMS) {
    let s = 0;
    for (let i = 0; i < DIMS; i++) s += query[i] * vectors[at + i];
    const id = ids(r);
    if (s > best || (s === best && id < bestId)) {
      best = s;
      bestId = id;
    }
  }
  return bestId;
}

function measure(
  vectors: Float32Array,
  ids: (i: number) => string,
  subjects: (i: number) => string,
  queries: readonly Float64Array[],
  checked: number,
  data: Result["data"],
): Result {
  const n = vectors.length / DIMS;
  const before = Deno.memoryUsage().rss;
  const index = new FaceIndex(DIMS);
  for (let r = 0; r < n; r++) {
    index.add(ids(r), subjects(r), vectors.subarray(r * DIMS, (r + 1) * DIMS));
  }
  // Below some thousands of faces, allocator noise swamps the growth.
  const bytesPerFace = n >= 10_000
    ? Math.round((Deno.memoryUsage().rss - before) / n)
    : null;
  for (const query of queries.slice(0, WARMUP)) index.search(query, 1, -1);
  const found: string[] = [];
  const started = performance.now();
  for (const query of queries) found.push(index.search(query, 1, -1)[0].faceId);
  const msPerQuery = (performance.now() - started) / queries.length;
  const shared = queries.map((query) => ({ query, limit: 1, threshold: -1 }));
  index.searchMany(shared.slice(0, 16));
  const sharedStarted = performance.now();
  const sharedFound: string[] = [];
  for (let i = 0; i < shared.length; i += 16) {
    for (const [best] of index.searchMany(shared.slice(i, i + 16))) {
      sharedFound.push(best.faceId);
    }
  }
  const msPerQueryShared16 = (performance.now() - sharedStarted) /
    queries.length;
  // Spread the checked queries over both kinds.
  const step = queries.length / checked;
  let agrees = true;
  for (let k = 0; k < checked; k++) {
    const q = Math.floor(k * step);
    agrees &&= exactTop1(vectors, ids, queries[q]) === found[q];
  }
  // Shared scans give every query the answer it gets alone.
  agrees &&= sharedFound.every((faceId, q) => faceId === found[q]);
  return {
    n,
    dims: DIMS,
    msPerQuery: Math.round(msPerQuery * 100) / 100,
    msPerQueryShared16: Math.round(msPerQueryShared16 * 100) / 100,
    bytesPerFace,
    top1AgreesWithExact: agrees,
    queries: queries.length,
    checked,
    data,
  };
}

function randomRun(n: number): Result {
  const vectors = randomVectors(n, n);
  const noise = randomVectors(QUERIES, 1);
  const pick = uniform(2);
  const queries = Array.from({ length: QUERIES }, (_, k) => {
    const direction = noise.subarray(k * DIMS, (k + 1) * DIMS);
    if (k % 2 === 0) return unit(direction);
    // cos(enrolled, query) = 1 / √(1 + 1.33²) ≈ 0.6.
    const at = Math.floor(pick() * n) * DIMS;
    return unit(direction.map((d, i) => vectors[at + i] + 1.33 * d));
  });
  const id = (i: number) => `face-${String(i).padStart(7, "0")}`;
  const checked = n > 100_000 ? 20 : QUERIES;
  return measure(
    vectors,
    id,
    (i) => `subject-${i}`,
    queries,
    checked,
    "random",
  );
}

interface LfwFace {
  readonly person: string;
  readonly file: string;
  readonly embedding: string;
}

async function lfwFaces(root: string, limit: number): Promise<LfwFace[]> {
  const manifest = JSON.parse(
    await Deno.readTextFile(
      MANIFEST_URL,
    ),
  );
  const sha: string =
    manifest.models.find((m: { id: string }) => m.id === "mobilefacenet")
      .sha256;
  const cacheDir = fileURLToPath(
    new URL("../.cache/gallery_bench/", import.meta.url),
  );
  const cache = join(cacheDir, `lfw_${sha.slice(0, 16)}_${limit}.json`);
  try {
    return JSON.parse(await Deno.readTextFile(cache));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const images = join(root, "images_deepfunneled");
  const people: { name: string; files: string[] }[] = [];
  for await (const entry of Deno.readDir(images)) {
    if (!entry.isDirectory) continue;
    const files =
      (await Array.fromAsync(Deno.readDir(join(images, entry.name))))
        .map((f) => f.name).sort();
    if (files.length >= 2) people.push({ name: entry.name, files });
  }
  people.sort((a, b) => (a.name < b.name ? -1 : 1));
  const engine = await FaceEngine.create();
  const faces: LfwFace[] = [];
  let done = 0;
  for (const { name, files } of people) {
    if (done + files.length > limit) break;
    for (const file of files) {
      done++;
      try {
        const face = await engine.embedImage(
          await Deno.readFile(join(images, name, file)),
        );
        const { buffer, byteOffset, byteLength } = face.embedding;
        const bytes = new Uint8Array(buffer, byteOffset, byteLength);
        faces.push({
          person: name,
          file,
          embedding: btoa(String.fromCharCode(...bytes)),
        });
      } catch (error) {
        if (!(error instanceof FaceError && error.code === "no_face")) {
          throw error;
        }
      }
      if (done % 100 === 0) console.error(`embedding LFW: ${done}/${limit}`);
    }
  }
  await Deno.mkdir(cacheDir, { recursive: true });
  await Deno.writeTextFile(cache, JSON.stringify(faces));
  return faces;
}

function decode(embedding: string): Float32Array {
  return new Float32Array(
    Uint8Array.from(atob(embedding), (c) => c.charCodeAt(0)).buffer,
  );
}

async function lfwRun(root: string, limit: number): Promise<Result> {
  const faces = await lfwFaces(root, limit);
  const queries: { person: string; vector: Float64Array }[] = [];
  const enrolled: LfwFace[] = [];
  for (const [i, face] of faces.entries()) {
    if (i > 0 && faces[i - 1].person === face.person) enrolled.push(face);
    else {
      queries.push({
        person: face.person,
        vector: unit(decode(face.embedding)),
      });
    }
  }
  const vectors = new Float32Array(enrolled.length * DIMS);
  for (const [i, face] of enrolled.entries()) {
    vectors.set(decode(face.embedding), i * DIMS);
  }
  const result = measure(
    vectors,
    (i) => `${enrolled[i].person}/${enrolled[i].file}`,
    (i) => enrolled[i].person,
    queries.map(({ vector }) => vector),
    queries.length,
    "lfw",
  );
  const index = new FaceIndex(DIMS);
  for (const [i, face] of enrolled.entries()) {
    index.add(`${i}`, face.person, vectors.subarray(i * DIMS, (i + 1) * DIMS));
  }
  const right =
    queries.filter(({ person, vector }) =>
      index.search(vector, 1, -1)[0].subjectId === person
    ).length;
  return {
    ...result,
    top1Rate: Math.round(1e4 * right / queries.length) / 1e4,
  };
}

const sizes = Deno.args.length > 0
  ? Deno.args.map(Number)
  : [10_000, 100_000, 1_000_000];
for (const n of sizes) console.log(JSON.stringify(randomRun(n)));
const root = lfwRoot();
if (root === undefined) {
  console.error("LFW not found (set LFW_DIR): no line on real embeddings");
} else {
  const limit = Number(Deno.env.get("LFW_IMAGES") ?? 2000);
  console.log(JSON.stringify(await lfwRun(root, limit)));
}
