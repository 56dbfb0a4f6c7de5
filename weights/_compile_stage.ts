/**
 * The module's first function: copies the NCHW input item, where the caller
 * wrote it, into the interior of its zero-bordered stage, which the first
 * convolution reads without bounds checks.
 *
 * @module
 */

import { FunctionBuilder, ValType } from "./_wasm.ts";
import { F32, type Storage } from "./_compile_types.ts";
import { bump } from "./_compile_kernel.ts";

/** Copies the NCHW input item into the interior of its zero-bordered copy. */
export function copyIntoStage(from: number, stage: Storage): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const src = f.local(ValType.i32);
  const dst = f.local(ValType.i32);
  const rowEnd = f.local(ValType.i32);
  const { c, h, w, pad } = stage;
  const rowFloats = w + 2 * pad;
  // The stage is NCHW: the border surrounds each channel plane.
  f.i32(from).set(src);
  f.i32(stage.offset + (pad * rowFloats + pad) * F32).set(dst);
  f.loop();
  f.get(src).i32(h * w * F32).add().set(rowEnd);
  f.loop();
  for (let x = 0; x + 4 <= w; x += 4) {
    f.get(dst).get(src).v128Load(x * F32).v128Store(x * F32);
  }
  for (let x = w - (w % 4); x < w; x++) {
    f.get(dst).get(src).f32Load(x * F32).f32Store(x * F32);
  }
  bump(f, src, w * F32);
  bump(f, dst, rowFloats * F32);
  f.get(src).get(rowEnd).ltU().brIf(0);
  f.end();
  bump(f, dst, 2 * pad * rowFloats * F32);
  f.get(src).i32(from + c * h * w * F32).ltU().brIf(0);
  f.end();
  return f;
}
