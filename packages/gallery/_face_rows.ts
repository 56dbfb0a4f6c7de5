/**
 * The faces of an index in memory, and the scan over them. Every face is
 * held twice: its int8 code, with the code's scale and the norm of its
 * quantisation error, is one row of a contiguous WebAssembly memory that
 * the SIMD kernel streams through (`_kernel.ts`); its float32 vector sits
 * in blocks on the JavaScript side, for the exact rescoring of the few
 * faces the scan cannot rule out.
 *
 * The memory holds, in order: room for two batches of `MAX_BATCH`
 * quantised queries and their parameters (two shared scans may be under
 * way at once, see `_scan_protocol.ts`), a list of candidates
 * (`_select.ts`), the rows, and the kernel's output (one float32 per row
 * and query of the two batches, and 16 bytes that the selection may read
 * past the last). The output is scratch, so it
 * is only touched, and only takes resident memory, as far as batches
 * reach.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import {
  codeBytes,
  type Kernel,
  PARAM_BYTES,
  QUERY_MAX,
  rowBytes,
  type ScanJob,
  scanKernel,
  scanRange,
} from "./_kernel.ts";
import type { ScanThreads } from "./_scan_threads.ts";
import { float32Below, type SelectFunction, selectKernel } from "./_select.ts";
import { type Bytes, VectorBlocks } from "./_vector_blocks.ts";

/**
 * Most candidates {@linkcode FaceRows.candidates} lists; a floor that more
 * faces reach is no use for pruning, and every bound is looked at instead.
 */
export const MAX_CANDIDATES = 4096;

/**
 * Most queries one scan takes. Past about 16 a query costs hardly less
 * (the scan is then bound by arithmetic, not by reading rows), while the
 * kernel's output grows by 4 bytes per face for each.
 */
export const MAX_BATCH = 16;

/** Query slots: room for two batches, one per shared scan under way. */
const SLOTS = 2 * MAX_BATCH;

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536;
const CODE_MAX = 127;

/** What the search needs to know of a quantised query. */
export interface QuantisedQuery {
  /** ‖q̃‖. */
  readonly norm: number;
  /** ‖q − q̃‖. */
  readonly error: number;
}

/**
 * A scan's output, for the `read` of the scan: each query's bound for
 * every face, by slot; the queries as quantised; and
 * the query slot of the first (the others follow it), for
 * {@linkcode FaceRows.candidates}.
 */
export interface ScanResult {
  readonly bounds: Float32Array[];
  readonly quantised: QuantisedQuery[];
  readonly firstSlot: number;
}

/** Faces copied out of an index, or to be put back: their rows and vectors in order. */
export interface FaceBlock {
  readonly faceIds: string[];
  readonly subjectIds: string[];
  /** `rowBytes` per face. */
  readonly rows: Uint8Array;
  /** `dims` per face. */
  readonly vectors: Float32Array;
}

/** Faces as a snapshot keeps them: rows and vectors in order, as bytes. */
export interface StoredFaces {
  readonly faceIds: readonly string[];
  readonly subjectIds: readonly string[];
  /** `rowBytes` per face. */
  readonly rows: Bytes;
  /** `4 · dims` per face: float32, little-endian. */
  readonly vectors: Bytes;
}

/** The faces of one embedding size: rows for the kernel, vectors for rescoring. */
export class FaceRows {
  /** Values per embedding. */
  readonly dims: number;
  readonly #rowBytes: number;
  readonly #codeBytes: number;
  readonly #paramsAt: number;
  readonly #listAt: number;
  readonly #rowsAt: number;
  readonly #memory: WebAssembly.Memory;
  readonly #kernel: Kernel;
  readonly #threads: ScanThreads | undefined;
  readonly #select: SelectFunction;
  readonly #vectors: VectorBlocks;
  readonly #faceIds: string[] = [];
  readonly #subjectIds: string[] = [];
  readonly #slots = new Map<string, number>();
  #capacity = 0;
  /** Whether each batch's room is taken by a shared scan in flight. */
  readonly #scanning = [false, false];
  #bytes: Uint8Array;
  #floats: Float32Array;
  #words: Int32Array;

