/**
 * The kernels of the weightless steps: a max pool that keeps to the
 * input's own pixels, a global average pool, and the product of a map by a
 * per-channel vector (a squeeze-and-excite gate); each may add a residual.
 * Four channels per vector, the channel loop innermost.
 *
 * @module
 */

import { FunctionBuilder, ValType } from "./_wasm.ts";
import { F32, type LoweredOp, type Storage } from "./_compile_types.ts";
import { bump, origin, V128 } from "./_compile_kernel.ts";

/** Consecutive outputs whose windows keep the same taps inside the input. */
interface Run {
  /** First output and one past the last. */
  readonly from: number;
  readonly to: number;
  /** First and last tap of the window that fall inside the input. */
  readonly first: number;
  readonly last: number;
}

/**
 * Splits the outputs along one axis into runs whose windows lose the same
 * taps to the border: one interior run, and a few at each edge.
 */
export function windowRuns(
  outputs: number,
  size: number,
  kernel: number,
  stride: number,
  pad: number,
): Run[] {
  const runs: Run[] = [];
  for (let o = 0; o < outputs; o++) {
    const start = o * stride - pad;
    const first = Math.max(0, -start);
    const last = Math.min(kernel - 1, size - 1 - start);
    const previous = runs.at(-1);
    if (previous && previous.first === first && previous.last === last) {
      runs[runs.length - 1] = { ...previous, to: o + 1 };
    } else {
      runs.push({ from: o, to: o + 1, first, last });
    }
  }
  return runs;
}

/**
 * A max pool: each output the lane-wise maximum over the window's taps
 * that fall inside the input, so the input needs no border (ONNX pads a
 * max pool with −∞, which a zero border would not be).
 */
export function maxPool(
  step: LoweredOp,
  input: Storage,
  output: Storage,
  residual: Storage | undefined,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const y = f.local(ValType.i32);
  const x = f.local(ValType.i32);
  const ch = f.local(ValType.i32);
  const ip = f.local(ValType.i32);
  const op = f.local(ValType.i32);
  const rp = f.local(ValType.i32);
  const p = f.local(ValType.i32);
  const acc = f.local(ValType.v128);
  const { kernel, stride, pad } = step;
  const { h, w } = step.inShape;
  const pixelIn = input.c * F32;
  const rowIn = (input.w + 2 * input.pad) * pixelIn;
  const pixelOut = output.c * F32;
  const rowOut = (output.w + 2 * output.pad) * pixelOut;
  const pixelAdded = (residual?.c ?? 0) * F32;
  const channelBytes = step.inShape.c * F32;
  const rows = windowRuns(step.outShape.h, h, kernel, stride, pad);
  const columns = windowRuns(step.outShape.w, w, kernel, stride, pad);
  for (const row of rows) {
    for (const column of columns) {
      const taps: number[] = [];
      for (let ky = row.first; ky <= row.last; ky++) {
        for (let kx = column.first; kx <= column.last; kx++) {
          taps.push((ky - row.first) * rowIn + (kx - column.first) * pixelIn);
        }
      }
      // The window's first tap inside the input, for output (0, column.from).
      const firstIn = origin(input) +
        (row.first - pad) * rowIn +
        (column.from * stride - pad + column.first) * pixelIn;
      f.i32(row.from).set(y);
      f.loop();
      f.get(y).i32(stride * rowIn).mul().i32(firstIn).add().set(ip);
      f.get(y).i32(rowOut).mul()
        .i32(origin(output) + column.from * pixelOut).add().set(op);
      if (residual) {
        f.get(y).i32(step.outShape.w * pixelAdded).mul()
          .i32(residual.offset + column.from * pixelAdded).add().set(rp);
      }
      f.i32(column.from).set(x);
      f.loop();
      f.i32(0).set(ch);
      f.loop();
      f.get(ip).get(ch).add().set(p);
      taps.forEach((tap, t) => {
        f.get(p).v128Load(tap);
        if (t > 0) f.get(acc).f32x4Pmax();
        f.set(acc);
      });
      if (residual) {
        f.get(acc).get(rp).get(ch).add().v128Load().f32x4Add().set(acc);
      }
      f.get(op).get(ch).add().get(acc).v128Store();
      f.get(ch).i32(V128).add().tee(ch).i32(channelBytes).ltU().brIf(0);
      f.end();
      bump(f, ip, stride * pixelIn);
      bump(f, op, pixelOut);
      if (residual) bump(f, rp, pixelAdded);
      f.get(x).i32(1).add().tee(x).i32(column.to).ltU().brIf(0);
      f.end();
      f.get(y).i32(1).add().tee(y).i32(row.to).ltU().brIf(0);
      f.end();
    }
  }
  return f;
}

