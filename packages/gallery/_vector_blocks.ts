/**
 * The float32 vectors of an index's faces, by slot, for the exact
 * rescoring of the few faces a scan cannot rule out. They sit in blocks of
 * 16,384 faces, so that a growing index copies one block at most, never
 * every vector.
 *
 * @module
 */

import { similarity } from "./_vector.ts";

const BLOCK_BITS = 14;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

/**
 * Bytes kept in pieces (a snapshot's chunks), copied out by range without
 * being joined first.
 */
export interface Bytes {
  /** Copies bytes `start` to `end` into `into`, which is that long. */
  copy(start: number, end: number, into: Uint8Array): void;
}

/** Vectors of `dims` float32 values, by slot. */
export class VectorBlocks {
  /** Values per vector. */
  readonly dims: number;
  readonly #blocks: Float32Array[] = [];

  constructor(dims: number) {
    this.dims = dims;
  }

  /** Copies the first `dims` values of `vector` into slot `slot`. */
  set(slot: number, vector: Float32Array): void {
    this.#block(slot).set(vector.subarray(0, this.dims), this.#offset(slot));
  }

  /** The vector at `slot`, as a view. */
  get(slot: number): Float32Array {
    const offset = this.#offset(slot);
    return this.#block(slot).subarray(offset, offset + this.dims);
  }

  /** The exact similarity of `query` with the vector at `slot`. */
  similarity(query: Float64Array, slot: number): number {
    return similarity(query, this.#block(slot), this.#offset(slot));
  }

  /**
   * Makes room for `count` vectors in all, so that adding them one block
   * after another copies nothing twice.
   */
  reserve(count: number): void {
    if (count > 0) this.#block(count - 1, true);
  }

  /**
   * Copies `count` vectors, `4 · dims` bytes each (float32, little-endian),
   * from `bytes` into the slots from `first` on, one run per block.
   */
  copyIn(first: number, count: number, bytes: Bytes): void {
    const vectorBytes = 4 * this.dims;
    for (let i = 0; i < count;) {
      const slot = first + i;
      const run = Math.min(count - i, BLOCK_MASK + 1 - (slot & BLOCK_MASK));
      const block = this.#block(slot + run - 1);
      bytes.copy(
        i * vectorBytes,
        (i + run) * vectorBytes,
        new Uint8Array(
          block.buffer,
          block.byteOffset + this.#offset(slot) * 4,
          run * vectorBytes,
        ),
      );
      i += run;
    }
  }

  #offset(slot: number): number {
    return (slot & BLOCK_MASK) * this.dims;
  }

  /**
   * The block holding `slot`'s vector. A block grows by doubling up to
   * its full size, so a small gallery does not pay for a whole block;
   * `exact` makes the blocks before it whole and this one just as long as
   * needed, for vectors that are known to come.
   */
  #block(slot: number, exact = false): Float32Array {
    const index = slot >>> BLOCK_BITS;
    const full = (BLOCK_MASK + 1) * this.dims;
    if (exact) {
      for (let i = 0; i < index; i++) this.#grow(i, full);
    }
    const needed = ((slot & BLOCK_MASK) + 1) * this.dims;
    const block = this.#blocks[index];
    if (block !== undefined && block.length >= needed) return block;
    return this.#grow(
      index,
      exact ? needed : Math.min(
        full,
        Math.max(needed, 2 * (block?.length ?? 0), 64 * this.dims),
      ),
    );
  }

  /** Block `index`, made at least `length` values long. */
  #grow(index: number, length: number): Float32Array {
    const block = this.#blocks[index];
    if (block !== undefined && block.length >= length) return block;
    const grown = new Float32Array(length);
    if (block !== undefined) grown.set(block);
    this.#blocks[index] = grown;
    return grown;
  }
}
