/**
 * How the thread that owns an index and the helpers of a `ScanPool` share
 * one scan, through a few words of shared memory (the control block).
 *
 * The owner writes the job (which memory, where its rows, queries and
 * bounds are), resets the claim word to chunk 0 of a new job number, bumps
 * the job number and wakes the helpers. Then everyone, the owner too, takes
 * the next chunk by compare-and-swap on the claim word until none is left,
 * and counts each chunk done; the owner waits, without blocking its
 * thread, until all are. A helper that
 * wakes late finds the claim word on another job, or past the last chunk,
 * and takes nothing: the owner never depends on a helper to start, only to
 * finish a chunk it took. The count of chunks done carries the job number
 * too, so a helper so late that the owner gave up on it counts nothing
 * towards a later job.
 *
 * Two jobs may be under way at once: the owner publishes the next job as
 * soon as every chunk of the last one is taken, and a helper that finds
 * the last job's chunks gone goes straight on to the next, without waiting
 * for the owner's thread (which may be busy serving requests). Each job
 * keeps its words and its count of chunks done in one of two lanes, by
 * the parity of its number; a job is published only once the job two
 * before it, in the same lane, is done.
 *
 * The number of chunks is the same for every job, so a helper that read a
 * job's words and then wins a claim of that job read them before the owner
 * could publish the job after next in that lane (which needs every chunk of
 * this one done).
 *
 * @module
 */

import type { ScanJob } from "./_kernel.ts";

/** Chunks every scan is cut into: enough to even out threads of unequal speed. */
export const CHUNKS = 32;
const CHUNK_BITS = 6;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Job numbers wrap at this; only "the same as before or not" matters. */
const JOB_MASK = (1 << (31 - CHUNK_BITS)) - 1;

// The control block's words: the last job's number, the claim word, then
// each lane's count of chunks done, memory id and job.
const JOB = 0, CLAIM = 1, LANES = 2;
const FIELDS = [
  "rows",
  "count",
  "rowBytes",
  "queries",
  "size",
  "params",
  "out",
  "stride",
] as const;
const DONE = 0, MEMORY = 1, LANE_WORDS = 2 + FIELDS.length;
const WORDS = LANES + 2 * LANE_WORDS;

/** Where the words of job `number`'s lane begin. */
function lane(number: number): number {
  return LANES + (number & 1) * LANE_WORDS;
}

/** A new control block. */
export function controlBlock(): Int32Array<SharedArrayBuffer> {
  return new Int32Array(new SharedArrayBuffer(4 * WORDS));
}

/** Rows from and to of chunk `chunk` of `count` rows. */
export function chunkRange(count: number, chunk: number): [number, number] {
  return [
    Math.floor(count * chunk / CHUNKS),
    Math.floor(count * (chunk + 1) / CHUNKS),
  ];
}

/**
 * Publishes a job over memory `memory` (an id the helpers were given) and
 * wakes the helpers; returns its number. Every chunk of the last job must
 * be taken, and every chunk of the one before it done.
 */
export function publishJob(
  control: Int32Array<SharedArrayBuffer>,
  memory: number,
  job: ScanJob,
): number {
  const number = (Atomics.load(control, JOB) + 1) & JOB_MASK;
  const at = lane(number);
  Atomics.store(control, at + MEMORY, memory);
  FIELDS.forEach((field, i) => Atomics.store(control, at + 2 + i, job[field]));
  Atomics.store(control, at + DONE, number << CHUNK_BITS);
  Atomics.store(control, CLAIM, number << CHUNK_BITS);
  Atomics.store(control, JOB, number);
  Atomics.notify(control, JOB);
  return number;
}

/** The job last published: its number, memory id and job. */
export function readJob(
  control: Int32Array<SharedArrayBuffer>,
): { number: number; memory: number; job: ScanJob } {
  const number = Atomics.load(control, JOB);
  const at = lane(number);
  const memory = Atomics.load(control, at + MEMORY);
  const job = Object.fromEntries(
    FIELDS.map((field, i) => [field, Atomics.load(control, at + 2 + i)]),
  ) as unknown as ScanJob;
  return { number, memory, job };
}

/** Waits, without blocking the thread, for a job after job `number`. */
export async function nextJob(
  control: Int32Array<SharedArrayBuffer>,
  number: number,
): Promise<void> {
  const waited = Atomics.waitAsync(control, JOB, number);
  if (waited.async) await waited.value;
}

/**
 * Adds one to the count in word `at` (job number above, count below) if it
 * is still job `number`'s and under {@linkcode CHUNKS}: the count before,
 * or -1 when not.
 */
function countUp(
  control: Int32Array<SharedArrayBuffer>,
  at: number,
  number: number,
): number {
  for (;;) {
    const word = Atomics.load(control, at);
    const count = word & CHUNK_MASK;
    if (word >>> CHUNK_BITS !== number || count >= CHUNKS) return -1;
    if (Atomics.compareExchange(control, at, word, word + 1) === word) {
      return count;
    }
  }
}

/**
 * Takes the next chunk of job `number`: its index, or -1 when every chunk
 * is taken or another job has begun.
 */
export function claimChunk(
  control: Int32Array<SharedArrayBuffer>,
  number: number,
): number {
  return countUp(control, CLAIM, number);
}

/**
 * Counts a chunk of job `number` done and wakes the owner — unless another
 * job has begun: a helper that the owner gave up on (see `awaitChunks`)
 * counts nothing towards a later job.
 */
export function chunkDone(
  control: Int32Array<SharedArrayBuffer>,
  number: number,
): void {
  const done = lane(number) + DONE;
  if (countUp(control, done, number) !== -1) Atomics.notify(control, done);
}

/**
 * Waits, without blocking the thread, until every chunk of job `number` is
 * done or `timeoutMs` has passed; tells whether they all are.
 */
export async function awaitChunks(
  control: Int32Array<SharedArrayBuffer>,
  number: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const at = lane(number) + DONE;
  for (;;) {
    const done = Atomics.load(control, at);
    if (done === (number << CHUNK_BITS) + CHUNKS) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    // The time limit is a timer of the runtime's: a wait's own timeout
    // does not keep the event loop alive, and it could end first.
    const waited = Atomics.waitAsync(control, at, done);
    if (!waited.async) continue;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      waited.value,
      new Promise((resolve) => timer = setTimeout(resolve, left)),
    ]);
    clearTimeout(timer);
  }
}
