/**
 * Compiles a convolutional ONNX graph of the MobileFaceNet kind into one
 * self-contained WebAssembly module (fp32, 128-bit SIMD): the weights live in
 * its data segment, every layer is a function specialised to its shapes, and
 * the activations stay in NHWC order in the module's memory.
 *
 * Why: onnxruntime-web runs each Conv, PRelu and Add as its own kernel over
 * NCHW tensors, with generic depthwise code; fusing the bias, PReLU and
 * residual add into each convolution and keeping channels innermost makes the
 * embedder more than twice as fast (see `README.md`, Speed).
 *
 * What it accepts (anything else throws {@linkcode UnsupportedGraphError}):
 * one float input `[batch, C, H, W]`; `Conv` nodes that are either pointwise
 * (1×1, stride 1, no padding, group 1), depthwise (group = channels) or, on
 * the graph input only, dense; each optionally followed by a `PRelu` with
 * per-channel slopes and then an `Add` of an earlier tensor; and a final
 * `Reshape` to `[batch, -1]` of a 1×1 map.
 *
 * @module
 */

import { type GraphNode, type Initializer, readGraph } from "./_onnx.ts";
import { encodeModule, FunctionBuilder, ValType } from "./_wasm.ts";
import {
  type CompiledInterface,
  INTERFACE_SECTION,
} from "../packages/model/_compiled_interface.ts";

/** The graph uses something the compiler does not handle. */
export class UnsupportedGraphError extends Error {
  /** Creates the error; `message` names the node and what is unsupported. */
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedGraphError";
  }
}

/** One compiled layer: a convolution with what was fused into it. */
export interface CompiledLayer {
  /** The Conv node's output name in the ONNX graph. */
  readonly name: string;
  readonly kind: "pointwise" | "depthwise" | "dense";
  readonly kernel: number;
  readonly stride: number;
  readonly channelsIn: number;
  readonly channelsOut: number;
  /** Output height and width. */
  readonly size: readonly [number, number];
  /** Whether a PRelu node was fused in. */
  readonly prelu: boolean;
  /** Whether an Add node was fused in. */
  readonly residual: boolean;
}

/** The result of {@linkcode compileGraph}. */
export interface CompileResult {
  /** The module's bytes. */
  readonly wasm: Uint8Array;
  /** What the custom section holds. */
  readonly interface: CompiledInterface;
  /** The layers, in the order they run. */
  readonly layers: readonly CompiledLayer[];
  /** Whether the final Reshape was folded into the output. */
  readonly reshapeFolded: boolean;
}

/**
 * Pixels per matrix-product block: 6 × 8 channels of accumulators, two
 * weight vectors and an input splat fill the 15 vector registers V8 gives
 * wasm on x64.
 */
const BLOCK_PIXELS = 6;
/** Inner-loop unrolling, largest first: the first that divides the loop count. */
const UNROLL = [16, 8, 4, 2, 1];
/** Output channels per pointwise block: two 4-lane vectors. */
const BLOCK_CHANNELS = 8;
/** Channel vectors a depthwise step computes at once, for independent chains. */
const DEPTHWISE_VECTORS = 4;
const F32 = 4;
const V128 = 16;
const ALIGN = 64;

/** How a tensor is stored: NHWC with `pad` zero pixels around it. */
interface Storage {
  readonly offset: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly pad: number;
}

interface Shape {
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

interface Epilogue {
  /** Byte offset of the bias, one float per output channel. */
  readonly bias: number;
  /** Byte offset of PReLU slope − 1 per output channel, if activated. */
  readonly slopeMinusOne?: number;
  /** The tensor added to the result (same shape, unpadded), if any. */
  readonly residual?: string;
}

interface ConvStep {
  readonly kind: "pointwise" | "depthwise" | "dense";
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  /** Byte offset of the packed weights. */
  readonly weights: number;
  readonly epilogue: Epilogue;
}

/** Collects the packed constants that become the data segment. */
class ConstantPool {
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;
  readonly base: number;

  constructor(base: number) {
    this.base = base;
  }

  /** Appends float32 values and returns their byte offset, 64-byte aligned. */
  floats(values: Float32Array): number {
    const bytes = new Uint8Array(values.length * F32);
    // Little-endian whatever the host, as wasm memory is.
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setFloat32(i * F32, value, true));
    return this.#add(bytes);
  }

