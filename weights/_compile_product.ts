/**
 * The kernels of the layers that are matrix products: pointwise (1×1) and
 * dense k×k convolutions, Gemm included, as blocks of 6 pixels × 8 output
 * channels of relaxed-SIMD multiply-adds; and the order their weights are
 * packed in.
 *
 * @module
 */

import { FunctionBuilder, ValType } from "./_wasm.ts";
import {
  BLOCK_CHANNELS,
  F32,
  type LoweredConv,
  type Storage,
} from "./_compile_types.ts";
import {
  bump,
  type ConvStep,
  finish,
  origin,
  V128,
} from "./_compile_kernel.ts";

/**
 * Pixels per matrix-product block: 6 × 8 channels of accumulators, two
 * weight vectors and an input splat fill the 15 vector registers V8 gives
 * wasm on x64.
 */
const BLOCK_PIXELS = 6;
/** Inner-loop unrolling, largest first: the first that divides the loop count. */
const UNROLL = [16, 8, 4, 2, 1];

/**
 * Rearranges a pointwise or dense layer's weights into the order its kernel
 * reads them, `[Cout/8][K][8]`: per input element, two vectors of eight
 * outputs, with zeros for the channels that storage rounds up. The element
 * order is the kernel's: stored input channels for pointwise (zero for the
 * rounded-up ones), (channel, tap) as ONNX has it on the NCHW graph input,
 * (tap, channel) on NHWC maps.
 */
export function packProduct(step: LoweredConv): Float32Array {
  const w = step.weight;
  const taps = step.kernel * step.kernel;
  const cin = step.inShape.channels;
  const cout = step.outShape.channels;
  const perOut = w.length / cout;
  const k = step.kind === "pointwise" ? step.inShape.c : perOut;
  const source = step.kind === "pointwise"
    ? (i: number) => i < cin ? i : -1
    : step.onInput
    ? (i: number) => i
    : (i: number) => (i % cin) * taps + Math.floor(i / cin);
  const out = new Float32Array(step.outShape.c * k);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < k; i++) {
      const from = source(i);
      if (from < 0) continue;
      out[
        (Math.floor(o / BLOCK_CHANNELS) * k + i) * BLOCK_CHANNELS +
        o % BLOCK_CHANNELS
      ] = w[o * perOut + from];
    }
  }
  return out;
}

/** The locals of one block of output channels over `count` pixels. */
interface BlockLocals {
  /** Accumulators: two vectors (8 channels) per pixel. */
  readonly acc: readonly number[];
  readonly count: number;
  /** The two weight vectors of the current input channel or tap. */
  readonly b: readonly number[];
  readonly splat: number;
  /** Address of the current weights. */
  readonly wp: number;
}

/**
 * Adds one input value per pixel times the block's 8 weights to the
 * accumulators: the inner step of every dense and pointwise convolution.
 * Pixel `p`'s input value sits at `input + p * pixelBytes`.
 */
function accumulateBlock(
  f: FunctionBuilder,
  { acc, count, b, splat, wp }: BlockLocals,
  input: number,
  pixelBytes: number,
): void {
  b.forEach((v, j) => f.get(wp).v128Load(j * V128).set(v));
  for (let p = 0; p < count; p++) {
    f.get(input).load32Splat(p * pixelBytes).set(splat);
    b.forEach((v, j) => {
      const sum = acc[p * 2 + j];
      f.get(splat).get(v).get(sum).f32x4RelaxedMadd().set(sum);
    });
  }
}

/**
 * How one matrix-product layer reads its input and multiplies: the part
 * that differs between pointwise and dense layers.
 */
interface ProductKernel {
  /**
   * Whether the input pixels of consecutive output rows follow each other,
   * so that an unpadded output can run as one long row.
   */
  readonly flat: boolean;
  /**
   * Pushes the address of the first input pixel of the output row in local
   * `row`, rows being `width` pixels long.
   */
  readonly rowStart: (row: number, width: number) => void;
  /** Bytes from one input pixel to the next in a row. */
  readonly pixelBytes: number;
  /**
   * Emits one block: `count` pixels from the address in local `a`, output
   * channels from the byte offset in local `col` (32 per block), leaving
   * conv + bias in `acc` (two vectors per pixel).
   */
  readonly block: (
    acc: readonly number[],
    count: number,
    a: number,
    col: number,
  ) => void;
}