  /**
   * No faces yet; `dims` is checked by the caller. With `threads`, the
   * memory is shared and large scans are shared with them.
   */
  constructor(dims: number, threads?: ScanThreads) {
    this.dims = dims;
    this.#threads = threads?.threads ? threads : undefined;
    this.#vectors = new VectorBlocks(dims);
    this.#rowBytes = rowBytes(dims);
    this.#codeBytes = codeBytes(dims);
    this.#paramsAt = SLOTS * this.#codeBytes;
    this.#listAt = this.#paramsAt + SLOTS * PARAM_BYTES;
    this.#rowsAt = this.#listAt + 4 * MAX_CANDIDATES;
    this.#memory = new WebAssembly.Memory({
      initial: 1,
      maximum: MAX_PAGES,
      shared: this.#threads !== undefined,
    });
    this.#kernel = scanKernel(dims, this.#memory);
    this.#select = selectKernel(this.#memory);
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#floats = new Float32Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
  }

  /** Number of faces held. */
  get size(): number {
    return this.#faceIds.length;
  }

  /** Bytes of one face's row. */
  get rowBytes(): number {
    return this.#rowBytes;
  }

  /** Whether the face is held. */
  has(faceId: string): boolean {
    return this.#slots.has(faceId);
  }

  /** The face at `slot` (0 ≤ slot < size). */
  faceId(slot: number): string {
    return this.#faceIds[slot];
  }

  /** The subject of the face at `slot`. */
  subjectId(slot: number): string {
    return this.#subjectIds[slot];
  }

  /**
   * Adds a face that is not held yet, quantising its vector (a unit
   * vector of `dims` float32 values, copied).
   *
   * @throws {FaceError} `limit_exceeded` when the memory is full.
   */
  add(faceId: string, subjectId: string, vector: Float32Array): void {
    const slot = this.#push(faceId, subjectId, vector);
    let max = 0;
    for (let i = 0; i < this.dims; i++) {
      max = Math.max(max, Math.abs(vector[i]));
    }
    // Rounded to float32 first, so the error below is measured against
    // the scale the kernel multiplies by. |v / scale| ≤ 127 (1 + 2^-24)
    // rounds to at most 127.
    const scale = Math.fround(max / CODE_MAX);
    const row = this.#rowAt(slot);
    let residual = 0, sum = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(vector[i] / scale);
      this.#bytes[row + i] = code; // as its two's complement byte
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
  }

  /**
   * Makes room for `count` faces in all, so that adding them one block
   * after another copies nothing twice.
   *
   * @throws {FaceError} `limit_exceeded` when the memory cannot hold them.
   */
  reserve(count: number): void {
    this.#reserve(count);
    this.#vectors.reserve(count);
  }

  /**
   * Adds faces whose rows were made by {@linkcode FaceRows.add} and kept
   * (in a snapshot): nothing is recomputed, and rows and vectors are
   * copied straight from the pieces they were read in. The faces must not
   * be held yet.
   *
   * @throws {FaceError} `limit_exceeded` when the memory is full.
   */
  addStored(faces: StoredFaces): void {
    const count = faces.faceIds.length;
    const first = this.size;
    this.#reserve(first + count);
    faces.rows.copy(
      0,
      count * this.#rowBytes,
      this.#bytes.subarray(this.#rowAt(first), this.#rowAt(first + count)),
    );
    this.#vectors.copyIn(first, count, faces.vectors);
    for (const [i, faceId] of faces.faceIds.entries()) {
      this.#faceIds.push(faceId);
      this.#subjectIds.push(faces.subjectIds[i]);
      this.#slots.set(faceId, first + i);
    }
  }

  /** A copy of the faces whose ids `select` picks, in slot order. */
  copyBlock(select: (faceId: string) => boolean): FaceBlock {
    const slots: number[] = [];
    for (let slot = 0; slot < this.size; slot++) {
      if (select(this.#faceIds[slot])) slots.push(slot);
    }
    const rows = new Uint8Array(slots.length * this.#rowBytes);
    const vectors = new Float32Array(slots.length * this.dims);
    for (const [i, slot] of slots.entries()) {
      const at = this.#rowAt(slot);
      rows.set(
        this.#bytes.subarray(at, at + this.#rowBytes),
        i * this.#rowBytes,
      );
      vectors.set(this.#vectors.get(slot), i * this.dims);
    }
    return {
      faceIds: slots.map((slot) => this.#faceIds[slot]),
      subjectIds: slots.map((slot) => this.#subjectIds[slot]),
      rows,
      vectors,
    };
  }

  /** The exact similarity of `query` with the face at `slot`. */
  similarity(query: Float64Array, slot: number): number {
    return this.#vectors.similarity(query, slot);
  }

  /** Removes a face; returns whether it was held. */
  remove(faceId: string): boolean {
    this.#assertIdle();
    const slot = this.#slots.get(faceId);
    if (slot === undefined) return false;
    const last = this.size - 1;
    if (slot !== last) {
      // The last face moves into the hole, keeping the rows contiguous.
      const from = this.#rowAt(last);
      this.#bytes.copyWithin(this.#rowAt(slot), from, from + this.#rowBytes);
      this.#vectors.set(slot, this.#vectors.get(last));
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
   * Runs the kernel once, on this thread, for up to
   * {@linkcode MAX_BATCH} queries (unit vectors of `dims` doubles);
   * `read` gets the result, whose views are valid only while it runs, and
   * what it returns is the answer.
   */
  scan<T>(
    queries: readonly Float64Array[],
    read: (result: ScanResult) => T,
  ): T {
    this.#assertIdle();
    const { job, quantised } = this.#prepare(queries, 0);
    scanRange(this.#kernel, job, 0, job.count);
    return read(this.#result(job, quantised, 0));
  }

  /**
   * {@linkcode FaceRows.scan}, shared with the helper threads the rows
   * were made with (if any). Two may be under way at once, each with its
   * own room for queries and output, which stays taken until `read`
   * returns. Until they settle, the rows must not change: a change, a scan
   * on this thread or a third shared scan throws meanwhile.
   */
  async scanShared<T>(
    queries: readonly Float64Array[],
    read: (result: ScanResult) => T,
  ): Promise<T> {
    if (this.#threads === undefined) return this.scan(queries, read);
    const room = this.#scanning.indexOf(false);
    if (room === -1) {
      throw new Error("two shared scans of these rows are under way already");
    }
    const { job, quantised } = this.#prepare(queries, room);
    this.#scanning[room] = true;
    try {
      await this.#threads.scan(this.#kernel, this.dims, job);
      return read(this.#result(job, quantised, room));
    } finally {
      this.#scanning[room] = false;
    }
  }

  /** Writes the queries into room `room` and describes their scan. */
  #prepare(
    queries: readonly Float64Array[],
    room: number,
  ): { job: ScanJob; quantised: QuantisedQuery[] } {
    const first = room * MAX_BATCH;
    const quantised = queries.map((query, b) =>
      this.#writeQuery(query, first + b)
    );
    const job: ScanJob = {
      rows: this.#rowsAt,
      count: this.size,
      rowBytes: this.#rowBytes,
      queries: first * this.#codeBytes,
      size: queries.length,
      params: this.#paramsAt + first * PARAM_BYTES,
      out: this.#outAt(first),
      stride: 4 * this.#capacity,
    };
    return { job, quantised };
  }

  #result(
    job: ScanJob,
    quantised: QuantisedQuery[],
    room: number,
  ): ScanResult {
    const bounds = quantised.map((_, b) =>
      new Float32Array(
        this.#memory.buffer,
        job.out + b * job.stride,
        job.count,
      )
    );
    return { bounds, quantised, firstSlot: room * MAX_BATCH };
  }

  /** Where the bounds for query slot `slot` begin. */
  #outAt(slot: number): number {
    return this.#rowAt(this.#capacity) + slot * 4 * this.#capacity;
  }

  /** A shared scan reads the rows from other threads: nothing may move. */
  #assertIdle(): void {
    if (this.#scanning.includes(true)) {
      throw new Error("the rows were used while a shared scan read them");
    }
  }

  /**
   * The faces whose bound for query slot `slot` (`firstSlot` of a
   * {@linkcode ScanResult} and on) is at least `floor`, by slot in order —
   * or `undefined` when there are more than {@linkcode MAX_CANDIDATES}. A
   * view that the next call invalidates.
   */
  candidates(slot: number, floor: number): Int32Array | undefined {
    const found = this.#select(
      this.#outAt(slot),
      this.size,
      float32Below(floor),
      this.#listAt,
      MAX_CANDIDATES,
    );
    return found > MAX_CANDIDATES
      ? undefined
      : new Int32Array(this.#memory.buffer, this.#listAt, found);
  }

  /**
   * Quantises a query to integers in [-QUERY_MAX, QUERY_MAX] into query
   * slot `slot` of the kernel's memory, with its scale and norm as float32.
   */
  #writeQuery(query: Float64Array, slot: number): QuantisedQuery {
    let max = 0;
    for (let i = 0; i < this.dims; i++) max = Math.max(max, Math.abs(query[i]));
    const scale = max / QUERY_MAX;
    const at = slot * this.#codeBytes;
    let norm = 0, error = 0;
    for (let i = 0; i < this.dims; i++) {
      const code = Math.round(query[i] / scale);
      this.#bytes[at + i] = code + QUERY_MAX;
      norm += (scale * code) ** 2;
      error += (query[i] - scale * code) ** 2;
    }
    const quantised = { norm: Math.sqrt(norm), error: Math.sqrt(error) };
    const param = (this.#paramsAt + slot * PARAM_BYTES) / 4;
    this.#floats[param] = scale;
    this.#floats[param + 1] = quantised.norm;
    return quantised;
  }

  /** Takes a slot for a new face and copies its vector; the row is the caller's. */
  #push(faceId: string, subjectId: string, vector: Float32Array): number {
    const slot = this.size;
    this.#reserve(slot + 1);
    this.#vectors.set(slot, vector);
    this.#faceIds.push(faceId);
    this.#subjectIds.push(subjectId);
    this.#slots.set(faceId, slot);
    return slot;
  }

  #rowAt(slot: number): number {
    return this.#rowsAt + slot * this.#rowBytes;
  }

  #reserve(count: number): void {
    this.#assertIdle();
    if (count <= this.#capacity) return;
    // The row and its bound for each query slot.
    const perFace = this.#rowBytes + 4 * SLOTS;
    const fixed = this.#rowsAt + 16;
    const most = Math.floor((MAX_PAGES * PAGE_BYTES - fixed) / perFace);
    if (count > most) {
      throw new FaceError(
        "limit_exceeded",
        `an index of ${this.dims}-value embeddings holds at most ${most} faces per process`,
      );
    }
    const capacity = Math.min(most, Math.max(1024, 2 * this.#capacity, count));
    const pages = Math.ceil((fixed + capacity * perFace) / PAGE_BYTES);
    this.#memory.grow(pages - this.#memory.buffer.byteLength / PAGE_BYTES);
    // The rows keep their place; the output after them is scratch.
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#floats = new Float32Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
    this.#capacity = capacity;
  }
}