  get byteLength(): number {
    return this.#bytes;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  #add(bytes: Uint8Array): number {
    const offset = this.base + this.#bytes;
    const padded = new Uint8Array(align(bytes.length));
    padded.set(bytes);
    this.#parts.push(padded);
    this.#bytes += padded.length;
    return offset;
  }
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

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
export function compileGraph(model: Uint8Array): CompileResult {
  const graph = readGraph(model);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new UnsupportedGraphError(
      `expected one input and one output, got ${graph.inputs.length} and ${graph.outputs.length}`,
    );
  }
  const [inputValue] = graph.inputs;
  const [outputValue] = graph.outputs;
  const [, c0, h0, w0] = inputValue.shape;
  if (
    inputValue.elemType !== 1 || inputValue.shape.length !== 4 ||
    typeof c0 !== "number" || typeof h0 !== "number" || typeof w0 !== "number"
  ) {
    throw new UnsupportedGraphError(
      `input ${inputValue.name} must be float32 [batch, C, H, W] with fixed C, H and W`,
    );
  }
  const inputShape: Shape = { c: c0, h: h0, w: w0 };

  const consumers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const name of node.inputs) {
      if (!consumers.has(name)) consumers.set(name, []);
      consumers.get(name)?.push(node);
    }
  }
  const soleConsumer = (name: string, op: string) => {
    const users = consumers.get(name) ?? [];
    return users.length === 1 && users[0].op === op && users[0].domain === ""
      ? users[0]
      : undefined;
  };

  // Memory: input item, padded copy of it, output item, then constants,
  // then activations.
  const inputOffset = ALIGN;
  const inputBytes = c0 * h0 * w0 * F32;

  const shapes = new Map<string, Shape>([[inputValue.name, inputShape]]);
  const pending: Omit<ConvStep, "weights" | "epilogue">[] = [];
  const fused = new Set<GraphNode>();
  const epilogueSources: {
    bias?: Float32Array;
    slope?: Float32Array;
    residual?: string;
  }[] = [];
  const weightsOf: Initializer[] = [];
  let finalTensor: string | undefined;
  let reshapeFolded = false;

  for (const node of graph.nodes) {
    if (fused.has(node)) continue;
    const where = `node ${node.op} -> ${node.outputs.join(", ")}`;
    if (node.op !== "Conv" || node.domain !== "") {
      throw new UnsupportedGraphError(`${where}: not a fusable Conv chain`);
    }
    const [x, weightName, biasName] = node.inputs;
    const inShape = shapes.get(x);
    const weight = initializer(graph.initializers, weightName, where);
    const bias = biasName
      ? initializer(graph.initializers, biasName, where)
      : undefined;
    if (!inShape) {
      throw new UnsupportedGraphError(`${where}: input ${x} is not computed`);
    }
    const conv = convGeometry(node, weight, inShape, where);
    // The graph input stays NCHW (as given); only the dense kernel reads it.
    const onInput = x === inputValue.name;
    const kind: ConvStep["kind"] = conv.group !== 1
      ? (conv.group === inShape.c && conv.group === conv.cout && !onInput
        ? "depthwise"
        : unsupported(`${where}: grouped convolution with group ${conv.group}`))
      : onInput
      ? "dense"
      : conv.kernel === 1 && conv.stride === 1 && conv.pad === 0
      ? "pointwise"
      : unsupported(
        `${where}: a dense ${conv.kernel}x${conv.kernel} convolution is only compiled on the graph input`,
      );
    if (kind !== "depthwise" && conv.cout % BLOCK_CHANNELS !== 0) {
      unsupported(
        `${where}: ${conv.cout} output channels, not a multiple of ${BLOCK_CHANNELS}`,
      );
    }
    if (kind === "depthwise" && conv.cout % 4 !== 0) {
      unsupported(`${where}: ${conv.cout} channels, not a multiple of 4`);
    }
    const outShape: Shape = {
      c: conv.cout,
      h: Math.floor((inShape.h + 2 * conv.pad - conv.kernel) / conv.stride) +
        1,
      w: Math.floor((inShape.w + 2 * conv.pad - conv.kernel) / conv.stride) +
        1,
    };
    let output = node.outputs[0];
    let slope: Float32Array | undefined;
    const prelu = soleConsumer(output, "PRelu");
    if (prelu) {
      slope = perChannel(graph.initializers, prelu.inputs[1], conv.cout, where);
      fused.add(prelu);
      output = prelu.outputs[0];
    }
    let residual: string | undefined;
    const add = soleConsumer(output, "Add");
    if (add) {
      const other = add.inputs[0] === output ? add.inputs[1] : add.inputs[0];
      const otherShape = shapes.get(other);
      if (
        otherShape && otherShape.c === outShape.c &&
        otherShape.h === outShape.h && otherShape.w === outShape.w
      ) {
        residual = other;
        fused.add(add);
        output = add.outputs[0];
      }
    }
    const reshape = soleConsumer(output, "Reshape");
    if (reshape && reshape.outputs[0] === outputValue.name) {
      const target = graph.initializers.get(reshape.inputs[1])?.data;
      const flat = target instanceof BigInt64Array && target.length === 2 &&
        (target[0] === 0n || target[0] === 1n) && target[1] === -1n;
      if (!flat || outShape.h !== 1 || outShape.w !== 1) {
        unsupported(
          `${where}: the final Reshape must flatten a 1x1 map to [batch, -1]`,
        );
      }
      fused.add(reshape);
      output = reshape.outputs[0];
      reshapeFolded = true;
    }
    shapes.set(output, outShape);
    pending.push({
      kind,
      name: node.outputs[0],
      input: x,
      output,
      inShape,
      outShape,
      kernel: conv.kernel,
      stride: conv.stride,
      pad: conv.pad,
    });
    epilogueSources.push({ bias: bias?.data as Float32Array, slope, residual });
    weightsOf.push(weight);
    if (output === outputValue.name) finalTensor = output;
  }
  if (!finalTensor) {
    throw new UnsupportedGraphError(
      `output ${outputValue.name} is not produced by a compiled Conv chain`,
    );
  }
  const outputShape = shapes.get(finalTensor) as Shape;
  // NHWC and NCHW agree only when there is a single pixel.
  const outputDims = outputValue.shape.slice(1);
  if (
    outputShape.h !== 1 || outputShape.w !== 1 ||
    outputDims.some((dim) => typeof dim !== "number") ||
    (outputDims as number[]).reduce((n, dim) => n * dim, 1) !== outputShape.c
  ) {
    unsupported(
      `output ${outputValue.name} must be a 1x1 map or its flattening, got [${outputValue.shape}]`,
    );
  }

  // Padding each tensor needs: the largest pad of the convolutions reading
  // it. Pointwise readers need it unpadded.
  const pads = new Map<string, number>();
  for (const step of pending) {
    const need = step.kind === "pointwise" ? 0 : step.pad;
    const had = pads.get(step.input);
    if (had !== undefined && (had === 0) !== (need === 0)) {
      unsupported(
        `tensor ${step.input} is read by both pointwise and padded convolutions`,
      );
    }
    pads.set(step.input, Math.max(had ?? 0, need));
  }
  for (const step of pending) {
    const residual = epilogueSources[pending.indexOf(step)].residual;
    if (residual && (pads.get(residual) ?? 0) !== 0) {
      unsupported(
        `residual ${residual} of ${step.name} is also read by a padded convolution`,
      );
    }
  }

  const stagePad = pads.get(inputValue.name) ?? 0;
  const stageOffset = align(inputOffset + inputBytes);
  const stageBytes = c0 * (h0 + 2 * stagePad) * (w0 + 2 * stagePad) * F32;
  const outputOffset = align(stageOffset + stageBytes);
  const outputBytes = outputShape.c * F32;
  const constants = new ConstantPool(align(outputOffset + outputBytes));
  const steps: ConvStep[] = pending.map((step, i) => {
    const source = epilogueSources[i];
    const biasValues = source.bias ?? new Float32Array(step.outShape.c);
    return {
      ...step,
      weights: constants.floats(
        pack(step.kind, weightsOf[i], step.outShape.c),
      ),
      epilogue: {
        bias: constants.floats(biasValues),
        slopeMinusOne: source.slope
          ? constants.floats(source.slope.map((s) => Math.fround(s - 1)))
          : undefined,
        residual: source.residual,
      },
    };
  });

  const storage = planActivations(
    steps,
    pads,
    align(constants.base + constants.byteLength),
  );
  storage.set(inputValue.name, {
    offset: stageOffset,
    ...inputShape,
    pad: stagePad,
  });
  storage.set(finalTensor, { offset: outputOffset, ...outputShape, pad: 0 });
  const end = Math.max(
    ...[...storage.values()].map((s) =>
      s.offset + (s.h + 2 * s.pad) * (s.w + 2 * s.pad) * s.c * F32
    ),
  );

  const functions: FunctionBuilder[] = [
    copyIntoStage(inputOffset, storage.get(inputValue.name) as Storage),
  ];
  const layers: CompiledLayer[] = [];
  for (const step of steps) {
    const input = storage.get(step.input) as Storage;
    const output = storage.get(step.output) as Storage;
    const residual = step.epilogue.residual
      ? storage.get(step.epilogue.residual)
      : undefined;
    functions.push(
      step.kind === "pointwise"
        ? pointwise(step, input, output, residual)
        : step.kind === "depthwise"
        ? depthwise(step, input, output, residual)
        : dense(step, input, output),
    );
    layers.push({
      name: step.name,
      kind: step.kind,
      kernel: step.kernel,
      stride: step.stride,
      channelsIn: step.inShape.c,
      channelsOut: step.outShape.c,
      size: [step.outShape.h, step.outShape.w],
      prelu: step.epilogue.slopeMinusOne !== undefined,
      residual: residual !== undefined,
    });
  }
  const run = new FunctionBuilder([], []);
  functions.forEach((_, index) => run.call(index));
  functions.push(run);

  const iface: CompiledInterface = {
    input: {
      name: inputValue.name,
      dims: [c0, h0, w0],
      offset: inputOffset,
    },
    output: {
      name: outputValue.name,
      dims: outputDims as number[],
      offset: outputOffset,
    },
  };
  const wasm = encodeModule({
    functions,
    exports: [{ name: "run", index: functions.length - 1 }],
    memoryPages: Math.ceil(end / 65536),
    data: [{ offset: constants.base, bytes: constants.bytes() }],
    custom: [{
      name: INTERFACE_SECTION,
      bytes: new TextEncoder().encode(JSON.stringify(iface)),
    }],
  });
  return { wasm, interface: iface, layers, reshapeFolded };
}