/**
 * The loops shared by every layer that is a matrix product: output rows,
 * then blocks of pixels along a row, then blocks of 8 output channels.
 *
 * Why pixels outside channels: one block of input pixels then stays in L1
 * while every output channel is computed from it, and each output line is
 * written while it is in cache, instead of once per channel block.
 */
function matrixProduct(
  f: FunctionBuilder,
  step: ConvStep,
  output: Storage,
  residual: Storage | undefined,
  kernel: ProductKernel,
): FunctionBuilder {
  const row = f.local(ValType.i32);
  const col = f.local(ValType.i32);
  const a = f.local(ValType.i32);
  const o = f.local(ValType.i32);
  const r = f.local(ValType.i32);
  const target = f.local(ValType.i32);
  const added = f.local(ValType.i32);
  const acc = Array.from(
    { length: BLOCK_PIXELS * 2 },
    () => f.local(ValType.v128),
  );
  const slopes = [f.local(ValType.v128), f.local(ValType.v128)];
  const cout = step.outShape.c;
  // An unpadded output is one long row where the input allows; a padded one
  // goes row by row.
  const long = kernel.flat && output.pad === 0;
  const rows = long ? 1 : step.outShape.h;
  const width = long ? step.outShape.h * step.outShape.w : step.outShape.w;
  const full = Math.floor(width / BLOCK_PIXELS);
  const tail = width % BLOCK_PIXELS;
  const pixelOut = output.c * F32;
  const pixelAdded = (residual?.c ?? 0) * F32;
  const lane = (pixel: number) => (i: number) =>
    (i >> 1) * pixel + (i % 2) * V128;

  const blocks = (count: number) => {
    const used = acc.slice(0, count * 2);
    f.i32(0).set(col);
    f.loop();
    kernel.block(used, count, a, col);
    f.get(o).get(col).add().set(target);
    if (residual) f.get(r).get(col).add().set(added);
    finish(
      f,
      used,
      col,
      slopes,
      (i) => i % 2,
      step.epilogue,
      (i) => ({ local: target, offset: lane(pixelOut)(i) }),
      residual
        ? (i) => ({ local: added, offset: lane(pixelAdded)(i) })
        : undefined,
    );
    f.get(col).i32(BLOCK_CHANNELS * F32).add().tee(col).i32(cout * F32).ltU()
      .brIf(0);
    f.end();
    bump(f, a, count * kernel.pixelBytes);
    bump(f, o, count * pixelOut);
    if (residual) bump(f, r, count * pixelAdded);
  };

  f.i32(0).set(row);
  f.loop();
  kernel.rowStart(row, width);
  f.set(a);
  f.get(row).i32((output.w + 2 * output.pad) * pixelOut).mul()
    .i32(origin(output)).add().set(o);
  if (residual) {
    // The residual is unpadded: its rows are `width` pixels apart.
    f.get(row).i32(width * pixelAdded).mul().i32(residual.offset).add()
      .set(r);
  }
  if (full > 0) {
    const stop = f.local(ValType.i32);
    f.get(a).i32(full * BLOCK_PIXELS * kernel.pixelBytes).add().set(stop);
    f.loop();
    blocks(BLOCK_PIXELS);
    f.get(a).get(stop).ltU().brIf(0);
    f.end();
  }
  if (tail > 0) blocks(tail);
  f.get(row).i32(1).add().tee(row).i32(rows).ltU().brIf(0);
  f.end();
  return f;
}

/** Loads the bias of the block's 8 channels into `acc`, two vectors per pixel. */
function loadBias(
  f: FunctionBuilder,
  acc: readonly number[],
  col: number,
  bias: number,
): void {
  acc.forEach((v, i) => f.get(col).v128Load(bias + (i % 2) * V128).set(v));
}

/**
 * A float 1×1 convolution: blocks of 6 pixels × 8 output channels, the
 * input channels in an unrolled loop of splat × weight multiply-adds.
 */
