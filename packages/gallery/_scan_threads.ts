/**
 * The owner's side of a `ScanPool`: the helper workers, started right
 * after the first scan that is worth sharing, and the scans shared with
 * them, two at most under way at once (see `_scan_protocol.ts`).
 *
 * A shared scan is asynchronous: the owner takes chunks too, but every
 * {@linkcode YIELD_MS} it lets its event loop run — a server reads the
 * requests that came meanwhile, and they form the next batch — while the
 * helpers go on; then it waits, without blocking, for the helpers' last
 * chunks. Until the scan settles, the caller must not change the index
 * (`SyncedIndex.read` holds its changes back). On two cores, one server
 * with one helper, 100,000 faces, this served 7–11 % more identifications
 * per second at 16 and 64 connections than a scan that held the thread to
 * its end.
 *
 * @module
 */

import { type Kernel, type ScanJob, scanRange } from "./_kernel.ts";
import {
  awaitChunks,
  chunkDone,
  chunkRange,
  CHUNKS,
  claimChunk,
  controlBlock,
  publishJob,
} from "./_scan_protocol.ts";
import { nextTurn } from "./_turn.ts";
import { isShared } from "./_wasm.ts";

/**
 * Fewest rows a scan shares: a smaller one (under a millisecond) is done
 * before a helper would have woken.
 */
export const MIN_SHARED_ROWS = 16384;

/**
 * Longest the owner scans before it lets its event loop run: a fraction of
 * a scan of 100,000 faces (1.4 ms for one query on two threads).
 */
const YIELD_MS = 0.3;

/**
 * Longest the owner waits for a chunk a helper took (a chunk takes
 * milliseconds): past it, the helper is taken to be dead.
 */
const HELPER_TIMEOUT_MS = 10_000;

/** What the owner posts to a helper. */
export type ToScanHelper =
  | { readonly kind: "start"; readonly control: Int32Array<SharedArrayBuffer> }
  | {
    readonly kind: "memory";
    readonly id: number;
    readonly memory: WebAssembly.Memory;
    readonly dims: number;
  }
  | { readonly kind: "forget"; readonly id: number };