function unsupported(message: string): never {
  throw new UnsupportedGraphError(message);
}

function initializer(
  initializers: ReadonlyMap<string, Initializer>,
  name: string,
  where: string,
): Initializer {
  const found = initializers.get(name);
  if (!found || !(found.data instanceof Float32Array)) {
    unsupported(`${where}: ${name} is not a float32 initializer`);
  }
  return found;
}

function perChannel(
  initializers: ReadonlyMap<string, Initializer>,
  name: string,
  channels: number,
  where: string,
): Float32Array {
  const { data } = initializer(initializers, name, where);
  const values = data as Float32Array;
  if (values.length === channels) return values;
  if (values.length === 1) return new Float32Array(channels).fill(values[0]);
  return unsupported(
    `${where}: PRelu slope ${name} has ${values.length} values for ${channels} channels`,
  );
}

function convGeometry(
  node: GraphNode,
  weight: Initializer,
  input: Shape,
  where: string,
): {
  cout: number;
  group: number;
  kernel: number;
  stride: number;
  pad: number;
} {
  const list = (key: string, fallback: number[]) => {
    const value = node.attributes[key] ?? fallback;
    return typeof value === "number" ? [value] : value;
  };
  const [cout, perGroup, kh, kw] = weight.dims;
  const group = node.attributes.group ?? 1;
  const strides = list("strides", [1, 1]);
  const pads = list("pads", [0, 0, 0, 0]);
  const dilations = list("dilations", [1, 1]);
  const same = (values: readonly number[]) =>
    values.every((v) => v === values[0]);
  if (
    weight.dims.length !== 4 || kh !== kw || typeof group !== "number" ||
    perGroup * group !== input.c || !same(strides) || !same(pads) ||
    dilations.some((d) => d !== 1) || node.attributes.auto_pad !== undefined
  ) {
    unsupported(
      `${where}: only square kernels, equal strides and pads, no dilation and matching channels are compiled`,
    );
  }
  return { cout, group, kernel: kh, stride: strides[0], pad: pads[0] };
}

