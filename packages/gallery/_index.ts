/**
 * The in-memory search index: exact top-k by cosine similarity over unit
 * embeddings, fast enough for a million faces on one core.
 *
 * Every face is held twice. Its int8 code (one scale per face) sits in one
 * contiguous WebAssembly memory that the SIMD kernel streams through; its
 * float32 vector sits in blocks on the JavaScript side for rescoring. A
 * query is quantised to int16, the kernel takes every coarse dot product,
 * and each face gets an upper bound on its exact similarity:
 *
 *     q·x = q̃·x̃ + q̃·(x − x̃) + (q − q̃)·x
 *     q·x ≤ q̃·x̃ + ‖q̃‖·‖x − x̃‖ + ‖q − q̃‖·‖x‖     (Cauchy–Schwarz)
 *
 * with x̃ and q̃ the dequantised code and query, ‖x − x̃‖ stored per face
 * (rounded up) and ‖x‖ ≤ 1 + 1e-6 for a unit vector rounded to float32.
 * Only faces whose bound reaches the k-th best exact similarity found so
 * far are rescored in double precision, so the answer is the one a
 * brute-force double-precision scan gives, in the same order.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import {
  codeStride,
  queryRange,
  type ScanFunction,
  scanKernel,
} from "./_kernel.ts";
import { similarity } from "./_vector.ts";

/** One result of {@linkcode FaceIndex.search}. */
export interface IndexMatch {
  readonly subjectId: string;
  readonly faceId: string;
  readonly similarity: number;
}

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536;
const BLOCK_BITS = 14;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;
const CODE_MAX = 127;
// Covers ‖x‖ ≤ 1 + 1e-6 and, with room to spare, the double-precision
// rounding of the bound and of the exact scores it is compared with.
const NORM_SLACK = 1 + 1e-6;
const ROUNDING_SLACK = 1e-9;

interface QuantisedQuery {
  readonly scale: number;
  readonly norm: number;
  readonly error: number;
}

/** Sorted, bounded list of the best results: similarity down, face id up. */
class TopK {
  readonly #limit: number;
  readonly items: IndexMatch[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The similarity a result must reach to enter, once the list is full. */
  floor(threshold: number): number {
    return this.items.length < this.#limit
      ? threshold
      : Math.max(threshold, this.items[this.items.length - 1].similarity);
  }

  offer(match: IndexMatch): void {
    const { items } = this;
    let i = items.length;
    while (i > 0 && ranksBefore(match, items[i - 1])) i--;
    if (i >= this.#limit) return;
    items.splice(i, 0, match);
    if (items.length > this.#limit) items.pop();
  }
}

function ranksBefore(a: IndexMatch, b: IndexMatch): boolean {
  return a.similarity > b.similarity ||
    (a.similarity === b.similarity && a.faceId < b.faceId);
}

/**
 * Exact nearest-neighbour search over unit embeddings of one dimension.
 * Adding and removing are O(dims); a search scans every face once.
 */
export class FaceIndex {
  /** Values per embedding. */
  readonly dims: number;
  readonly #stride: number;
  readonly #queryRange: number;
  readonly #codesAt: number;
  readonly #memory: WebAssembly.Memory;
  readonly #scan: ScanFunction;
  readonly #vectors: Float32Array[] = [];
  readonly #faceIds: string[] = [];
  readonly #subjectIds: string[] = [];
  readonly #slots = new Map<string, number>();
  #capacity = 0;
  #codes: Int8Array;
  #scales = new Float32Array(0);
  #errors = new Float32Array(0);

  /** An empty index for embeddings of `dims` values. */
  constructor(dims: number) {
    this.dims = dims;
    this.#stride = codeStride(dims);
    this.#queryRange = queryRange(dims);
    // The int16 query lives at offset 0, the codes right after it.
    this.#codesAt = 2 * this.#stride;
    this.#memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    this.#scan = scanKernel(dims, this.#memory);
    this.#codes = new Int8Array(this.#memory.buffer);
  }

  /** Number of faces held. */
  get size(): number {
    return this.#faceIds.length;
  }

  /** Whether the face is held. */
  has(faceId: string): boolean {
    return this.#slots.has(faceId);
  }

  /**
   * Adds a face; `vector` must be a unit vector of `dims` float32 values
   * (the gallery validates embeddings before they get here).
   */
  add(faceId: string, subjectId: string, vector: Float32Array): void {
    const slot = this.size;
    this.#reserve(slot + 1);
    let max = 0;
    for (let i = 0; i < this.dims; i++) {
      max = Math.max(max, Math.abs(vector[i]));
    }
    // Rounded to float32 first, so the bound below uses the scale the
    // search multiplies by. |v / scale| ≤ 127 (1 + 2^-24) rounds to 127.
    const scale = Math.fround(max / CODE_MAX);
    const row = this.#codesAt + slot * this.#stride;
    let residual = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(vector[i] / scale);
      this.#codes[row + i] = code;
      residual += (vector[i] - scale * code) ** 2;
    }
    this.#scales[slot] = scale;
    // Rounded up: the bound must never be smaller than the true error.
    this.#errors[slot] = Math.fround(Math.sqrt(residual) * (1 + 2 ** -20));
    this.#block(slot).set(vector, (slot & BLOCK_MASK) * this.dims);
    this.#faceIds.push(faceId);
    this.#subjectIds.push(subjectId);
    this.#slots.set(faceId, slot);
  }

  /** Removes a face; returns whether it was held. */
  remove(faceId: string): boolean {
    const slot = this.#slots.get(faceId);
    if (slot === undefined) return false;
    const last = this.size - 1;
    if (slot !== last) {
      // The last face moves into the hole, keeping the rows contiguous.
      const from = this.#codesAt + last * this.#stride;
      this.#codes.copyWithin(
        this.#codesAt + slot * this.#stride,
        from,
        from + this.#stride,
      );
      const offset = (last & BLOCK_MASK) * this.dims;
      this.#block(slot).set(
        this.#block(last).subarray(offset, offset + this.dims),
        (slot & BLOCK_MASK) * this.dims,
      );
      this.#scales[slot] = this.#scales[last];
      this.#errors[slot] = this.#errors[last];
      this.#faceIds[slot] = this.#faceIds[last];
      this.#subjectIds[slot] = this.#subjectIds[last];
      this.#slots.set(this.#faceIds[slot], slot);
    }
    this.#faceIds.pop();
    this.#subjectIds.pop();
    this.#slots.delete(faceId);
    return true;
  }