/** A global average pool: per channel, the mean over every pixel. */
export function averagePool(
  step: LoweredOp,
  input: Storage,
  output: Storage,
  residual: Storage | undefined,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const y = f.local(ValType.i32);
  const ch = f.local(ValType.i32);
  const p = f.local(ValType.i32);
  const end = f.local(ValType.i32);
  const acc = f.local(ValType.v128);
  const { h, w } = step.inShape;
  const pixelIn = input.c * F32;
  const channelBytes = step.inShape.c * F32;
  f.i32(0).set(ch);
  f.loop();
  f.zero().set(acc);
  f.get(ch).i32(origin(input)).add().set(p);
  f.i32(0).set(y);
  f.loop();
  f.get(p).i32(w * pixelIn).add().set(end);
  f.loop();
  f.get(acc).get(p).v128Load().f32x4Add().set(acc);
  f.get(p).i32(pixelIn).add().tee(p).get(end).ltU().brIf(0);
  f.end();
  bump(f, p, 2 * input.pad * pixelIn);
  f.get(y).i32(1).add().tee(y).i32(h).ltU().brIf(0);
  f.end();
  f.get(acc).f32x4Const(1 / (h * w)).f32x4Mul().set(acc);
  if (residual) {
    f.get(acc).get(ch).i32(residual.offset).add().v128Load().f32x4Add()
      .set(acc);
  }
  f.get(ch).i32(origin(output)).add().get(acc).v128Store();
  f.get(ch).i32(V128).add().tee(ch).i32(channelBytes).ltU().brIf(0);
  f.end();
  return f;
}

/** A map times a per-channel vector of factors (a 1×1 map). */
export function channelScale(
  step: LoweredOp,
  input: Storage,
  factors: Storage,
  output: Storage,
  residual: Storage | undefined,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const y = f.local(ValType.i32);
  const x = f.local(ValType.i32);
  const ch = f.local(ValType.i32);
  const ip = f.local(ValType.i32);
  const op = f.local(ValType.i32);
  const rp = f.local(ValType.i32);
  const acc = f.local(ValType.v128);
  const { h, w } = step.inShape;
  const pixelIn = input.c * F32;
  const pixelOut = output.c * F32;
  const pixelAdded = (residual?.c ?? 0) * F32;
  const channelBytes = step.inShape.c * F32;
  f.i32(0).set(y);
  f.loop();
  f.get(y).i32((input.w + 2 * input.pad) * pixelIn).mul().i32(origin(input))
    .add().set(ip);
  f.get(y).i32((output.w + 2 * output.pad) * pixelOut).mul()
    .i32(origin(output)).add().set(op);
  if (residual) {
    f.get(y).i32(w * pixelAdded).mul().i32(residual.offset).add().set(rp);
  }
  f.i32(0).set(x);
  f.loop();
  f.i32(0).set(ch);
  f.loop();
  f.get(ip).get(ch).add().v128Load().get(ch).v128Load(origin(factors))
    .f32x4Mul().set(acc);
  if (residual) {
    f.get(acc).get(rp).get(ch).add().v128Load().f32x4Add().set(acc);
  }
  f.get(op).get(ch).add().get(acc).v128Store();
  f.get(ch).i32(V128).add().tee(ch).i32(channelBytes).ltU().brIf(0);
  f.end();
  bump(f, ip, pixelIn);
  bump(f, op, pixelOut);
  if (residual) bump(f, rp, pixelAdded);
  f.get(x).i32(1).add().tee(x).i32(w).ltU().brIf(0);
  f.end();
  f.get(y).i32(1).add().tee(y).i32(h).ltU().brIf(0);
  f.end();
  return f;
}
