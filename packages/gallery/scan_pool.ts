/**
 * Threads that share the scans of large indexes with the thread that owns
 * them, so that `Gallery.identify` uses every core.
 *
 * @module
 */

import { linkThreads, ScanThreads } from "./_scan_threads.ts";

/** Most helper threads a pool may have. */
export const MAX_SCAN_THREADS = 256;

/**
 * Options for {@linkcode ScanPool.create}.
 *
 * @example
 * ```ts
 * import type { ScanPoolOptions } from "@facever/gallery";
 * const options: ScanPoolOptions = { threads: 1 };
 * console.log(options.threads);
 * ```
 */
export interface ScanPoolOptions {
  /**
   * Helper threads, besides the one that owns the index: 0 to
   * {@linkcode MAX_SCAN_THREADS}. Default: one core less than the
   * machine has (`navigator.hardwareConcurrency - 1`).
   */
  readonly threads?: number;
}

/**
 * Helper threads for the galleries opened with it (`scanPool` in
 * `GalleryOptions`): a scan of an index of at least 16,384 faces is cut
 * into chunks that the helpers and the calling thread take together, so
 * that one search, or one batch of concurrent searches, runs on every
 * core. The answers are the same bits as a scan on one thread. Between
 * its chunks the calling thread lets its event loop run, so that a server
 * reads the next requests while the helpers scan; the gallery's index does
 * not change until the scan has settled.
 *
 * The helpers are Web Workers started right after the first scan that is
 * worth sharing (which runs without them, so that a cold start's first
 * answer does not wait for a worker); an index's memory is then shared
 * with them (`WebAssembly.Memory` with `shared: true`, which needs
 * `SharedArrayBuffer`). A helper that cannot start is done without. Close
 * the pool when done with it: its workers keep the process alive. Where
 * Workers are not allowed (Deno Deploy), open galleries without a pool.
 *
 * @example
 * ```ts
 * import { Gallery, ScanPool } from "@facever/gallery";
 * using scanPool = ScanPool.create({ threads: 1 });
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, {
 *   tenant: "acme",
 *   modelId: "example@1",
 *   dims: 4,
 *   scanPool,
 * });
 * console.log(await gallery.identify([1, 0, 0, 0], { threshold: 0.5 })); // []
 * kv.close();
 * ```
 */
export class ScanPool {
  /** Helper threads. */
  readonly threads: number;
  readonly #threads: ScanThreads;

  private constructor(threads: number) {
    this.threads = threads;
    this.#threads = new ScanThreads(threads);
    linkThreads(this, this.#threads);
  }

  /**
   * A pool of `threads` helpers, not started yet.
   *
   * @throws {TypeError} when `threads` is not a number.
   * @throws {RangeError} when `threads` is not a whole number from 0 to
   * {@linkcode MAX_SCAN_THREADS}.
   */
  static create(options: ScanPoolOptions = {}): ScanPool {
    const threads = options.threads ??
      Math.max(0, navigator.hardwareConcurrency - 1);
    if (typeof threads !== "number") {
      throw new TypeError(`threads must be a number, got ${typeof threads}`);
    }
    if (
      !Number.isInteger(threads) || threads < 0 || threads > MAX_SCAN_THREADS
    ) {
      throw new RangeError(
        `threads must be a whole number from 0 to ${MAX_SCAN_THREADS}, got ${threads}`,
      );
    }
    return new ScanPool(threads);
  }

  /**
   * Stops the helpers. Galleries opened with the pool go on, scanning on
   * their own thread.
   */
  close(): void {
    this.#threads.close();
  }

  /** Closes the pool. */
  [Symbol.dispose](): void {
    this.close();
  }
}