export function pointwise(
  step: ConvStep,
  input: Storage,
  output: Storage,
  residual: Storage | undefined,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const wp = f.local(ValType.i32);
  const ap = f.local(ValType.i32);
  const b = [f.local(ValType.v128), f.local(ValType.v128)];
  const splat = f.local(ValType.v128);
  const cin = input.c;
  const unroll = UNROLL.find((u) => cin % u === 0) as number;
  const rowPixels = input.w + 2 * input.pad;
  return matrixProduct(f, step, output, residual, {
    flat: input.pad === 0,
    pixelBytes: cin * F32,
    rowStart: (row, width) => {
      // Rows are as wide as the output's, plus the input's border.
      f.get(row).i32((input.pad === 0 ? width : rowPixels) * cin * F32).mul()
        .i32(origin(input)).add();
    },
    block: (acc, count, a, col) => {
      loadBias(f, acc, col, step.epilogue.bias);
      f.get(col).i32(cin).mul().i32(step.weights).add().set(wp);
      f.get(a).set(ap);
      f.loop();
      for (let k = 0; k < unroll; k++) {
        accumulateBlock(f, { acc, count, b, splat, wp }, ap, cin * F32);
        // Moving the pointers every step, rather than a distinct offset
        // per step, keeps V8 from hoisting one address per offset out of
        // the loop and spilling them.
        bump(f, wp, BLOCK_CHANNELS * F32);
        bump(f, ap, F32);
      }
      f.get(ap).get(a).i32(cin * F32).add().ltU().brIf(0);
      f.end();
    },
  });
}

/**
 * A dense k×k convolution, on the zero-bordered NCHW graph input or on an
 * NHWC map: the blocks of {@linkcode pointwise}, each (channel, tap) a
 * constant offset into the input.
 */
export function dense(
  step: ConvStep,
  input: Storage,
  output: Storage,
  residual: Storage | undefined,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const wp = f.local(ValType.i32);
  const tp = f.local(ValType.i32);
  const b = [f.local(ValType.v128), f.local(ValType.v128)];
  const splat = f.local(ValType.v128);
  const { kernel, stride, dilation: d } = step;
  const rowPixels = input.w + 2 * input.pad;
  const shift = input.pad - step.pad;
  const taps: number[] = [];
  // The NCHW input has one plane per channel; an NHWC map interleaves them.
  const nchw = step.onInput;
  const pixel = nchw ? F32 : input.c * F32;
  const plane = (input.h + 2 * input.pad) * rowPixels * F32;
  const tapOffset = (ky: number, kx: number) =>
    (ky * d * rowPixels + kx * d) * pixel;
  const channels = step.inShape.channels;
  if (nchw) {
    for (let c = 0; c < channels; c++) {
      for (let ky = 0; ky < kernel; ky++) {
        for (let kx = 0; kx < kernel; kx++) {
          taps.push(c * plane + tapOffset(ky, kx));
        }
      }
    }
  } else {
    for (let ky = 0; ky < kernel; ky++) {
      for (let kx = 0; kx < kernel; kx++) {
        for (let c = 0; c < channels; c++) {
          taps.push(tapOffset(ky, kx) + c * F32);
        }
      }
    }
  }
  return matrixProduct(f, step, output, residual, {
    flat: false,
    pixelBytes: stride * pixel,
    rowStart: (row) => {
      f.get(row).i32(stride * rowPixels * pixel).mul()
        .i32(input.offset + (shift * rowPixels + shift) * pixel).add();
    },
    block: (acc, count, a, col) => {
      loadBias(f, acc, col, step.epilogue.bias);
      f.get(col).i32(taps.length).mul().i32(step.weights).add().set(wp);
      f.get(a).set(tp);
      taps.forEach((tap, k) => {
        accumulateBlock(f, { acc, count, b, splat, wp }, tp, stride * pixel);
        bump(f, wp, BLOCK_CHANNELS * F32);
        if (k + 1 < taps.length) bump(f, tp, taps[k + 1] - tap);
      });
    },
  });
}
