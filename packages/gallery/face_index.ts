/**
 * The in-memory search index: exact top-k by cosine similarity over unit
 * embeddings, fast enough for a million faces on one core. Every
 * {@linkcode Gallery} keeps one; it is also exported alone, as
 * `@facever/gallery/index`, for programs that keep embeddings elsewhere.
 *
 * Every face is held twice. Its int8 code, with the code's scale and the
 * norm of its quantisation error, is one row of a contiguous WebAssembly
 * memory that the SIMD kernel streams through; its float32 vector sits in
 * blocks on the JavaScript side for rescoring. A query is quantised to 7
 * bits (see `_kernel.ts`), and the kernel gives every face an upper bound
 * on its exact similarity:
 *
 *     q·x = q̃·x̃ + q̃·(x − x̃) + (q − q̃)·x
 *     q·x ≤ q̃·x̃ + ‖q̃‖·‖x − x̃‖ + ‖q − q̃‖·‖x‖     (Cauchy–Schwarz)
 *
 * with x̃ and q̃ the dequantised code and query, ‖x − x̃‖ stored per face
 * (rounded up) and ‖x‖ ≤ 1 + 1e-6 for a unit vector rounded to float32.
 * Only faces whose bound reaches the k-th best subject's exact similarity
 * found so far are rescored in double precision, so the answer is the one
 * a brute-force double-precision scan gives, in the same order.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { checkNumber, checkThreshold } from "./_validate.ts";
import {
  codeBytes,
  QUERY_MAX,
  rowBytes,
  type ScanFunction,
  scanKernel,
} from "./_kernel.ts";
import { type Match, MAX_DIMS } from "./types.ts";
import { similarity } from "./_vector.ts";

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536;
const BLOCK_BITS = 14;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;
const CODE_MAX = 127;
/** ‖x‖ of a unit vector rounded to float32 is at most this. */
const NORM_BOUND = 1 + 1e-6;
/**
 * Covers the kernel's float32 rounding (under 1e-6, see `ScanFunction`)
 * and the double-precision rounding of the exact scores it is compared
 * with (about 1e-13).
 */
const ROUNDING_SLACK = 2e-6;

interface QuantisedQuery {
  /** Value of one query step. */
  readonly scale: number;
  /** ‖q̃‖. */
  readonly norm: number;
  /** ‖q − q̃‖. */
  readonly error: number;
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
 * Exact nearest-neighbour search over unit embeddings of one dimension.
 * Adding and removing are O(dims); a search streams through every face
 * once. Faces are checked only for their length: the values must be finite
 * and of unit length, as a {@linkcode Gallery} ensures before they get here.
 *
 * @example
 * ```ts
 * import { FaceIndex } from "@facever/gallery/index";
 * const index = new FaceIndex(2);
 * index.add("face-1", "ada", new Float32Array([0.6, 0.8]));
 * index.add("face-2", "bob", new Float32Array([1, 0]));
 * const [best] = index.search(new Float64Array([0.8, 0.6]), 1, 0.5);
 * console.log(best.subjectId, best.similarity.toFixed(2)); // ada 0.96
 * ```
 */
export class FaceIndex {
  /** Values per embedding. */
  readonly dims: number;
  readonly #rowBytes: number;
  readonly #codeBytes: number;
  readonly #rowsAt: number;
  readonly #memory: WebAssembly.Memory;
  readonly #scan: ScanFunction;
  readonly #vectors: Float32Array[] = [];
  readonly #faceIds: string[] = [];
  readonly #subjectIds: string[] = [];
  readonly #slots = new Map<string, number>();
  #capacity = 0;
  #bytes: Int8Array;
  #floats: Float32Array;
  #words: Int32Array;

