/**
 * What every layer kernel shares: the step it is generated for, with its
 * constants placed, the address of a stored tensor's first pixel, and the
 * epilogue (PReLU, residual, ReLU, sigmoid, store) run on the accumulators.
 *
 * @module
 */

import { type FunctionBuilder, ValType } from "./_wasm.ts";
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
  /** Whether the result goes through a logistic sigmoid, last. */
  readonly sigmoid?: boolean;
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
 * sigmoid, then the store.
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
  const scratch = epilogue.sigmoid
    ? [f.local(ValType.v128), f.local(ValType.v128)] as const
    : undefined;
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
    if (scratch) sigmoid(f, v, scratch);
    const t = target(i);
    f.get(t.local).get(v).v128Store(t.offset);
  });
}

/** ln 2 in two parts, the first exact in few bits (Cephes' `expf`). */
const LN2_HIGH = 0.693359375;
const LN2_LOW = -2.12194440e-4;
/** 1/6!, …, 1/1!, 1/0!: e^r to r⁶, within 2e-7 for |r| ≤ ln 2 / 2. */
const EXP_TAYLOR = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];

/**
 * Replaces the four lanes in local `v` by 1 / (1 + e^−v). wasm has no
 * exponential: e^x is 2^n · e^r with n = round(x / ln 2) (built in the
 * exponent bits) and e^r a polynomial, x clamped to ±87 so 2^n stays a
 * normal float. Uses two scratch vector locals.
 */
export function sigmoid(
  f: FunctionBuilder,
  v: number,
  [n, r]: readonly [number, number],
): void {
  f.f32x4Const(0).get(v).f32x4Sub()
    .f32x4Const(-87).f32x4Pmax().f32x4Const(87).f32x4Pmin().set(v);
  f.get(v).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(n);
  f.get(v).get(n).f32x4Const(LN2_HIGH).f32x4Mul().f32x4Sub()
    .get(n).f32x4Const(LN2_LOW).f32x4Mul().f32x4Sub().set(r);
  f.f32x4Const(EXP_TAYLOR[0]);
  for (const c of EXP_TAYLOR.slice(1)) {
    f.get(r).f32x4Mul().f32x4Const(c).f32x4Add();
  }
  // 2^n: n + 127 in the exponent field.
  f.get(n).f32x4Const(127).f32x4Add().i32x4TruncSatF32x4S().i32(23)
    .i32x4Shl().f32x4Mul().set(r);
  f.f32x4Const(1).f32x4Const(1).get(r).f32x4Add().f32x4Div().set(v);
}
