/**
 * {@linkcode FacePool}: the {@linkcode FaceEngine} methods on a pool of
 * workers, one engine each, so that bulk enrolment, benchmarks and
 * concurrent requests use every core.
 *
 * @module
 */

import * as core from "@facever/core";
import type {
  Analysis,
  AnalyzeOptions,
  Face,
  FaceEngineOptions,
  FacePick,
  ImageInput,
  VerifyResult,
} from "./engine.ts";
import type { Backend, ResolvedBackend } from "./types.ts";
import { compareFaces } from "./_compare.ts";
import { type ErrorClass, WorkerPool } from "./_worker_pool.ts";
import {
  type PoolAnswer,
  type PoolInit,
  type PoolReady,
  type PoolRequest,
  sendOptions,
} from "./_pool_protocol.ts";

export { WorkerError } from "./_worker_pool.ts";

/**
 * Options for {@linkcode FacePool.create}: those of every worker's
 * {@linkcode FaceEngine}, and how many workers.
 *
 * @example
 * ```ts
 * import { FacePool, type FacePoolOptions } from "@facever/model";
 * const options: FacePoolOptions = { workers: 2, threshold: 0.3 };
 * await using pool = await FacePool.create(options);
 * ```
 */
export interface FacePoolOptions extends FaceEngineOptions {
  /**
   * Number of workers, each with its own models (about 25 MB of memory
   * each), a whole number of at least 1. Default
   * `navigator.hardwareConcurrency`, one per core. With the default
   * `threads` of 1 each worker keeps to one core.
   */
  readonly workers?: number;
  /**
   * The backend of every worker; default `"wasm"`, not `"auto"`. Measured
   * with `deno task bench:pool` on 2 cores: the compiled wasm models, one thread
   * per worker, gave 1.90–1.92× the throughput of one worker and 131–133 LFW
   * images per second, onnxruntime-node 1.75–1.80× and 118–129, although one call
   * alone is as fast on either (its calls leave the worker's thread, and
   * two workers' calls then contend for the cores). Pass `"native"` or
   * `"auto"` to choose onnxruntime-node where allowed.
   */
  readonly backend?: Backend;
}

/** Error classes of the toolkit, which a worker may throw. */
const ERRORS: readonly ErrorClass[] = (Object.values(core) as unknown[]).filter(
  (value): value is ErrorClass =>
    typeof value === "function" && value.prototype instanceof Error,
);

/**
 * The methods of {@linkcode FaceEngine} on a pool of workers: each call
 * goes to the worker with the fewest calls in flight, and each worker runs
 * one call at a time on its own engine, so concurrent calls run in
 * parallel, one per core. Results are the same as a single engine's.
 *
 * Image bytes are moved to the worker, not copied: after a call, the
 * `Uint8Array` passed (or the `data` of an `RgbImage`) is detached, with a
 * length of 0, when it spans its whole `ArrayBuffer`, as those of
 * `Deno.readFile` do. Pass `bytes.slice()` to keep using it. A view of part
 * of a larger buffer is copied, and a `SharedArrayBuffer` is shared.
 *
 * An error thrown in a worker rejects the call with an error of the same
 * class, message and fields (a `FaceError` keeps its `code`). A worker that
 * crashes fails the calls it held with a {@linkcode WorkerError} and is
 * replaced. Close the pool when done, with `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { FacePool } from "@facever/model";
 * await using pool = await FacePool.create(); // one worker per core
 * const files = ["a.jpg", "b.jpg", "c.jpg", "d.jpg"];
 * const faces = await Promise.all(
 *   files.map(async (file) => pool.embedImage(await Deno.readFile(file))),
 * );
 * console.log(pool.compare(faces[0], faces[1]).match);
 * ```
 */
export class FacePool implements AsyncDisposable {
  readonly #workers: WorkerPool<PoolInit, PoolReady, PoolRequest, PoolAnswer>;

  /** The decision threshold of {@linkcode FacePool.verify}. */
  readonly threshold: number;
  /** The ONNX Runtime the workers' models run on (`options.backend` resolved). */
  readonly backend: ResolvedBackend;
  /**
   * The liveness threshold, when the pool checks liveness (see
   * `FaceEngineOptions.liveness`).
   */
  readonly livenessThreshold: number | undefined;

  private constructor(
    workers: WorkerPool<PoolInit, PoolReady, PoolRequest, PoolAnswer>,
  ) {
    this.#workers = workers;
    this.threshold = workers.ready.threshold;
    this.backend = workers.ready.backend;
    this.livenessThreshold = workers.ready.livenessThreshold;
  }

  /**
   * Starts the workers and loads every worker's models; resolves once all
   * are ready.
   *
   * @throws {RangeError} When `workers` or an engine option is invalid.
   * @throws {FaceError} `model_load_failed` when a model cannot be loaded.
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * const pool = await FacePool.create({ workers: 2 });
   * console.log(pool.workers, pool.backend); // 2, "wasm"
   * await pool.close();
   * ```
   */
  static async create(options: FacePoolOptions = {}): Promise<FacePool> {
    const {
      workers = navigator.hardwareConcurrency,
      backend = "wasm",
      ...engine
    } = options;
    const pool = await WorkerPool.start<
      PoolInit,
      PoolReady,
      PoolRequest,
      PoolAnswer
    >({
      url: new URL("./_pool_worker.ts", import.meta.url),
      size: workers,
      init: sendOptions({ ...engine, backend }),
      errors: ERRORS,
    });
    return new FacePool(pool);
  }

