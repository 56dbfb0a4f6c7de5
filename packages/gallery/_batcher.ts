/**
 * Coalescing of concurrent calls into batches. A call does not run at
 * once: the batch waits a turn of the event loop, and one more for as long
 * as each turn brings new calls and the batch is not full. A call alone
 * waits one turn, some microseconds.
 *
 * A turn is `setImmediate`'s, which comes after the runtime has polled its
 * I/O: behind `Deno.serve`, the requests that arrived meanwhile — during
 * the last batch's scan too, when the thread read none — are read and
 * join (tested with clients in another process). It costs microseconds;
 * the timers an earlier version waited on cost 1–2 ms each, more than a
 * scan of 100,000 faces for 4 queries (on one server, 4 connections: 623
 * requests per second with timers, 883 with turns; in process, 4 callers:
 * about 600 and 1,550). Waiting on, turn after turn, for the callers of
 * the last batch to come back was measured and left out: a run of turns
 * holds back the runtime's own I/O by milliseconds, the very callers it
 * waits for; a wait of up to 1 ms on a timer for them gained nothing either
 * (one server, 4 and 16 connections).
 *
 * A batch's work may be asynchronous (a scan shared with helper threads,
 * during which this thread reads requests): batches run one at a time, and
 * the calls made while one runs have waited already — they form the next
 * batch as soon as it ends.
 *
 * @module
 */

import { nextTurn } from "./_turn.ts";

interface Pending<Q, A> {
  readonly query: Q;
  readonly resolve: (answer: A) => void;
  readonly reject: (error: unknown) => void;
}

/** Most turns a batch waits for more calls, when each brings some. */
const MAX_TURNS = 16;

/** Runs calls of `run` in batches of at most `max`, answers in order. */
export class Batcher<Q, A> {
  readonly #run: (queries: Q[]) => A[] | Promise<A[]>;
  readonly #max: number;
  #pending: Pending<Q, A>[] = [];
  #waiting = false;

  /** `run` answers a batch of queries in order. */
  constructor(run: (queries: Q[]) => A[] | Promise<A[]>, max: number) {
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
    for (
      let turn = 0, seen = -1;
      turn < MAX_TURNS && this.#pending.length < this.#max &&
      this.#pending.length !== seen;
      turn++
    ) {
      seen = this.#pending.length;
      await nextTurn();
    }
    // Those that did not fit, or came during the last batch's work, have
    // waited too: their batches run now.
    for (let batch = this.#take(), run = this.#start(batch); batch.length;) {
      const outcome = await run;
      // The next batch starts before this one's callers go on: its work
      // (a scan, on helper threads) runs while they write their answers.
      const next = this.#take();
      run = this.#start(next);
      if ("answers" in outcome) {
        batch.forEach((p, i) => p.resolve(outcome.answers[i]));
      } else {
        for (const p of batch) p.reject(outcome.error);
      }
      batch = next;
    }
    this.#waiting = false;
  }

  #take(): Pending<Q, A>[] {
    return this.#pending.splice(0, this.#max);
  }

  /** Starts the work of `batch` (none when it is empty). */
  async #start(
    batch: Pending<Q, A>[],
  ): Promise<{ answers: A[] } | { error: unknown }> {
    if (batch.length === 0) return { answers: [] };
    try {
      return { answers: await this.#run(batch.map((p) => p.query)) };
    } catch (error) {
      return { error };
    }
  }
}
