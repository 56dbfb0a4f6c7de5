/**
 * Coalescing of concurrent calls into batches. A server that runs the
 * index on its main thread gets its requests one event-loop turn at a
 * time, and while a scan runs, the next requests wait in the runtime. So a
 * call does not run at once: the batch waits one turn of the event loop,
 * and one more for as long as each turn brings new calls (requests that
 * arrived during the last scan) and the batch is not full. A call alone
 * waits one turn, some microseconds.
 *
 * Under load that is not enough: the callers of the last batch come back
 * over HTTP (a socket read, the body, the handler's own awaits), a few per
 * turn with empty turns between, and each would get a scan of its own.
 * So after a batch of several, the next one waits for as many calls as
 * the last one had, up to {@linkcode LOADED_WAIT_MS} after its first.
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
 * batch to come back: about what one query alone takes to scan 100,000
 * faces, so that the wait costs at most one scan while it can save many.
 */
export const LOADED_WAIT_MS = 2;

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
    let seen = -1;
    for (let turn = 0;; turn++) {
      const count = this.#pending.length;
      if (count >= this.#max) break;
      if (expected > 1) {
        if (count >= expected) break;
        if (performance.now() - started >= LOADED_WAIT_MS) break;
      } else if (turn >= MAX_TURNS || count === seen) break;
      seen = count;
      await nextTurn();
    }
    this.#last = this.#pending.length;
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
