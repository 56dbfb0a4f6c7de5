/**
 * Coalescing of concurrent calls into batches. A call does not run at
 * once: the batch waits one turn of the event loop, and one more for as
 * long as each turn brings new calls and the batch is not full. A call
 * alone waits one turn, some microseconds.
 *
 * Behind `Deno.serve` that is not enough. A turn of our own (a message to
 * ourselves) comes back before the runtime has read the sockets again, and
 * while a scan runs it reads none: requests that arrived meanwhile reach
 * the handler one at a time, each after the last one's scan. A timer lets
 * the runtime read them all; it costs about a millisecond. So:
 *
 * - after a batch of several, the next waits, timer by timer, for as many
 *   calls as that one had, up to {@linkcode LOADED_WAIT_MS} after its
 *   first;
 * - after {@linkcode PROBE_EVERY} batches of one in a row, the next single
 *   waits one timer to see whether others were held back: under load that
 *   finds them and the batches grow; a caller alone pays the millisecond on
 *   one call in {@linkcode PROBE_EVERY}.
 *
 * @module
 */

interface Pending<Q, A> {
  readonly query: Q;
  readonly resolve: (answer: A) => void;
  readonly reject: (error: unknown) => void;
}

/** Most turns a batch waits for more calls. */
const MAX_TURNS = 16;

/**
 * Most a batch waits, after its first call, for the callers of the last
 * batch to come back: less than one query alone takes to scan 100,000
 * faces, so that the wait costs at most one scan while it can save many.
 */
export const LOADED_WAIT_MS = 2;

/** Batches of one in a row after which the next looks for held-back calls. */
export const PROBE_EVERY = 8;

/** Waits a timer: long enough for the runtime to read its sockets. */
function nextTimer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * One turn of the event loop: a message to ourselves, which the runtime
 * delivers after the I/O that is ready (a timer would be clamped to
 * milliseconds when callbacks keep setting new ones).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** Runs calls of `run` in batches of at most `max`, answers in order. */
export class Batcher<Q, A> {
  readonly #run: (queries: Q[]) => A[];
  readonly #max: number;
  #pending: Pending<Q, A>[] = [];
  #waiting = false;
  /** Calls the last gathering answered. */
  #last = 0;
  /** Gatherings of one call in a row. */
  #singles = 0;

  /** `run` answers a batch of queries in order, synchronously. */
  constructor(run: (queries: Q[]) => A[], max: number) {
    this.#run = run;
    this.#max = max;
  }

  /** The answer to `query`, from the next batch. */
  submit(query: Q): Promise<A> {
    const { promise, resolve, reject } = Promise.withResolvers<A>();
    this.#pending.push({ query, resolve, reject });
    if (!this.#waiting) {
      this.#waiting = true;
      this.#gather();
    }
    return promise;
  }

  async #gather(): Promise<void> {
    const started = performance.now();
    const expected = Math.min(this.#last, this.#max);
    if (expected > 1) {
      while (
        this.#pending.length < expected &&
        performance.now() - started < LOADED_WAIT_MS
      ) await nextTimer();
    } else {
      let seen = -1;
      for (
        let turn = 0;
        turn < MAX_TURNS && this.#pending.length < this.#max &&
        this.#pending.length !== seen;
        turn++
      ) {
        seen = this.#pending.length;
        await nextTurn();
      }
      if (
        this.#pending.length === 1 && (this.#singles + 1) % PROBE_EVERY === 0
      ) {
        await nextTimer();
      }
    }
    this.#last = this.#pending.length;
    this.#singles = this.#last === 1 ? this.#singles + 1 : 0;
    // Those that did not fit have waited too: their batches run now.
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#max);
      try {
        const answers = this.#run(batch.map((p) => p.query));
        batch.forEach((p, i) => p.resolve(answers[i]));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.#waiting = false;
  }
}
