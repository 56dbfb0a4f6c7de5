/**
 * What every layer kernel shares: the step it is generated for, with its
 * constants placed, the address of a stored tensor's first pixel, and the
 * epilogue (PReLU, residual, ReLU, store) run on the accumulators.
 *
 * @module
 */

import type { FunctionBuilder } from "./_wasm.ts";
import { type Conv, F32, type Storage } from "./_compile_types.ts";

export const V128 = 16;

/** A step's epilogue, with its constants placed in memory. */
export interface Epilogue {
  /** Byte offset of the bias, one float per output channel. */
  readonly bias: number;
  /** Byte offset of PReLU slope − 1 per output channel, if activated. */
  readonly slopeMinusOne?: number;
  /** The tensor added to the result (same shape, unpadded), if any. */
  readonly residual?: string;
  /** Whether the result (after the residual) goes through a ReLU. */
  readonly relu: boolean;
}

/** A convolution as its kernel is generated for: its constants placed. */
export interface ConvStep extends Conv {
  /** Byte offset of the packed weights. */
  readonly weights: number;
  readonly epilogue: Epilogue;
}

/** Byte offset of the first pixel inside a stored tensor's border. */
export function origin(s: Storage): number {
  return s.offset + (s.pad * (s.w + 2 * s.pad) + s.pad) * s.c * F32;
}

/** Adds `count` to local `index`. */
export function bump(f: FunctionBuilder, index: number, count: number): void {
  if (count !== 0) f.get(index).i32(count).add().set(index);
}

/** A place in memory: a local holding an address, plus a constant offset. */
export interface Address {
  readonly local: number;
  readonly offset: number;
}

/**
 * Ends a layer on accumulators that hold conv + bias: PReLU as
 * `v + (slope − 1) · min(v, 0)`, then the residual, then ReLU, then the
 * store.
 * `slopeOf(i)` says which of `slopes` (scratch locals, one per channel
 * vector) accumulator `i` needs.
 */
export function finish(
  f: FunctionBuilder,
  acc: readonly number[],
  channelOffset: number,
  slopes: readonly number[],
  slopeOf: (i: number) => number,
  epilogue: Epilogue,
  target: (i: number) => Address,
  residual: ((i: number) => Address) | undefined,
): void {
  const { slopeMinusOne } = epilogue;
  if (slopeMinusOne !== undefined) {
    slopes.forEach((local, j) =>
      f.get(channelOffset).v128Load(slopeMinusOne + j * V128).set(local)
    );
  }
  acc.forEach((v, i) => {
    if (slopeMinusOne !== undefined) {
      f.get(v).zero().f32x4Pmin().get(slopes[slopeOf(i)]).get(v)
        .f32x4RelaxedMadd().set(v);
    }
    if (residual) {
      const r = residual(i);
      f.get(v).get(r.local).v128Load(r.offset).f32x4Add().set(v);
    }
    if (epilogue.relu) f.get(v).zero().f32x4Pmax().set(v);
    const t = target(i);
    f.get(t.local).get(v).v128Store(t.offset);
  });
}
