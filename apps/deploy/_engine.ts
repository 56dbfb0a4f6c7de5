/**
 * The server's face pipeline: a `FacePool` of workers, and until its
 * workers are ready a `FaceEngine` on the main thread, so that a fresh
 * process answers its first request in the time one engine takes to start.
 *
 * Why: starting the pool first costs every worker its own load of the
 * modules and models (about 160 ms on two cores) before the first answer,
 * and those workers take the cores from anything else starting meanwhile.
 * The pool is therefore started only once the engine has answered and
 * has nothing left to do (or after {@linkcode POOL_START_DELAY_MS} without
 * a request), and takes
 * every request from the moment it is ready. Answers are the same on
 * either: the same wasm models and code.
 *
 * @module
 */

import type { ApiEngine } from "@facever/edge";
import {
  type Analysis,
  type AnalyzeOptions,
  FaceEngine,
  FacePool,
  type ImageInput,
} from "@facever/model";

/**
 * How long the engine must have been idle before the pool starts: long
 * enough for the answer it gave to be written (starting a worker holds this
 * thread for tens of milliseconds).
 */
const IDLE_START_MS = 25;

/** Longest the pool waits for a first answer before it starts anyway. */
export const POOL_START_DELAY_MS = 1000;

/** A pool of `workers`, answered for on this thread until it is ready. */
export class ServerEngine implements ApiEngine, AsyncDisposable {
  readonly backend = "wasm";
  readonly workers: number;
  #engine: FaceEngine | undefined;
  #pool: FacePool | undefined;
  #starting: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Analyses running on the engine of this thread. */
  #running = 0;
  #closed = false;

  private constructor(engine: FaceEngine, workers: number) {
    this.#engine = engine;
    this.workers = workers;
  }

  /**
   * Loads the engine of this thread; the pool's `workers` start later.
   *
   * @throws {RangeError} When `workers` is not a whole number of at least 1.
   */
  static async create(workers: number): Promise<ServerEngine> {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(
        `workers must be a whole number of at least 1, got ${workers}`,
      );
    }
    const server = new ServerEngine(
      await FaceEngine.create({ backend: "wasm" }),
      workers,
    );
    server.#timer = setTimeout(() => server.#startPool(), POOL_START_DELAY_MS);
    return server;
  }

  /** Whether the pool answers (its workers are ready). */
  get pooled(): boolean {
    return this.#pool !== undefined;
  }

  /** Resolves once the pool has started (or failed to, keeping the engine). */
  async ready(): Promise<void> {
    this.#startPool();
    await this.#starting;
  }

  /** `FaceEngine.analyze`, on the pool once it is ready. */
  async analyze(image: ImageInput, options: AnalyzeOptions): Promise<Analysis> {
    if (this.#pool) return await this.#pool.analyze(image, options);
    this.#running++;
    try {
      return await this.#engine!.analyze(image, options);
    } finally {
      // Once the engine is idle, and a little later, so that the answer
      // it was for is written before the workers take the cores.
      if (--this.#running === 0 && this.#starting === undefined) {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.#startPool(), IDLE_START_MS);
      }
    }
  }

  /** Stops the pool's workers (or their start). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#starting;
    await this.#pool?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #startPool(): void {
    if (this.#starting || this.#closed) return;
    clearTimeout(this.#timer);
    this.#starting = FacePool.create({ workers: this.workers }).then(
      async (pool) => {
        if (this.#closed) return await pool.close();
        this.#pool = pool;
        // Every later request goes to the pool: the engine is let go.
        this.#engine = undefined;
      },
      (error) => {
        // The engine of this thread keeps answering; the failure is the
        // operator's to see.
        console.error(JSON.stringify({
          poolFailed: error instanceof Error ? error.message : String(error),
        }));
      },
    );
  }
}
