/**
 * The kernel of depthwise convolutions: per output pixel, the channels in
 * groups of up to four vectors, each tap a constant offset into the
 * zero-bordered input; and the order its weights are packed in.
 *
 * @module
 */

import { FunctionBuilder, ValType } from "./_wasm.ts";
import { F32, type LoweredConv, type Storage } from "./_compile_types.ts";
import {
  bump,
  type ConvStep,
  finish,
  origin,
  V128,
} from "./_compile_kernel.ts";

/** Channel vectors a depthwise step computes at once, for independent chains. */
const DEPTHWISE_VECTORS = 4;

/** How many channel vectors a depthwise step computes together. */
function depthwiseVectors(channels: number): number {
  return [DEPTHWISE_VECTORS, 2, 1].find((v) =>
    (channels / 4) % v === 0
  ) as number;
}

/**
 * Rearranges a depthwise layer's weights into the order its kernel reads
 * them, `[C/4/V][taps][V][4]`: per tap, V vectors of four channels, with
 * zeros for the channels that storage rounds up.
 */
export function packDepthwise(step: LoweredConv): Float32Array {
  const w = step.weight;
  const taps = step.kernel * step.kernel;
  const cout = step.outShape.c;
  const vectors = depthwiseVectors(cout);
  const out = new Float32Array(cout * taps);
  for (let c = 0; c < step.outShape.channels; c++) {
    const vector = c >> 2;
    const group = Math.floor(vector / vectors);
    for (let t = 0; t < taps; t++) {
      out[((group * taps + t) * vectors + vector % vectors) * 4 + (c & 3)] =
        w[c * taps + t];
    }
  }
  return out;
}

/**
 * A depthwise k×k convolution: per output pixel, the channels in groups of
 * four vectors, each tap a constant offset into the zero-bordered input.
 */
export function depthwise(
  step: ConvStep,
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
  const wq = f.local(ValType.i32);
  const target = f.local(ValType.i32);
  const added = f.local(ValType.i32);
  const { kernel, stride, dilation: d } = step;
  const c = step.outShape.c;
  const vectors = depthwiseVectors(c);
  const acc = Array.from({ length: vectors }, () => f.local(ValType.v128));
  const slopes = Array.from({ length: vectors }, () => f.local(ValType.v128));
  const rowPixels = input.w + 2 * input.pad;
  const shift = input.pad - step.pad;
  const taps: number[] = [];
  for (let ky = 0; ky < kernel; ky++) {
    for (let kx = 0; kx < kernel; kx++) {
      taps.push((ky * d * rowPixels + kx * d) * c * F32);
    }
  }
  const channelBytes = c * F32;
  const pixelOut = output.c * F32;
  const pixelAdded = (residual?.c ?? 0) * F32;

  f.i32(0).set(y);
  f.loop();
  f.get(y).i32(stride * rowPixels * channelBytes).mul()
    .i32(input.offset + (shift * rowPixels + shift) * channelBytes).add()
    .set(ip);
  f.get(y).i32((output.w + 2 * output.pad) * pixelOut).mul()
    .i32(origin(output)).add().set(op);
  if (residual) {
    f.get(y).i32(step.outShape.w * pixelAdded).mul().i32(residual.offset)
      .add()
      .set(rp);
  }
  f.i32(0).set(x);
  f.loop();
  f.i32(0).set(ch);
  f.loop();
  f.get(ip).get(ch).add().set(p);
  f.get(ch).i32(taps.length).mul().i32(step.weights).add().set(wq);
  acc.forEach((v, u) =>
    f.get(ch).v128Load(step.epilogue.bias + u * V128).set(v)
  );
  taps.forEach((tap, t) => {
    acc.forEach((v, u) => {
      f.get(p).v128Load(u * V128).get(wq).v128Load(u * V128).get(v)
        .f32x4RelaxedMadd().set(v);
    });
    // Pointers move per tap for the reason given in `pointwise`
    // (`_compile_product.ts`).
    bump(f, wq, vectors * V128);
    if (t + 1 < taps.length) bump(f, p, taps[t + 1] - tap);
  });
  f.get(op).get(ch).add().set(target);
  if (residual) f.get(rp).get(ch).add().set(added);
  finish(
    f,
    acc,
    ch,
    slopes,
    (u) => u,
    step.epilogue,
    (u) => ({ local: target, offset: u * V128 }),
    residual ? (u) => ({ local: added, offset: u * V128 }) : undefined,
  );
  f.get(ch).i32(vectors * V128).add().tee(ch).i32(channelBytes).ltU()
    .brIf(0);
  f.end();
  bump(f, ip, stride * channelBytes);
  bump(f, op, pixelOut);
  if (residual) bump(f, rp, pixelAdded);
  f.get(x).i32(1).add().tee(x).i32(step.outShape.w).ltU().brIf(0);
  f.end();
  f.get(y).i32(1).add().tee(y).i32(step.outShape.h).ltU().brIf(0);
  f.end();
  return f;
}