  /**
   * An empty index for embeddings of `dims` values.
   *
   * @throws {TypeError} when `dims` is not a number.
   * @throws {RangeError} when `dims` is not a whole number from 1 to
   * {@linkcode MAX_DIMS}.
   */
  constructor(dims: number) {
    checkNumber("dims", dims, {
      min: 1,
      max: MAX_DIMS,
      whole: true,
      allowed: `a whole number from 1 to ${MAX_DIMS}`,
    });
    this.dims = dims;
    this.#rowBytes = rowBytes(dims);
    this.#codeBytes = codeBytes(dims);
    // The query sits at offset 0, the rows right after it, and the
    // kernel's output after the rows.
    this.#rowsAt = this.#codeBytes;
    this.#memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    this.#scan = scanKernel(dims, this.#memory);
    this.#bytes = new Int8Array(this.#memory.buffer);
    this.#floats = new Float32Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
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
   * Adds a face that is not held yet; `vector` must be a unit vector of
   * `dims` float32 values. The vector is copied: later changes to it do not
   * reach the index.
   *
   * @throws {FaceError} `invalid_embedding` when `vector` does not have
   * `dims` values; `limit_exceeded` when the index's memory is full.
   */
  add(faceId: string, subjectId: string, vector: Float32Array): void {
    this.#checkLength("vector", vector);
    const slot = this.size;
    this.#reserve(slot + 1);
    let max = 0;
    for (let i = 0; i < this.dims; i++) {
      max = Math.max(max, Math.abs(vector[i]));
    }
    // Rounded to float32 first, so the error below is measured against
    // the scale the kernel multiplies by. |v / scale| ≤ 127 (1 + 2^-24)
    // rounds to at most 127.
    const scale = Math.fround(max / CODE_MAX);
    const row = this.#rowsAt + slot * this.#rowBytes;
    let residual = 0, sum = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(vector[i] / scale);
      this.#bytes[row + i] = code;
      residual += (vector[i] - scale * code) ** 2;
      sum += code;
    }
    const words = (row + this.#codeBytes) / 4;
    this.#floats[words] = scale;
    // Rounded up: the bound must never be below the true error.
    this.#floats[words + 1] = Math.fround(
      Math.sqrt(residual) * (1 + 2 ** -20),
    );
    this.#words[words + 2] = sum;
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
      const from = this.#rowsAt + last * this.#rowBytes;
      this.#bytes.copyWithin(
        this.#rowsAt + slot * this.#rowBytes,
        from,
        from + this.#rowBytes,
      );
      const offset = (last & BLOCK_MASK) * this.dims;
      this.#block(slot).set(
        this.#block(last).subarray(offset, offset + this.dims),
        (slot & BLOCK_MASK) * this.dims,
      );
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
   * The `limit` subjects whose closest face is most similar to `query` (a
   * unit vector of `dims` doubles), each with that face, best first, all
   * with similarity at least `threshold`; ties go to the smaller face id.
   * Reported similarities are clamped to [-1, 1]. The same answer as a
   * brute-force scan in double precision.
   *
   * @throws {FaceError} `invalid_embedding` when `query` does not have
   * `dims` values.
   * @throws {TypeError} when `limit` or `threshold` is not a number.
   * @throws {RangeError} when `limit` is not a whole number of at least 1,
   * or `threshold` is outside [-1, 1].
   *
   * @example
   * ```ts
   * import { FaceIndex } from "@facever/gallery/index";
   * const index = new FaceIndex(2);
   * index.add("face-1", "ada", new Float32Array([0.6, 0.8]));
   * index.add("face-2", "ada", new Float32Array([0, 1]));
   * index.add("face-3", "bob", new Float32Array([1, 0]));
   * // One match per subject: its closest face.
   * const matches = index.search(new Float64Array([0.8, 0.6]), 10, -1);
   * console.log(matches.map((m) => m.faceId)); // ["face-1", "face-3"]
   * ```
   */
  search(query: Float64Array, limit: number, threshold: number): Match[] {
    this.#checkLength("query", query);
    checkNumber("limit", limit, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      whole: true,
      allowed: "a whole number of at least 1",
    });
    checkThreshold(threshold);
    const count = this.size;
    if (count === 0) return [];
    const q = this.#writeQuery(query);
    const outAt = this.#rowsAt + this.#capacity * this.#rowBytes;
    this.#scan(this.#rowsAt, count, 0, outAt, q.scale, q.norm);
    const bounds = new Float32Array(this.#memory.buffer, outAt, count);
    const slack = q.error * NORM_BOUND + ROUNDING_SLACK;
    const top = new TopK(limit, threshold);

    // First pass: the faces with the best bounds give a high floor early.
    const seeds: number[] = [];
    let seedFloor = threshold - slack;
    for (let i = 0; i < count; i++) {
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
    for (const slot of seeds) this.#rescore(query, slot, top);

    // Second pass: every other face whose bound can still reach the floor.
    const seeded = new Set(seeds);
    let floor = top.floor - slack;
    for (let i = 0; i < count; i++) {
      if (bounds[i] >= floor && !seeded.has(i)) {
        this.#rescore(query, i, top);
        floor = top.floor - slack;
      }
    }
    return top.items.map((match) => ({
      ...match,
      similarity: Math.min(1, Math.max(-1, match.similarity)),
    }));
  }

  #checkLength(what: string, vector: ArrayLike<number>): void {
    if (vector?.length !== this.dims) {
      throw new FaceError(
        "invalid_embedding",
        `${what} has ${vector?.length} values; this index holds ${this.dims}`,
      );
    }
  }

