/**
 * What `FacePool.analyze` makes of many images (every face's box, score,
 * sharpness and pose, and the embedding of the face nearest the centre),
 * run on one worker per core and kept on disk (`_jsonl_cache.ts`) under
 * `.cache/lfw-analyses/` (gitignored), so a stopped run keeps every image
 * it finished and a rerun only re-scores.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type AnalyzedFace, FacePool, type ImageInput } from "@facever/model";
import { JsonLinesCache } from "./_jsonl_cache.ts";

const CACHE_DIR = new URL("../.cache/lfw-analyses/", import.meta.url);

/**
 * One face as the analysis found it: what an enrolment gate looks at.
 *
 * @example
 * ```ts
 * import type { FaceRecord } from "./_analyses.ts";
 * const face: FaceRecord = {
 *   box: { x: 70, y: 68, width: 108, height: 110 },
 *   score: 0.99,
 *   sharpness: 240,
 *   pose: { yaw: 3, pitch: -4, roll: 1 },
 * };
 * console.log(Math.min(face.box.width, face.box.height)); // 108
 * ```
 */
export interface FaceRecord {
  readonly box: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
  readonly score: number;
  readonly sharpness: number;
  readonly pose: {
    readonly yaw: number;
    readonly pitch: number;
    readonly roll: number;
  };
}

/**
 * One image's analysis.
 *
 * @example
 * ```ts
 * import type { ImageAnalysis } from "./_analyses.ts";
 * const empty: ImageAnalysis = {
 *   width: 250,
 *   height: 250,
 *   faces: [],
 *   central: -1,
 *   embedding: undefined,
 * };
 * console.log(empty.faces.length);
 * ```
 */
export interface ImageAnalysis {
  /** Size of the image analysed. */
  readonly width: number;
  readonly height: number;
  /** Every face found, largest first. */
  readonly faces: readonly FaceRecord[];
  /** Index in `faces` of the face nearest the centre; −1 without a face. */
  readonly central: number;
  /** The unit-length embedding of the central face; none without a face. */
  readonly embedding: Float32Array | undefined;
}

/**
 * The analysis of one image from the face list `FacePool.analyze` gives
 * with `embed: "central"`: only that face carries an embedding.
 *
 * @example
 * ```ts
 * import { toAnalysis } from "./_analyses.ts";
 * console.log(toAnalysis({ width: 10, height: 10, faces: [] }).central); // -1
 * ```
 */
export function toAnalysis(
  analysis: {
    readonly width: number;
    readonly height: number;
    readonly faces: readonly AnalyzedFace[];
  },
): ImageAnalysis {
  const central = analysis.faces.findIndex((face) => face.embedding);
  return {
    width: analysis.width,
    height: analysis.height,
    faces: analysis.faces.map((face) => ({
      box: face.box,
      score: face.score,
      sharpness: face.quality.sharpness,
      pose: face.quality.pose,
    })),
    central,
    embedding: analysis.faces[central]?.embedding,
  };
}

/**
 * Analyses by id, on disk as JSON lines `{"id", …, "embedding": base64 of
 * little-endian float32}`.
 *
 * @example
 * ```ts
 * import type { AnalysisCache } from "./_analyses.ts";
 * const faces = (cache: AnalysisCache, id: string) => cache.get(id)?.faces;
 * console.log(typeof faces);
 * ```
 */
export type AnalysisCache = JsonLinesCache<ImageAnalysis>;

/**
 * Opens the analyses of the configuration `key` (see `cacheKey`) in `dir`
 * (default `.cache/lfw-analyses/`).
 *
 * @example
 * ```ts
 * import { AnalysisCache } from "./_analyses.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await AnalysisCache.open({ options: { pick: "central" } }, dir);
 * cache.put("a.jpg", {
 *   width: 1,
 *   height: 1,
 *   faces: [],
 *   central: -1,
 *   embedding: undefined,
 * });
 * console.log(cache.get("a.jpg")?.central); // -1
 * await cache.close();
 * ```
 */
export const AnalysisCache = {
  open(
    key: Readonly<Record<string, unknown>>,
    dir: URL = CACHE_DIR,
  ): Promise<AnalysisCache> {
    return JsonLinesCache.open<ImageAnalysis>(key, dir, {
      toLine: ({ embedding, ...rest }) => ({
        ...rest,
        embedding: embedding && encodeFloats(embedding),
      }),
      fromLine: ({ embedding, ...analysis }) => ({
        ...analysis as Omit<ImageAnalysis, "embedding">,
        embedding: typeof embedding === "string"
          ? decodeFloats(embedding)
          : undefined,
      }),
    });
  },
};

function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(4 * i, value, true));
  return Buffer.from(bytes).toString("base64");
}

function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from(
    { length: bytes.byteLength / 4 },
    (_, i) => view.getFloat32(4 * i, true),
  );
}

/**
 * One image to analyse: a stable id (the file path, with a suffix for a
 * derived image) and how to make its input when it is not cached.
 *
 * @example
 * ```ts
 * import type { AnalysisJob } from "./_analyses.ts";
 * const job: AnalysisJob = { id: "a.jpg", input: () => Deno.readFile("a.jpg") };
 * console.log(job.id);
 * ```
 */
export interface AnalysisJob {
  readonly id: string;
  readonly input: () => Promise<ImageInput> | ImageInput;
}

/**
 * Analyses each job not in `cache` on a {@linkcode FacePool} (one worker
 * per core, one call in flight per worker), embedding the face nearest
 * the centre, and returns every job's analysis by id. `onProgress` is
 * called with the count done and the count to do.
 *
 * @example
 * ```ts
 * import { AnalysisCache, analyzeImages } from "./_analyses.ts";
 * import { lfwImagePath, lfwRoot } from "@facever/testing";
 * import { pathToFileURL } from "node:url";
 * const file = lfwImagePath(lfwRoot()!, "Aaron_Peirsol", 1);
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await AnalysisCache.open({ options: {} }, dir);
 * const analyses = await analyzeImages(
 *   [{ id: file, input: () => Deno.readFile(file) }],
 *   cache,
 * );
 * await cache.close();
 * console.log(analyses.get(file)?.faces.length);
 * ```
 */
export async function analyzeImages(
  jobs: readonly AnalysisJob[],
  cache: AnalysisCache,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, ImageAnalysis>> {
  const missing = jobs.filter((job) => !cache.get(job.id));
  onProgress?.(0, missing.length);
  if (missing.length > 0) {
    await using pool = await FacePool.create();
    let next = 0, done = 0;
    const lane = async () => {
      while (next < missing.length) {
        const job = missing[next++];
        const analysis = await pool.analyze(await job.input(), {
          embed: "central",
        });
        cache.put(job.id, toAnalysis(analysis));
        onProgress?.(++done, missing.length);
      }
    };
    await Promise.all(Array.from({ length: pool.workers }, lane));
  }
  return new Map(jobs.map((job) => [job.id, cache.get(job.id)!]));
}
