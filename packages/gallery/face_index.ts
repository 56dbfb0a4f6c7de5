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
 * a brute-force double-precision scan gives, in the same order. Several
 * queries searched together share one pass over the rows
 * ({@linkcode FaceIndex.searchMany}), each with the answer it gets alone.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { checkNumber, checkThreshold } from "./_validate.ts";
import { FaceRows } from "./_face_rows.ts";
import { type SearchRequest, searchRows } from "./_search.ts";
import { type Match, MAX_DIMS } from "./types.ts";

/**
 * One query of {@linkcode FaceIndex.searchMany}.
 *
 * @example
 * ```ts
 * import type { IndexQuery } from "@facever/gallery/index";
 * const query: IndexQuery = {
 *   query: new Float64Array([0.8, 0.6]),
 *   limit: 5,
 *   threshold: 0.3,
 * };
 * console.log(query.limit);
 * ```
 */
export interface IndexQuery {
  /** A unit vector of `dims` values. */
  readonly query: Float64Array;
  /** Most subjects to return: a whole number of at least 1. */
  readonly limit: number;
  /** Lowest similarity to return, in [-1, 1]. */
  readonly threshold: number;
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
  readonly #rows: FaceRows;

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
    this.#rows = new FaceRows(dims);
  }

  /** Number of faces held. */
  get size(): number {
    return this.#rows.size;
  }

  /** Whether the face is held. */
  has(faceId: string): boolean {
    return this.#rows.has(faceId);
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
    this.#rows.add(faceId, subjectId, vector);
  }

  /** Removes a face; returns whether it was held. */
  remove(faceId: string): boolean {
    return this.#rows.remove(faceId);
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
    return this.searchMany([{ query, limit, threshold }])[0];
  }

  /**
   * The answers to several queries, in order, each the one
   * {@linkcode FaceIndex.search} gives it alone; up to 16 queries share
   * one pass over the faces, which costs far less than 16 passes.
   *
   * @throws {FaceError} `invalid_embedding` when a query does not have
   * `dims` values.
   * @throws {TypeError} when a `limit` or `threshold` is not a number.
   * @throws {RangeError} when a `limit` is not a whole number of at least
   * 1, or a `threshold` is outside [-1, 1].
   *
   * @example
   * ```ts
   * import { FaceIndex } from "@facever/gallery/index";
   * const index = new FaceIndex(2);
   * index.add("face-1", "ada", new Float32Array([0.6, 0.8]));
   * index.add("face-2", "bob", new Float32Array([1, 0]));
   * const [first, second] = index.searchMany([
   *   { query: new Float64Array([0.8, 0.6]), limit: 1, threshold: 0.5 },
   *   { query: new Float64Array([1, 0]), limit: 1, threshold: 0.5 },
   * ]);
   * console.log(first[0].subjectId, second[0].subjectId); // ada bob
   * ```
   */
  searchMany(queries: readonly IndexQuery[]): Match[][] {
    const requests: SearchRequest[] = queries.map(
      ({ query, limit, threshold }) => {
        this.#checkLength("query", query);
        checkNumber("limit", limit, {
          min: 1,
          max: Number.MAX_SAFE_INTEGER,
          whole: true,
          allowed: "a whole number of at least 1",
        });
        checkThreshold(threshold);
        return { query, limit, threshold };
      },
    );
    return searchRows(this.#rows, requests);
  }

  #checkLength(what: string, vector: ArrayLike<number>): void {
    if (vector?.length !== this.dims) {
      throw new FaceError(
        "invalid_embedding",
        `${what} has ${vector?.length} values; this index holds ${this.dims}`,
      );
    }
  }
}