/** How many channel vectors a depthwise step computes together. */
function depthwiseVectors(channels: number): number {
  return [DEPTHWISE_VECTORS, 2, 1].find((v) =>
    (channels / 4) % v === 0
  ) as number;
}

/** Rearranges a weight tensor into the order its kernel reads it. */
function pack(
  kind: ConvStep["kind"],
  weight: Initializer,
  cout: number,
): Float32Array {
  const w = weight.data as Float32Array;
  const k = w.length / cout;
  const out = new Float32Array(w.length);
  if (kind === "depthwise") {
    // [C/4/V][taps][V][4]: per tap, V vectors of four channels.
    const vectors = depthwiseVectors(cout);
    for (let c = 0; c < cout; c++) {
      const vector = c >> 2;
      const group = Math.floor(vector / vectors);
      for (let t = 0; t < k; t++) {
        out[((group * k + t) * vectors + vector % vectors) * 4 + (c & 3)] =
          w[c * k + t];
      }
    }
  } else {
    // [Cout/8][K][8]: per input element, two vectors of eight outputs.
    for (let o = 0; o < cout; o++) {
      for (let i = 0; i < k; i++) {
        out[
          (Math.floor(o / BLOCK_CHANNELS) * k + i) * BLOCK_CHANNELS +
          o % BLOCK_CHANNELS
        ] = w[o * k + i];
      }
    }
  }
  return out;
}

