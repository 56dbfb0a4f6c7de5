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
 * during which this thread reads requests): the calls made while one runs
 * have waited already and form the next batch as soon as it ends — or,
 * with `ready`, as soon as the next batch's scan could begin, which is
 * when every chunk of the running scan is taken. Two batches then run at
 * once, and the helpers go from one scan to the next without waiting for
 * this thread, which may be busy writing answers and reading requests. On
 * one server with 100,000 faces this served 5–15 % more identifications
 * per second at 4 and 64 connections, and as many at 1 and 16 (where the
 * clients, answered together, come back together and leave nothing to
 * overlap).
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
  readonly #ready: (() => Promise<void>) | undefined;
  #pending: Pending<Q, A>[] = [];
  #waiting = false;

  /**
   * `run` answers a batch of queries in order. `ready`, if given, resolves
   * once the next batch's work would begin at once although the last
   * batch's is still under way: the next batch then forms from the calls
   * waiting at that moment and starts, two batches at a time.
   */
  constructor(
    run: (queries: Q[]) => A[] | Promise<A[]>,
    max: number,
    ready?: () => Promise<void>,
  ) {
    this.#run = run;
    this.#max = max;
    this.#ready = ready;
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
      await (this.#ready ? Promise.race([run, this.#ready()]) : run);
      let next = this.#take();
      let nextRun = this.#start(next);
      const outcome = await run;
      if (next.length === 0) {
        // The next batch starts before this one's callers go on: its work
        // (a scan, on helper threads) runs while they write their answers.
        next = this.#take();
        nextRun = this.#start(next);
      }
      if ("answers" in outcome) {
        batch.forEach((p, i) => p.resolve(outcome.answers[i]));
      } else {
        for (const p of batch) p.reject(outcome.error);
      }
      batch = next;
      run = nextRun;
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
