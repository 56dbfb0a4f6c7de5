/**
 * Embeds image files on several workers at once (one per core by default),
 * each with its own models.
 *
 * @module
 */

import type { ImageEmbedding, PipelineOptions } from "./lfw.ts";
import type { WorkerRequest, WorkerResponse } from "./_lfw_worker.ts";

/**
 * Requests each worker holds at once: while it embeds one image, the next
 * is already waiting, so it never idles on a round trip to the main thread.
 */
const IN_FLIGHT = 2;

/** The pipeline failed on an image (for a reason other than "no face"). */
export class EmbedError extends Error {
  override name = "EmbedError";
  /** The image that failed. */
  readonly file: string;

  constructor(file: string, reason: string) {
    super(`cannot embed ${file}: ${reason}`);
    this.file = file;
  }
}

/**
 * Embeds every file on `workers` workers and calls `onResult` as each image
 * is done, in completion order. Rejects with an {@linkcode EmbedError} on
 * the first image that fails, after stopping every worker.
 *
 * @example
 * ```ts
 * import { embedOnWorkers } from "./_pool.ts";
 * await embedOnWorkers(
 *   ["a.jpg", "b.jpg"],
 *   { channelOrder: "bgr", mirror: false, pick: "central" },
 *   2,
 *   (file, { embedding, ms }) => console.log(file, embedding !== undefined, ms),
 * );
 * ```
 */
export function embedOnWorkers(
  files: readonly string[],
  pipeline: Required<PipelineOptions>,
  workers: number,
  onResult: (file: string, result: ImageEmbedding) => void,
): Promise<void> {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(
      `workers must be a whole number of at least 1, got ${workers}`,
    );
  }
  if (files.length === 0) return Promise.resolve();
  const pool = Array.from(
    { length: Math.min(workers, files.length) },
    () =>
      new Worker(new URL("./_lfw_worker.ts", import.meta.url), {
        type: "module",
      }),
  );
  let next = 0, done = 0;
  const send = (worker: Worker) => {
    if (next < files.length) {
      const request: WorkerRequest = { file: files[next++], pipeline };
      worker.postMessage(request);
    }
  };
  return new Promise<void>((resolve, reject) => {
    const stop = (error?: Error) => {
      for (const worker of pool) worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    for (const worker of pool) {
      worker.onmessage = ({ data }: MessageEvent<WorkerResponse>) => {
        if ("error" in data) {
          stop(new EmbedError(data.file, data.error));
          return;
        }
        try {
          onResult(data.file, { embedding: data.embedding, ms: data.ms });
        } catch (error) {
          stop(error as Error);
          return;
        }
        if (++done === files.length) stop();
        else send(worker);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stop(new EmbedError("(worker)", event.message));
      };
      for (let k = 0; k < IN_FLIGHT; k++) send(worker);
    }
  });
}