  /**
   * The `limit` faces most similar to `query` (a unit vector of `dims`
   * doubles) with similarity at least `threshold`, best first; ties go to
   * the smaller face id.
   */
  search(query: Float64Array, limit: number, threshold: number): IndexMatch[] {
    const count = this.size;
    if (count === 0) return [];
    const q = this.#writeQuery(query);
    const outAt = this.#codesAt + this.#capacity * this.#stride;
    this.#scan(this.#codesAt, count, 0, outAt);
    const dots = new Int32Array(this.#memory.buffer, outAt, count);
    const scales = this.#scales, errors = this.#errors;
    const slack = q.error * NORM_SLACK + ROUNDING_SLACK;
    const bound = (i: number) =>
      dots[i] * q.scale * scales[i] + q.norm * errors[i] + slack;

    // First pass: the faces with the best bounds give a good floor fast.
    const seeds: number[] = [];
    const seedBounds: number[] = [];
    for (let i = 0; i < count; i++) {
      const b = bound(i);
      if (b < threshold) continue;
      if (seeds.length === limit) {
        if (b <= seedBounds[limit - 1]) continue;
        seeds.pop();
        seedBounds.pop();
      }
      let j = seeds.length;
      while (j > 0 && seedBounds[j - 1] < b) j--;
      seeds.splice(j, 0, i);
      seedBounds.splice(j, 0, b);
    }
    const top = new TopK(limit);
    for (const slot of seeds) this.#rescore(query, slot, top, threshold);

    // Second pass: every other face that could still beat the floor.
    const seeded = new Set(seeds);
    let floor = top.floor(threshold);
    for (let i = 0; i < count; i++) {
      if (bound(i) >= floor && !seeded.has(i)) {
        this.#rescore(query, i, top, threshold);
        floor = top.floor(threshold);
      }
    }
    return top.items.map((match) => ({
      ...match,
      similarity: Math.min(1, Math.max(-1, match.similarity)),
    }));
  }

  #rescore(query: Float64Array, slot: number, top: TopK, threshold: number) {
    const score = similarity(
      query,
      this.#block(slot),
      (slot & BLOCK_MASK) * this.dims,
    );
    if (score >= threshold) {
      top.offer({
        subjectId: this.#subjectIds[slot],
        faceId: this.#faceIds[slot],
        similarity: score,
      });
    }
  }

  /**
   * Quantises the query into the kernel's memory; returns its scale, ‖q̃‖
   * and ‖q − q̃‖.
   */
  #writeQuery(query: Float64Array): QuantisedQuery {
    let max = 0;
    for (let i = 0; i < this.dims; i++) max = Math.max(max, Math.abs(query[i]));
    const scale = max / this.#queryRange;
    const codes = new Int16Array(this.#memory.buffer, 0, this.#stride);
    let norm = 0, error = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(query[i] / scale);
      codes[i] = code;
      norm += (scale * code) ** 2;
      error += (query[i] - scale * code) ** 2;
    }
    return { scale, norm: Math.sqrt(norm), error: Math.sqrt(error) };
  }

  #block(slot: number): Float32Array {
    const index = slot >>> BLOCK_BITS;
    this.#vectors[index] ??= new Float32Array((BLOCK_MASK + 1) * this.dims);
    return this.#vectors[index];
  }

  #reserve(count: number): void {
    if (count <= this.#capacity) return;
    const perFace = this.#stride + 4; // the code and its int32 dot product
    const most = Math.floor((MAX_PAGES * PAGE_BYTES - this.#codesAt) / perFace);
    if (count > most) {
      throw new FaceError(
        "limit_exceeded",
        `an index of ${this.dims}-value embeddings holds at most ${most} faces per process`,
      );
    }
    const capacity = Math.min(most, Math.max(1024, 2 * this.#capacity, count));
    const bytes = this.#codesAt + capacity * perFace;
    const pages = Math.ceil(bytes / PAGE_BYTES) -
      this.#memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) this.#memory.grow(pages);
    this.#codes = new Int8Array(this.#memory.buffer);
    const scales = new Float32Array(capacity);
    scales.set(this.#scales);
    this.#scales = scales;
    const errors = new Float32Array(capacity);
    errors.set(this.#errors);
    this.#errors = errors;
    this.#capacity = capacity;
  }
}
