/**
 * Exact top-k search over {@linkcode FaceRows}, for a batch of queries that
 * share one scan.
 *
 * The kernel gives every face, for each query, an upper bound on its exact
 * similarity:
 *
 *     q·x = q̃·x̃ + q̃·(x − x̃) + (q − q̃)·x
 *     q·x ≤ q̃·x̃ + ‖q̃‖·‖x − x̃‖ + ‖q − q̃‖·‖x‖     (Cauchy–Schwarz)
 *
 * with x̃ and q̃ the dequantised code and query, ‖x − x̃‖ stored per face
 * (rounded up) and ‖x‖ ≤ 1 + 1e-6 for a unit vector rounded to float32.
 * Only faces whose bound reaches the k-th best subject's exact similarity
 * found so far are rescored in double precision, so the answer is the one
 * a brute-force double-precision scan gives, in the same order. Each query
 * is worked out on its own bounds, which are the same bits in any batch,
 * so a query's answer does not depend on the others.
 *
 * @module
 */

import { type FaceRows, MAX_BATCH, type ScanResult } from "./_face_rows.ts";
import type { Match } from "./types.ts";

/** ‖x‖ of a unit vector rounded to float32 is at most this. */
const NORM_BOUND = 1 + 1e-6;
/**
 * Covers the kernel's float32 rounding (under 1e-6, see `ScanFunction`)
 * and the double-precision rounding of the exact scores it is compared
 * with (about 1e-13).
 */
const ROUNDING_SLACK = 2e-6;

/** One query of a batch: a unit vector of `dims` doubles, checked. */
export interface SearchRequest {
  readonly query: Float64Array;
  /** Most subjects to return, at least 1. */
  readonly limit: number;
  /** Lowest similarity to return, in [-1, 1]. */
  readonly threshold: number;
}

/**
 * The best matches, one per subject (its closest face), sorted by
 * similarity down and face id up, at most `limit` of them.
 */
class TopK {
  readonly #limit: number;
  readonly #threshold: number;
  readonly items: Match[] = [];

  constructor(limit: number, threshold: number) {
    this.#limit = limit;
    this.#threshold = threshold;
  }

  /**
   * The similarity a face must exceed to change the result. A face below
   * it can neither enter nor raise a subject already in.
   */
  get floor(): number {
    return this.items.length < this.#limit
      ? this.#threshold
      : Math.max(this.#threshold, this.items[this.#limit - 1].similarity);
  }

  offer(match: Match): void {
    if (match.similarity < this.#threshold) return;
    const { items } = this;
    const same = items.findIndex((m) => m.subjectId === match.subjectId);
    if (same !== -1) {
      if (!ranksBefore(match, items[same])) return;
      items.splice(same, 1);
    }
    let i = items.length;
    while (i > 0 && ranksBefore(match, items[i - 1])) i--;
    if (i >= this.#limit) return;
    items.splice(i, 0, match);
    if (items.length > this.#limit) items.pop();
  }
}

function ranksBefore(a: Match, b: Match): boolean {
  return a.similarity > b.similarity ||
    (a.similarity === b.similarity && a.faceId < b.faceId);
}

/**
 * The answers to `requests`, in order: for each, the `limit` subjects
 * whose closest face is most similar to its query, each with that face,
 * best first, all with similarity at least `threshold`, clamped to
 * [-1, 1]; ties go to the smaller face id. One scan per
 * {@linkcode MAX_BATCH} requests, on this thread.
 */
export function searchRows(
  rows: FaceRows,
  requests: readonly SearchRequest[],
): Match[][] {
  if (rows.size === 0) return requests.map(() => []);
  return batches(requests).flatMap((batch) =>
    rows.scan(queries(batch), (result) => answers(rows, batch, result))
  );
}

/**
 * {@linkcode searchRows} with scans shared with the rows' helper threads;
 * the rows must not change until it settles.
 */
export async function searchRowsShared(
  rows: FaceRows,
  requests: readonly SearchRequest[],
): Promise<Match[][]> {
  if (rows.size === 0) return requests.map(() => []);
  const found: Match[][] = [];
  for (const batch of batches(requests)) {
    found.push(
      ...await rows.scanShared(
        queries(batch),
        (result) => answers(rows, batch, result),
      ),
    );
  }
  return found;
}

/** `requests` cut into the batches of one scan each. */
function batches(
  requests: readonly SearchRequest[],
): (readonly SearchRequest[])[] {
  const cut = [];
  for (let start = 0; start < requests.length; start += MAX_BATCH) {
    cut.push(requests.slice(start, start + MAX_BATCH));
  }
  return cut;
}

function queries(batch: readonly SearchRequest[]): Float64Array[] {
  return batch.map((request) => request.query);
}

/** The answers of one batch, from its scan. */
function answers(
  rows: FaceRows,
  batch: readonly SearchRequest[],
  { bounds, quantised, firstSlot }: ScanResult,
): Match[][] {
  return batch.map((request, b) => {
    const slack = quantised[b].error * NORM_BOUND + ROUNDING_SLACK;
    // Only faces whose bound reaches the threshold can count; when they
    // are few, they alone are looked at. (No face is below -1.)
    const floor = request.threshold - slack;
    const candidates = floor > -1
      ? rows.candidates(firstSlot + b, floor)
      : undefined;
    return rescore(rows, request, bounds[b], slack, candidates);
  });
}

/**
 * One query's answer from its bounds, looking at the faces of
 * `candidates` only (every face when `undefined`).
 */
function rescore(
  rows: FaceRows,
  { query, limit, threshold }: SearchRequest,
  bounds: Float32Array,
  slack: number,
  candidates: Int32Array | undefined,
): Match[] {
  const count = candidates?.length ?? bounds.length;
  const top = new TopK(limit, threshold);
  const offer = (slot: number) =>
    top.offer({
      subjectId: rows.subjectId(slot),
      faceId: rows.faceId(slot),
      similarity: rows.similarity(query, slot),
    });

  // First pass: the faces with the best bounds give a high floor early.
  const seeds: number[] = [];
  let seedFloor = threshold - slack;
  for (let k = 0; k < count; k++) {
    const i = candidates === undefined ? k : candidates[k];
    const bound = bounds[i];
    if (bound < seedFloor) continue;
    let j = seeds.length === limit ? limit - 1 : seeds.length;
    while (j > 0 && bounds[seeds[j - 1]] < bound) j--;
    seeds.splice(j, 0, i);
    if (seeds.length > limit) seeds.pop();
    if (seeds.length === limit) {
      seedFloor = Math.max(seedFloor, bounds[seeds[limit - 1]]);
    }
  }
  for (const slot of seeds) offer(slot);

  // Second pass: every other face whose bound can still reach the floor.
  const seeded = new Set(seeds);
  let floor = top.floor - slack;
  for (let k = 0; k < count; k++) {
    const i = candidates === undefined ? k : candidates[k];
    if (bounds[i] >= floor && !seeded.has(i)) {
      offer(i);
      floor = top.floor - slack;
    }
  }
  return top.items.map((match) => ({
    ...match,
    similarity: Math.min(1, Math.max(-1, match.similarity)),
  }));
}