/**
 * Gives every computed tensor a place in memory, reusing the place of a
 * tensor no longer needed when the layout is the same. Padded places are
 * reused only by tensors of the same shape, so their zero border is never
 * overwritten.
 */
function planActivations(
  steps: readonly ConvStep[],
  pads: ReadonlyMap<string, number>,
  base: number,
): Map<string, Storage> {
  const lastUse = new Map<string, number>();
  steps.forEach((step, i) => {
    lastUse.set(step.input, i);
    if (step.epilogue.residual) lastUse.set(step.epilogue.residual, i);
  });
  const storage = new Map<string, Storage>();
  const free = new Map<string, number[]>();
  const keyOf = (s: Omit<Storage, "offset">) =>
    s.pad > 0 ? `${s.h}x${s.w}x${s.c}+${s.pad}` : `${s.h * s.w * s.c}`;
  const release = (name: string) => {
    const s = storage.get(name);
    if (!s) return;
    const key = keyOf(s);
    if (!free.has(key)) free.set(key, []);
    free.get(key)?.push(s.offset);
  };
  let next = base;
  steps.forEach((step, i) => {
    const residual = step.epilogue.residual;
    // The residual is read and written at the same index, so the output may
    // take its place; the convolution's own input may not.
    if (residual && residual !== step.input && lastUse.get(residual) === i) {
      release(residual);
    }
    const layout = { ...step.outShape, pad: pads.get(step.output) ?? 0 };
    const reuse = free.get(keyOf(layout))?.pop();
    const offset = reuse ?? next;
    if (reuse === undefined) {
      next = align(
        next + (layout.h + 2 * layout.pad) * (layout.w + 2 * layout.pad) *
            layout.c * F32,
      );
    }
    storage.set(step.output, { offset, ...layout });
    if (lastUse.get(step.input) === i) release(step.input);
  });
  return storage;
}

/** Byte offset of the first pixel inside a stored tensor's border. */
function origin(s: Storage): number {
  return s.offset + (s.pad * (s.w + 2 * s.pad) + s.pad) * s.c * F32;
}

/** Copies the NCHW input item into the interior of its zero-bordered copy. */
function copyIntoStage(from: number, stage: Storage): FunctionBuilder {
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

/** Adds `count` to local `index`. */
function bump(f: FunctionBuilder, index: number, count: number): void {
  if (count !== 0) f.get(index).i32(count).add().set(index);
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

/** A place in memory: a local holding an address, plus a constant offset. */
interface Address {
  readonly local: number;
  readonly offset: number;
}

/**
 * Ends a layer on accumulators that hold conv + bias: PReLU as
 * `v + (slope − 1) · min(v, 0)`, then the residual, then the store.
 * `slopeOf(i)` says which of `slopes` (scratch locals, one per channel
 * vector) accumulator `i` needs.
 */
function finish(
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
    const t = target(i);
    f.get(t.local).get(v).v128Store(t.offset);
  });
}

