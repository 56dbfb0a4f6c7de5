/**
 * Compiles a convolutional ONNX graph (MobileFaceNet, the RFB-320 detector,
 * the 68-point landmark net, the liveness and eye nets) into one
 * self-contained WebAssembly module
 * (fp32, 128-bit SIMD): the weights live in its data segment, every layer is
 * a function specialised to its shapes, and the activations stay in NHWC
 * order in the module's memory.
 *
 * Why: onnxruntime-web runs each Conv, activation and Add as its own kernel
 * over NCHW tensors, with generic depthwise code; fusing them into each
 * convolution and keeping channels innermost makes the embedder more than
 * twice as fast and the detector faster still (see `README.md`, Speed).
 *
 * What it accepts (anything else throws {@linkcode UnsupportedGraphError}):
 * one float input `[batch, C, H, W]`; `Conv` nodes that are pointwise,
 * depthwise (group = channels) or dense (any kernel, stride and dilation,
 * square and symmetric); `Gemm` (x · Wᵀ + b) and `MatMul` (x · W) on a
 * flattened 1×1 map. Fused into the layer before them: a scalar `Mul`,
 * `BatchNormalization`, `PRelu` or `Relu`, an `Add` of an earlier tensor, a
 * `Relu` and a `Sigmoid` after it. Steps without weights: `MaxPool`
 * (square, ceil_mode 0), `GlobalAveragePool`, and the `Mul` of a map by a
 * computed 1×1 map of its channels (a squeeze-and-excite gate), each with
 * an `Add` after it fused in. A channel `Concat` of layer outputs, and
 * `Flatten` or `Reshape` to `[batch, -1]` of a 1×1 map (a fixed target, or
 * one computed from the map's own `Shape`), cost nothing. The outputs are
 * the graph's or those asked for.
 *
 * The compiler runs in stages, each handing the next an explicit record
 * (see `_compile_types.ts`): lowering the graph to convolution steps with
 * what follows them fused in (`_compile_lower.ts`, `_compile_fuse.ts`),
 * packing their constants in the order the kernels read them
 * (`_compile_constants.ts`), planning memory (`_compile_plan.ts`), then
 * emitting the module (`_compile_emit.ts`) with one function per step from
 * the kernels (`_compile_product.ts`, `_compile_depthwise.ts`,
 * `_compile_pool.ts`).
 *
 * @module
 */

import { readGraph } from "./_onnx.ts";
import type { CompiledInterface } from "@facever/model/compiled";
import { type CompileOptions, lowerGraph } from "./_compile_lower.ts";
import { packConstants } from "./_compile_constants.ts";
import { planMemory } from "./_compile_plan.ts";
import { emitModule } from "./_compile_emit.ts";
import { isConv, type LoweredStep } from "./_compile_types.ts";

export { UnsupportedGraphError } from "./_compile_types.ts";
export type { CompileOptions };

/**
 * One compiled layer: a convolution with what was fused into it, or a
 * weightless step (a pool, a channel scale).
 */
export interface CompiledLayer {
  /** The Conv (or Gemm, MatMul, pool, Mul) node's output name in the ONNX graph. */
  readonly name: string;
  readonly kind: LoweredStep["kind"];
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly channelsIn: number;
  readonly channelsOut: number;
  /** Output height and width. */
  readonly size: readonly [number, number];
  /** Whether a PRelu node (or a Relu ahead of an Add) was fused in. */
  readonly prelu: boolean;
  /** Whether an Add node was fused in. */
  readonly residual: boolean;
  /** Whether a Relu node after the result (and the Add) was fused in. */
  readonly relu: boolean;
  /** Whether a Sigmoid node after the result was fused in. */
  readonly sigmoid: boolean;
}

/** The result of {@linkcode compileGraph}. */
export interface CompileResult {
  /** The module's bytes. */
  readonly wasm: Uint8Array;
  /** What the custom section holds. */
  readonly interface: CompiledInterface;
  /** The layers, in the order they run. */
  readonly layers: readonly CompiledLayer[];
  /** Nodes folded into others without a layer of their own, by operator. */
  readonly folded: Readonly<Record<string, number>>;
}

/**
 * Compiles an ONNX model into a WebAssembly module that computes the same
 * function for one item at a time.
 *
 * @example
 * ```ts ignore
 * import { compileGraph } from "./_compile.ts";
 * const onnx = await Deno.readFile("weights/mobilefacenet.onnx");
 * const { wasm, layers } = compileGraph(onnx);
 * console.log(wasm.length, layers.length);
 * ```
 */
export function compileGraph(
  model: Uint8Array,
  options: CompileOptions = {},
): CompileResult {
  const graph = lowerGraph(readGraph(model), options);
  const constants = packConstants(graph.steps);
  const plan = planMemory(graph, constants.bytes.length);
  const { wasm, interface: iface } = emitModule(graph, constants, plan);
  return {
    wasm,
    interface: iface,
    layers: graph.steps.map(describe),
    folded: graph.folded,
  };
}

/** What `compileModel` reports of a step. */
function describe(step: LoweredStep): CompiledLayer {
  const conv = isConv(step);
  return {
    name: step.name,
    kind: step.kind,
    kernel: step.kernel,
    stride: step.stride,
    dilation: conv ? step.dilation : 1,
    channelsIn: step.inShape.channels,
    channelsOut: step.outShape.channels,
    size: [step.outShape.h, step.outShape.w],
    prelu: conv && step.epilogue.slope !== undefined,
    residual: (conv ? step.epilogue.residual : step.residual) !== undefined,
    relu: conv && step.epilogue.relu,
    sigmoid: conv && step.epilogue.sigmoid === true,
  };
}
