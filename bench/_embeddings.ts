/**
 * Embedding the images of LFW pairs with the pipeline, on one worker per
 * core, with a disk cache.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { type Backend, DEFAULT_CHANNEL_ORDER, FacePool } from "@facever/model";
import { cacheKey, EmbeddingCache } from "./_cache.ts";
import type { ImageEmbedding, Pair, PipelineOptions } from "./_lfw_types.ts";

/**
 * Options of {@linkcode embedPairs}.
 *
 * @example
 * ```ts
 * import type { EmbedOptions } from "./_embeddings.ts";
 * const options: EmbedOptions = { workers: 2, cache: true };
 * console.log(options);
 * ```
 */
export interface EmbedOptions {
  /** The pipeline's choices; see {@linkcode PipelineOptions}. */
  readonly pipeline?: PipelineOptions;
  /** Workers of the `FacePool`, each with its own models; default one per core. */
  readonly workers?: number;
  /**
   * The ONNX Runtime of the workers (see `Backend`); default `"auto"`.
   * Backends agree on embeddings within 1e-5, so the cache is shared.
   */
  readonly backend?: Backend;
  /**
   * Read and extend the embedding cache in `.cache/lfw-embeddings/`, keyed
   * by the models' sha256, the pipeline options and the image path (delete
   * it after changing how the pipeline computes). Default false.
   */
  readonly cache?: boolean;
  /**
   * Called before the first image and after each image embedded now (not
   * for those from the cache) with the count done and the count to do.
   */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Every option of `pipeline` with its default filled in.
 *
 * @example
 * ```ts
 * import { resolvePipeline } from "./_embeddings.ts";
 * console.log(resolvePipeline({ mirror: true }));
 * // { channelOrder: "bgr", mirror: true, pick: "central" }
 * ```
 */
export function resolvePipeline(
  pipeline: PipelineOptions = {},
): Required<PipelineOptions> {
  return {
    channelOrder: pipeline.channelOrder ?? DEFAULT_CHANNEL_ORDER,
    mirror: pipeline.mirror ?? false,
    pick: pipeline.pick ?? "central",
  };
}

/**
 * The pipeline failed on an image for a reason other than "no face": the
 * benchmark stops rather than score a broken run.
 *
 * @example
 * ```ts
 * import { EmbedError } from "./_embeddings.ts";
 * const error = new EmbedError("a.jpg", new Error("truncated"));
 * console.log(error.message); // "cannot embed a.jpg: truncated"
 * ```
 */
export class EmbedError extends Error {
  override name = "EmbedError";
  /** The image that failed. */
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`cannot embed ${file}: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
    this.file = file;
  }
}

/**
 * Embeds each distinct image of `pairs` on a {@linkcode FacePool}, one
 * worker per core by default: {@linkcode embedImages} on the pairs' files.
 *
 * @example
 * ```ts
 * import { embedPairs } from "./_embeddings.ts";
 * import { lfwRoot } from "@facever/testing";
 * import { readPairs } from "./_lfw_pairs.ts";
 * const [pairs] = await readPairs(lfwRoot()!, "pairsDevTest.txt");
 * const embeddings = await embedPairs(pairs.slice(0, 2));
 * console.log(embeddings.size);
 * ```
 */
export function embedPairs(
  pairs: readonly Pair[],
  options: EmbedOptions = {},
): Promise<Map<string, ImageEmbedding>> {
  return embedImages(pairs.flatMap((pair) => [pair.a, pair.b]), options);
}

/**
 * Embeds each distinct image of `paths` on a {@linkcode FacePool}, one
 * worker per core by default. An image without a face maps to an
 * `undefined` embedding and is scored as a failure, never dropped; any
 * other failure rejects with an {@linkcode EmbedError}.
 *
 * @example
 * ```ts
 * import { embedImages } from "./_embeddings.ts";
 * import { lfwImagePath, lfwRoot } from "@facever/testing";
 * const file = lfwImagePath(lfwRoot()!, "Aaron_Peirsol", 1);
 * const embeddings = await embedImages([file, file]);
 * console.log(embeddings.size); // 1
 * ```
 */
export async function embedImages(
  paths: readonly string[],
  options: EmbedOptions = {},
): Promise<Map<string, ImageEmbedding>> {
  const pipeline = resolvePipeline(options.pipeline);
  const files = [...new Set(paths)];
  const cache = options.cache
    ? await EmbeddingCache.open(await cacheKey({ ...pipeline }))
    : undefined;
  const results = new Map<string, ImageEmbedding>();
  const missing: string[] = [];
  for (const file of files) {
    const cached = cache?.get(file);
    if (cached) results.set(file, cached);
    else missing.push(file);
  }
  let done = 0;
  options.onProgress?.(0, missing.length);
  try {
    if (missing.length > 0) {
      await embedFiles(missing, pipeline, options, (file, result) => {
        results.set(file, result);
        cache?.put(file, result);
        options.onProgress?.(++done, missing.length);
      });
    }
  } finally {
    await cache?.close();
  }
  // In the order of `paths`, whatever order the workers finished in.
  return new Map(files.map((file) => [file, results.get(file)!]));
}

async function embedFiles(
  files: readonly string[],
  pipeline: Required<PipelineOptions>,
  options: EmbedOptions,
  onResult: (file: string, result: ImageEmbedding) => void,
): Promise<void> {
  await using pool = await FacePool.create({
    workers: options.workers,
    backend: options.backend,
    embedder: { channelOrder: pipeline.channelOrder, mirror: pipeline.mirror },
  });
  let next = 0;
  // One call in flight per worker, so that a call never waits behind
  // another and its time is the pipeline's.
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++];
      const bytes = await Deno.readFile(file);
      const started = performance.now();
      let embedding: Float32Array | undefined;
      try {
        embedding = (await pool.embedImage(bytes, { pick: pipeline.pick }))
          .embedding;
      } catch (error) {
        if (!(error instanceof FaceError && error.code === "no_face")) {
          next = files.length;
          throw new EmbedError(file, error);
        }
      }
      onResult(file, { embedding, ms: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: pool.workers }, lane));
}