  #rescore(query: Float64Array, slot: number, top: TopK): void {
    top.offer({
      subjectId: this.#subjectIds[slot],
      faceId: this.#faceIds[slot],
      similarity: similarity(
        query,
        this.#block(slot),
        (slot & BLOCK_MASK) * this.dims,
      ),
    });
  }

  /** Quantises the query into the kernel's memory. */
  #writeQuery(query: Float64Array): QuantisedQuery {
    let max = 0;
    for (let i = 0; i < this.dims; i++) max = Math.max(max, Math.abs(query[i]));
    const scale = max / QUERY_MAX;
    const codes = new Uint8Array(this.#memory.buffer, 0, this.#codeBytes);
    let norm = 0, error = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(query[i] / scale);
      codes[i] = code + QUERY_MAX;
      norm += (scale * code) ** 2;
      error += (query[i] - scale * code) ** 2;
    }
    return { scale, norm: Math.sqrt(norm), error: Math.sqrt(error) };
  }

  /**
   * The block holding `slot`'s vector. A block grows by doubling up to
   * its full size, so a small gallery does not pay for a whole block.
   */
  #block(slot: number): Float32Array {
    const index = slot >>> BLOCK_BITS;
    const needed = ((slot & BLOCK_MASK) + 1) * this.dims;
    const block = this.#vectors[index];
    if (block !== undefined && block.length >= needed) return block;
    const grown = new Float32Array(
      Math.min(
        (BLOCK_MASK + 1) * this.dims,
        Math.max(needed, 2 * (block?.length ?? 0), 64 * this.dims),
      ),
    );
    if (block !== undefined) grown.set(block);
    this.#vectors[index] = grown;
    return grown;
  }

  #reserve(count: number): void {
    if (count <= this.#capacity) return;
    const perFace = this.#rowBytes + 4; // the row and its bound
    const most = Math.floor((MAX_PAGES * PAGE_BYTES - this.#rowsAt) / perFace);
    if (count > most) {
      throw new FaceError(
        "limit_exceeded",
        `an index of ${this.dims}-value embeddings holds at most ${most} faces per process`,
      );
    }
    const capacity = Math.min(most, Math.max(1024, 2 * this.#capacity, count));
    const pages = Math.ceil((this.#rowsAt + capacity * perFace) / PAGE_BYTES);
    this.#memory.grow(pages - this.#memory.buffer.byteLength / PAGE_BYTES);
    this.#bytes = new Int8Array(this.#memory.buffer);
    this.#floats = new Float32Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
    this.#capacity = capacity;
  }
}
