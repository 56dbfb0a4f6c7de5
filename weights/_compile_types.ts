/**
 * The records the compiler's stages pass to each other: the lowered graph
 * (lowering → constants, memory plan and emission), where each tensor is
 * stored (memory plan → emission), the sizes they agree on, and the error
 * any stage throws on a graph it cannot compile.
 *
 * @module
 */

/** The graph uses something the compiler does not handle. */
export class UnsupportedGraphError extends Error {
  /** Creates the error; `message` names the node and what is unsupported. */
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedGraphError";
  }
}

/** Throws {@linkcode UnsupportedGraphError}. */
export function unsupported(message: string): never {
  throw new UnsupportedGraphError(message);
}

export const F32 = 4;
/** Alignment of every buffer and constant in the module's memory. */
export const ALIGN = 64;
/**
 * Output channels per matrix-product block: two 4-lane vectors. Outputs of
 * pointwise and dense layers are stored with their channels rounded up to it.
 */
export const BLOCK_CHANNELS = 8;

export const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * A computed tensor's size. `c` is the stored channel count, rounded up
 * where a layer's blocks need it; `channels` is the graph's.
 */
export interface Shape {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly channels: number;
}

/** A convolution: the tensors it reads and writes and how it slides. */
export interface Conv {
  readonly kind: "pointwise" | "depthwise" | "dense";
  /** The Conv (or Gemm) node's output name in the ONNX graph. */
  readonly name: string;
  readonly input: string;
  /** The tensor written: the last fused node's output. */
  readonly output: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation: number;
  /** Whether the input is the graph input, stored NCHW. */
  readonly onInput: boolean;
}

/** What a step's epilogue is made of, before its constants are placed. */
export interface EpilogueSource {
  /** One per stored output channel. */
  readonly bias: Float32Array;
  /** PReLU slope per stored output channel, if activated. */
  readonly slope?: Float32Array;
  /** The tensor added to the result (same shape, unpadded), if any. */
  readonly residual?: string;
  /** Whether the result (after the residual) goes through a ReLU. */
  readonly relu: boolean;
  /** Whether the result goes through a logistic sigmoid, last. */
  readonly sigmoid?: boolean;
}

/** A convolution with what was fused into it, as lowering leaves it. */
export interface LoweredConv extends Conv {
  /**
   * Weights in ONNX order, `[cout, cin / group, k, k]`, with any scale or
   * BatchNormalization after the layer folded in.
   */
  readonly weight: Float32Array;
  readonly epilogue: EpilogueSource;
}

/**
 * A step without weights: a max or global average pool, or the product of
 * a map with a per-channel vector computed from it (a squeeze-and-excite
 * gate), each with an optional residual Add fused in.
 */
export interface LoweredOp {
  readonly kind: "maxpool" | "average" | "scale";
  /** The node's output name in the ONNX graph. */
  readonly name: string;
  readonly input: string;
  /** The tensor written: the last fused node's output. */
  readonly output: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** The max pool's window, stride and padding; 1, 1 and 0 otherwise. */
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  /** For `scale`: the 1×1 map of factors, one per channel. */
  readonly factors?: string;
  /** The tensor added to the result (same shape, unpadded), if any. */
  readonly residual?: string;
}

/** One step of the compiled graph: a convolution or a weightless op. */
export type LoweredStep = LoweredConv | LoweredOp;

/** Whether a step is a convolution (pointwise, depthwise or dense). */
export function isConv(step: LoweredStep): step is LoweredConv {
  return step.kind === "pointwise" || step.kind === "depthwise" ||
    step.kind === "dense";
}

/**
 * The tensors a step reads: its input, the factors of a `scale` and the
 * residual of either kind.
 */
export function readsOf(step: LoweredStep): string[] {
  const residual = isConv(step) ? step.epilogue.residual : step.residual;
  return [
    step.input,
    ...(!isConv(step) && step.factors ? [step.factors] : []),
    ...(residual ? [residual] : []),
  ];
}

/** The residual a step adds, if any. */
export function residualOf(step: LoweredStep): string | undefined {
  return isConv(step) ? step.epilogue.residual : step.residual;
}

/**
 * The zero border a step needs around its input: a convolution's padding;
 * none for the ops, the max pool keeping to the input's own pixels.
 */
export function borderOf(step: LoweredStep): number {
  return isConv(step) ? step.pad : 0;
}

/** A member of a channel Concat, stored as a view into the concatenation. */
export interface View {
  /** The concatenation's tensor. */
  readonly concat: string;
  /** The concatenation's shape. */
  readonly shape: Shape;
  /** The concatenation's channel where this member starts. */
  readonly channel: number;
}

/** A tensor the module outputs. */
export interface OutputTensor {
  /** The name asked for. */
  readonly name: string;
  /** The computed tensor it names (a flattened 1×1 map is the map). */
  readonly tensor: string;
  readonly shape: Shape;
  /** Its dimensions without the batch, if the graph declares it an output. */
  readonly declared?: readonly (number | string | null)[];
}

/** The result of lowering: what the rest of the compiler needs of the graph. */
export interface LoweredGraph {
  /** The graph input, at the size compiled for. */
  readonly input: { readonly name: string; readonly shape: Shape };
  /** The layers, in the order they run. */
  readonly steps: readonly LoweredStep[];
  /** Concat members, by tensor. */
  readonly views: ReadonlyMap<string, View>;
  readonly outputs: readonly OutputTensor[];
  /** Nodes folded into others without a layer of their own, by operator. */
  readonly folded: Readonly<Record<string, number>>;
}

/**
 * How a tensor is stored: NHWC with `pad` zero pixels around it, `c` floats
 * per pixel. A tensor that is part of a channel Concat is a view into the
 * concatenation: its `offset` is moved by its first channel and `c` is the
 * concatenation's.
 */
export interface Storage {
  readonly offset: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly pad: number;
}