/** The helpers of one pool, and the scans shared with them. */
export class ScanThreads {
  readonly threads: number;
  readonly #control = controlBlock();
  #workers: Worker[] = [];
  /** Whether the helpers are started, or a timer will start them. */
  #started = false;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #ids = new WeakMap<WebAssembly.Memory, number>();
  #lastId = 0;
  #ownerChunks = CHUNKS;
  /**
   * The last scan asked for has handed out every chunk: the next one may
   * be published (see `_scan_protocol.ts`).
   */
  #lastTaken: Promise<void> = Promise.resolve();
  /** The last scan asked for, and the one before it, settled (or failed). */
  #lastSettled: Promise<void> = Promise.resolve();
  #beforeLastSettled: Promise<void> = Promise.resolve();
  // A memory whose index is gone is let go by the helpers too.
  readonly #forget = new FinalizationRegistry<number>((id) =>
    this.#post({ kind: "forget", id })
  );

  constructor(threads: number) {
    this.threads = threads;
  }

  /**
   * Chunks of the last scan that the owner did itself: all of them
   * ({@linkcode CHUNKS}) when no helper took part.
   */
  get ownerChunks(): number {
    return this.#ownerChunks;
  }

  /**
   * Runs `job` over the rows of `kernel`'s memory (which holds `dims`-value
   * rows), with the helpers when it is large enough and they are up. It
   * begins once the last scan asked for has handed out all its chunks and
   * the one before that has settled (they share one control block): two
   * may be under way at once.
   */
  scan(kernel: Kernel, dims: number, job: ScanJob): Promise<void> {
    const taken = Promise.withResolvers<void>();
    const scan = Promise.all([this.#lastTaken, this.#beforeLastSettled])
      .then(() => this.#scan(kernel, dims, job, taken.resolve))
      .finally(taken.resolve);
    this.#lastTaken = taken.promise;
    this.#beforeLastSettled = this.#lastSettled;
    this.#lastSettled = scan.catch(() => {});
    return scan;
  }

  /**
   * Resolves once the last scan asked for, if any, has handed out all its
   * chunks: a scan asked for from then on begins at once.
   */
  taken(): Promise<void> {
    return this.#lastTaken;
  }

  async #scan(
    kernel: Kernel,
    dims: number,
    job: ScanJob,
    taken: () => void,
  ): Promise<void> {
    if (
      this.threads === 0 || this.#closed || job.count < MIN_SHARED_ROWS ||
      !isShared(kernel.memory)
    ) {
      this.#alone(kernel, job);
      return;
    }
    if (this.#workers.length === 0) {
      if (!this.#started) {
        // Starting a worker takes the thread tens of milliseconds: not
        // before this scan (a cold start's first answer), but right after.
        this.#started = true;
        this.#startTimer = setTimeout(() => this.#start(), 0);
      }
      this.#alone(kernel, job);
      return;
    }
    const memory = this.#idOf(kernel.memory, dims);
    const control = this.#control;
    const number = publishJob(control, memory, job);
    this.#ownerChunks = 0;
    let turnAt = performance.now();
    for (let chunk; (chunk = claimChunk(control, number)) !== -1;) {
      scanRange(kernel, job, ...chunkRange(job.count, chunk));
      chunkDone(control, number);
      this.#ownerChunks++;
      if (performance.now() - turnAt >= YIELD_MS) {
        await nextTurn();
        turnAt = performance.now();
      }
    }
    taken();
    if (!(await awaitChunks(control, number, HELPER_TIMEOUT_MS))) {
      throw new Error(
        `a scan helper took a chunk and did not finish it within ${HELPER_TIMEOUT_MS} ms`,
      );
    }
  }

  #alone(kernel: Kernel, job: ScanJob): void {
    scanRange(kernel, job, 0, job.count);
    this.#ownerChunks = CHUNKS;
  }

  /**
   * Stops the helpers once the scan in flight, if any, has settled (they
   * may hold chunks of it); later scans run on the owner alone.
   */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#startTimer);
    const workers = this.#workers;
    this.#workers = [];
    Promise.all([this.#beforeLastSettled, this.#lastSettled]).then(() => {
      for (const worker of workers) worker.terminate();
    });
  }

  /** The id the helpers know `memory` by, telling them of it the first time. */
  #idOf(memory: WebAssembly.Memory, dims: number): number {
    let id = this.#ids.get(memory);
    if (id === undefined) {
      id = ++this.#lastId;
      this.#ids.set(memory, id);
      this.#forget.register(memory, id);
      this.#post({ kind: "memory", id, memory, dims });
    }
    return id;
  }

  #post(message: ToScanHelper): void {
    for (const worker of this.#workers) worker.postMessage(message);
  }

  #start(): void {
    const url = new URL("./_scan_worker.ts", import.meta.url);
    this.#workers = Array.from({ length: this.threads }, () => {
      const worker = new Worker(url, { type: "module" });
      // A helper that cannot start takes no chunk: the owner scans alone.
      worker.onerror = (event) => {
        event.preventDefault();
        worker.terminate();
        this.#workers = this.#workers.filter((w) => w !== worker);
      };
      worker.postMessage({ kind: "start", control: this.#control });
      return worker;
    });
  }
}

const linked = new WeakMap<object, ScanThreads>();

/** Makes `threads` those of the public `pool` object. */
export function linkThreads(pool: object, threads: ScanThreads): void {
  linked.set(pool, threads);
}

/**
 * The threads of `pool`, a `ScanPool` given in options.
 *
 * @throws {TypeError} when `pool` is not one.
 */
export function threadsOf(pool: object): ScanThreads {
  const threads = linked.get(pool);
  if (threads === undefined) {
    throw new TypeError("scanPool must be made by ScanPool.create");
  }
  return threads;
}