  /** Workers running now: fewer than asked for once a replacement failed. */
  get workers(): number {
    return this.#workers.size;
  }

  /**
   * Every face in the image with its embedding, largest first, as
   * {@linkcode FaceEngine.faces}. The image's buffer is moved to the worker
   * (see {@linkcode FacePool}).
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * await using pool = await FacePool.create({ workers: 1 });
   * const faces = await pool.faces(await Deno.readFile("group.jpg"));
   * console.log(faces.length);
   * ```
   */
  async faces(image: ImageInput): Promise<Face[]> {
    return (await this.analyze(image, { embed: "all" })).faces as Face[];
  }

  /**
   * Every face in the image with its quality figures, and the embeddings
   * of those `embed` chooses, as {@linkcode FaceEngine.analyze}. The image's
   * buffer is moved to the worker (see {@linkcode FacePool}).
   *
   * @throws {RangeError} When `embed` is not one of {@linkcode EmbedChoice}.
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * await using pool = await FacePool.create({ workers: 1 });
   * const { faces } = await pool.analyze(await Deno.readFile("group.jpg"), {
   *   embed: "none",
   * });
   * console.log(faces.map((face) => face.quality.sharpness));
   * ```
   */
  async analyze(
    image: ImageInput,
    options: AnalyzeOptions = {},
  ): Promise<Analysis> {
    const [sent, transfer] = movable(image);
    return await this.#workers.call(
      { method: "analyze", image: sent, options: { ...options } },
      transfer,
    ) as Analysis;
  }

  /**
   * The embedding of one face of the image, as
   * {@linkcode FaceEngine.embedImage}: the largest by default. The image's
   * buffer is moved to the worker (see {@linkcode FacePool}).
   *
   * @throws {FaceError} `no_face` when the image holds none, or the
   * decoder's error when it is not an image.
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * await using pool = await FacePool.create({ workers: 1 });
   * const face = await pool.embedImage(await Deno.readFile("portrait.jpg"), {
   *   pick: "central",
   * });
   * console.log(face.embedding.length); // 512
   * ```
   */
  async embedImage(
    image: ImageInput,
    options: { readonly pick?: FacePick } = {},
  ): Promise<Face> {
    const [sent, transfer] = movable(image);
    return await this.#workers.call(
      { method: "embedImage", image: sent, pick: options.pick },
      transfer,
    ) as Face;
  }

  /**
   * Compares the largest face of each image, as {@linkcode FaceEngine.verify};
   * the two images are embedded on two workers at once. Both buffers are
   * moved to the workers (see {@linkcode FacePool}).
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * await using pool = await FacePool.create({ workers: 2 });
   * const { similarity, match } = await pool.verify(
   *   await Deno.readFile("a.jpg"),
   *   await Deno.readFile("b.jpg"),
   * );
   * console.log(similarity, match);
   * ```
   */
  async verify(a: ImageInput, b: ImageInput): Promise<VerifyResult> {
    // Moving a's buffer would empty b too if they share it.
    const second = bufferOf(a) === bufferOf(b) ? copy(b) : b;
    const [faceA, faceB] = await Promise.all([
      this.embedImage(a),
      this.embedImage(second),
    ]);
    return this.compare(faceA, faceB);
  }

  /**
   * Compares two faces already embedded, with this pool's threshold, as
   * {@linkcode FaceEngine.compare}; runs on the calling thread.
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * await using pool = await FacePool.create({ workers: 2 });
   * const [a, b] = await Promise.all([
   *   pool.embedImage(await Deno.readFile("a.jpg")),
   *   pool.embedImage(await Deno.readFile("b.jpg")),
   * ]);
   * console.log(pool.compare(a, b).similarity);
   * ```
   */
  compare(a: Face, b: Face): VerifyResult {
    return compareFaces(a, b, this.threshold);
  }

  /**
   * Waits for the calls in flight, then ends every worker. Later calls
   * reject with a {@linkcode WorkerError} whose `reason` is "closed".
   * Closing twice is the same as closing once.
   *
   * @example
   * ```ts
   * import { FacePool } from "@facever/model";
   * const pool = await FacePool.create({ workers: 1 });
   * await pool.close();
   * ```
   */
  close(): Promise<void> {
    return this.#workers.close();
  }

  /** {@linkcode FacePool.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function bytesOf(image: ImageInput): Uint8Array {
  return image instanceof Uint8Array ? image : image.data;
}

function bufferOf(image: ImageInput): ArrayBufferLike {
  return bytesOf(image).buffer;
}

function copy(image: ImageInput): ImageInput {
  return image instanceof Uint8Array
    ? image.slice()
    : { ...image, data: image.data.slice() };
}

/**
 * The image as it is posted, and the buffer to move with it: its own when
 * the bytes span all of it, else that of a copy of just the bytes (posting
 * a view would clone its whole buffer). Shared memory is posted as it is.
 */
function movable(image: ImageInput): [ImageInput, Transferable[]] {
  const bytes = bytesOf(image);
  if (!(bytes.buffer instanceof ArrayBuffer)) return [image, []];
  const whole = bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength;
  const sent = whole ? image : copy(image);
  return [sent, [bufferOf(sent) as ArrayBuffer]];
}