/**
 * How one matrix-product layer reads its input and multiplies: the part
 * that differs between float and integer pointwise and dense layers.
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
  const pixelOut = cout * F32;
  const lane = (i: number) => (i >> 1) * pixelOut + (i % 2) * V128;

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
      (i) => ({ local: target, offset: lane(i) }),
      residual ? (i) => ({ local: added, offset: lane(i) }) : undefined,
    );
    f.get(col).i32(BLOCK_CHANNELS * F32).add().tee(col).i32(cout * F32).ltU()
      .brIf(0);
    f.end();
    bump(f, a, count * kernel.pixelBytes);
    bump(f, o, count * pixelOut);
    if (residual) bump(f, r, count * pixelOut);
  };

  f.i32(0).set(row);
  f.loop();
  kernel.rowStart(row, width);
  f.set(a);
  f.get(row).i32((output.w + 2 * output.pad) * pixelOut).mul()
    .i32(origin(output)).add().set(o);
  if (residual) {
    // The residual is unpadded: its rows are `width` pixels apart.
    f.get(row).i32(width * pixelOut).mul().i32(residual.offset).add().set(r);
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
function pointwise(
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
  const cin = step.inShape.c;
  const unroll = UNROLL.find((u) => cin % u === 0) as number;
  return matrixProduct(f, step, output, residual, {
    flat: true,
    pixelBytes: cin * F32,
    rowStart: (row, width) => {
      // The input is unpadded, with rows as wide as the output's.
      f.get(row).i32(width * cin * F32).mul().i32(input.offset).add();
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
 * A dense k×k convolution on the zero-bordered NCHW input: the blocks of
 * {@linkcode pointwise}, each tap a constant offset into the input.
 */
function dense(
  step: ConvStep,
  input: Storage,
  output: Storage,
): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const wp = f.local(ValType.i32);
  const tp = f.local(ValType.i32);
  const b = [f.local(ValType.v128), f.local(ValType.v128)];
  const splat = f.local(ValType.v128);
  const { kernel, stride } = step;
  const planeRow = input.w + 2 * input.pad;
  const plane = (input.h + 2 * input.pad) * planeRow;
  const shift = input.pad - step.pad;
  const taps: number[] = [];
  for (let c = 0; c < step.inShape.c; c++) {
    for (let ky = 0; ky < kernel; ky++) {
      for (let kx = 0; kx < kernel; kx++) {
        taps.push((c * plane + ky * planeRow + kx) * F32);
      }
    }
  }
  return matrixProduct(f, step, output, undefined, {
    flat: false,
    pixelBytes: stride * F32,
    rowStart: (row) => {
      f.get(row).i32(stride * planeRow * F32).mul()
        .i32(input.offset + (shift * planeRow + shift) * F32).add();
    },
    block: (acc, count, a, col) => {
      loadBias(f, acc, col, step.epilogue.bias);
      f.get(col).i32(taps.length).mul().i32(step.weights).add().set(wp);
      f.get(a).set(tp);
      taps.forEach((tap, k) => {
        accumulateBlock(f, { acc, count, b, splat, wp }, tp, stride * F32);
        bump(f, wp, BLOCK_CHANNELS * F32);
        if (k + 1 < taps.length) bump(f, tp, taps[k + 1] - tap);
      });
    },
  });
}

/**
 * A depthwise k×k convolution: per output pixel, the channels in groups of
 * four vectors, each tap a constant offset into the zero-bordered input.
 */
function depthwise(
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
  const { kernel, stride } = step;
  const c = step.outShape.c;
  const vectors = depthwiseVectors(c);
  const acc = Array.from({ length: vectors }, () => f.local(ValType.v128));
  const slopes = Array.from({ length: vectors }, () => f.local(ValType.v128));
  const rowPixels = input.w + 2 * input.pad;
  const shift = input.pad - step.pad;
  const taps: number[] = [];
  for (let ky = 0; ky < kernel; ky++) {
    for (let kx = 0; kx < kernel; kx++) {
      taps.push((ky * rowPixels + kx) * c * F32);
    }
  }
  const channelBytes = c * F32;

  f.i32(0).set(y);
  f.loop();
  f.get(y).i32(stride * rowPixels * channelBytes).mul()
    .i32(input.offset + (shift * rowPixels + shift) * channelBytes).add()
    .set(ip);
  f.get(y).i32((output.w + 2 * output.pad) * channelBytes).mul()
    .i32(origin(output)).add().set(op);
  if (residual) {
    f.get(y).i32(step.outShape.w * channelBytes).mul().i32(residual.offset)
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
    // Pointers move per tap for the reason given in `pointwise`.
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
  bump(f, op, channelBytes);
  if (residual) bump(f, rp, channelBytes);
  f.get(x).i32(1).add().tee(x).i32(step.outShape.w).ltU().brIf(0);
  f.end();
  f.get(y).i32(1).add().tee(y).i32(step.outShape.h).ltU().brIf(0);
  f.end();
  return f;
}
