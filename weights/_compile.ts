/**
 * Compiles a convolutional ONNX graph (MobileFaceNet, the RFB-320 detector,
 * the 68-point landmark net) into one self-contained WebAssembly module
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
 * square and symmetric); `Gemm` (x · Wᵀ + b) on a flattened 1×1 map. Fused
 * into the layer before them: a scalar `Mul`, `BatchNormalization`, `PRelu`
 * or `Relu`, an `Add` of an earlier tensor and a `Relu` after it. A channel
 * `Concat` of layer outputs, and `Flatten` or `Reshape` to `[batch, -1]` of
 * a 1×1 map, cost nothing. The outputs are the graph's or those asked for.
 *
 * @module
 */

import { type GraphNode, type Initializer, readGraph } from "./_onnx.ts";
import { encodeModule, FunctionBuilder, ValType } from "./_wasm.ts";
import {
  type CompiledInterface,
  INTERFACE_SECTION,
  type Port,
} from "@facever/model/compiled";

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
  /** The Conv (or Gemm) node's output name in the ONNX graph. */
  readonly name: string;
  readonly kind: "pointwise" | "depthwise" | "dense";
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
}

/** Options of {@linkcode compileGraph}. */
export interface CompileOptions {
  /**
   * The tensors the module computes, the graph's outputs by default. Nodes
   * not needed for them are left out: a detector's box decoding, say, can
   * stay in JavaScript while its convolutions are compiled.
   */
  readonly outputs?: readonly string[];
  /**
   * Input height and width to compile for instead of the graph's; only
   * meaningful for a fully convolutional graph.
   */
  readonly inputSize?: readonly [number, number];
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

/**
 * How a tensor is stored: NHWC with `pad` zero pixels around it, `c` floats
 * per pixel. A tensor that is part of a channel Concat is a view into the
 * concatenation: its `offset` is moved by its first channel and `c` is the
 * concatenation's.
 */
interface Storage {
  readonly offset: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly pad: number;
}

/**
 * A computed tensor's size. `c` is the stored channel count, rounded up
 * where a layer's blocks need it; `channels` is the graph's.
 */
interface Shape {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly channels: number;
}

interface Epilogue {
  /** Byte offset of the bias, one float per output channel. */
  readonly bias: number;
  /** Byte offset of PReLU slope − 1 per output channel, if activated. */
  readonly slopeMinusOne?: number;
  /** The tensor added to the result (same shape, unpadded), if any. */
  readonly residual?: string;
  /** Whether the result (after the residual) goes through a ReLU. */
  readonly relu: boolean;
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
  readonly dilation: number;
  /** Whether the input is the graph input, stored NCHW. */
  readonly onInput: boolean;
  /** Byte offset of the packed weights. */
  readonly weights: number;
  readonly epilogue: Epilogue;
}

/** What a step's epilogue is made of, before its constants are placed. */
interface EpilogueSource {
  readonly bias: Float32Array;
  readonly slope?: Float32Array;
  readonly residual?: string;
  readonly relu: boolean;
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
const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** A Conv-like layer as read from the graph, before fusion. */
interface LayerSource {
  readonly x: string;
  /** Weights `[cout, cin / group, k, k]`. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly cout: number;
  readonly group: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation: number;
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
  const graph = readGraph(model);
  if (graph.inputs.length !== 1) {
    unsupported(`expected one input, got ${graph.inputs.length}`);
  }
  const [inputValue] = graph.inputs;
  const [, c0, graphH, graphW] = inputValue.shape;
  if (
    inputValue.elemType !== 1 || inputValue.shape.length !== 4 ||
    typeof c0 !== "number" || typeof graphH !== "number" ||
    typeof graphW !== "number"
  ) {
    unsupported(
      `input ${inputValue.name} must be float32 [batch, C, H, W] with fixed C, H and W`,
    );
  }
  const [h0, w0] = options.inputSize ?? [graphH, graphW];
  const outputNames = options.outputs ?? graph.outputs.map((o) => o.name);
  if (outputNames.length === 0) unsupported("no output asked for");
  const declared = new Map(graph.outputs.map((o) => [o.name, o]));

  const producer = new Map<string, GraphNode>();
  const consumers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    node.outputs.forEach((name) => producer.set(name, node));
    for (const name of node.inputs) {
      if (!consumers.has(name)) consumers.set(name, []);
      consumers.get(name)?.push(node);
    }
  }
  // Only what the outputs depend on is compiled.
  const needed = new Set<GraphNode>();
  const visit = [...outputNames];
  while (visit.length > 0) {
    const node = producer.get(visit.pop() as string);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    visit.push(...node.inputs);
  }
  const soleConsumer = (name: string, op: string) => {
    const users = consumers.get(name) ?? [];
    return users.length === 1 && users[0].op === op && users[0].domain === "" &&
        !outputNames.includes(name)
      ? users[0]
      : undefined;
  };
  const scalar = (name: string) => {
    const found = graph.initializers.get(name)?.data;
    return found instanceof Float32Array && found.length === 1
      ? found[0]
      : undefined;
  };

  const inputShape: Shape = { c: c0, h: h0, w: w0, channels: c0 };
  const shapes = new Map<string, Shape>([[inputValue.name, inputShape]]);
  const pending: Omit<ConvStep, "weights" | "epilogue">[] = [];
  const sources: { weight: Float32Array; epilogue: EpilogueSource }[] = [];
  const fused = new Set<GraphNode>();
  const folded: Record<string, number> = {};
  const fold = (node: GraphNode) => {
    fused.add(node);
    folded[node.op] = (folded[node.op] ?? 0) + 1;
  };
  /** Tensors that are names for others: a flattened 1×1 map is the map. */
  const alias = new Map<string, string>();
  const real = (name: string) => alias.get(name) ?? name;
  /** Concat members: the concatenation and the first channel of each. */
  const views = new Map<string, { of: string; channel: number }>();

  for (const node of graph.nodes) {
    if (!needed.has(node) || fused.has(node)) continue;
    const where = `node ${node.op} -> ${node.outputs.join(", ")}`;
    if (node.domain !== "") unsupported(`${where}: domain ${node.domain}`);
    if (node.op === "Constant") continue;
    if (node.op === "Concat") {
      concat(node, where);
      continue;
    }
    if (node.op === "Flatten" || node.op === "Reshape") {
      flatten(node, where);
      continue;
    }
    const layer = node.op === "Conv"
      ? convSource(node, where)
      : node.op === "Gemm"
      ? gemmSource(node, where)
      : unsupported(`${where}: not a compiled operator`);
    const inShape = shapes.get(real(layer.x));
    if (!inShape) unsupported(`${where}: input ${layer.x} is not computed`);
    if (
      layer.weight.length / layer.cout * layer.group / layer.kernel ** 2 !==
        inShape.channels
    ) {
      unsupported(
        `${where}: weights for ${
          layer.weight.length / layer.cout * layer.group / layer.kernel ** 2
        } input channels, input has ${inShape.channels}`,
      );
    }
    const onInput = layer.x === inputValue.name;
    const kind: ConvStep["kind"] = layer.group !== 1
      ? (layer.group === inShape.channels && layer.group === layer.cout &&
          !onInput
        ? "depthwise"
        : unsupported(
          `${where}: grouped convolution with group ${layer.group}`,
        ))
      : layer.kernel === 1 && layer.stride === 1 && layer.pad === 0 && !onInput
      ? "pointwise"
      : "dense";
    let weight = layer.weight;
    let bias = layer.bias;
    let output = node.outputs[0];
    // A per-tensor scale or a BatchNormalization right after the layer is
    // folded into its weights and bias.
    const mul = soleConsumer(output, "Mul");
    const factor = mul &&
      scalar(mul.inputs[0] === output ? mul.inputs[1] : mul.inputs[0]);
    if (mul && factor !== undefined) {
      weight = weight.map((v) => v * factor);
      bias = bias.map((v) => v * factor);
      fold(mul);
      output = mul.outputs[0];
    }
    const norm = soleConsumer(output, "BatchNormalization");
    if (norm) {
      const [gamma, beta, mean, variance] = norm.inputs.slice(1).map((name) =>
        perChannel(graph.initializers, name, layer.cout, where)
      );
      const epsilon = Number(norm.attributes.epsilon ?? 1e-5);
      const scale = gamma.map((g, o) => g / Math.sqrt(variance[o] + epsilon));
      const perOut = weight.length / layer.cout;
      weight = weight.map((v, i) => v * scale[Math.floor(i / perOut)]);
      bias = bias.map((b, o) => (b - mean[o]) * scale[o] + beta[o]);
      fold(norm);
      output = norm.outputs[0];
    }
    let slope: Float32Array | undefined;
    const prelu = soleConsumer(output, "PRelu");
    const earlyRelu = soleConsumer(output, "Relu");
    if (prelu) {
      slope = perChannel(
        graph.initializers,
        prelu.inputs[1],
        layer.cout,
        where,
      );
      fold(prelu);
      output = prelu.outputs[0];
    } else if (
      earlyRelu && soleConsumer(earlyRelu.outputs[0], "Add") &&
      residualOf(earlyRelu.outputs[0])
    ) {
      // A ReLU ahead of a residual Add is a PReLU of slope 0.
      slope = new Float32Array(layer.cout);
      fold(earlyRelu);
      output = earlyRelu.outputs[0];
    }
    let residual: string | undefined;
    const add = soleConsumer(output, "Add");
    const other = add && residualOf(output);
    if (add && other) {
      residual = other;
      fold(add);
      output = add.outputs[0];
    }
    const relu = soleConsumer(output, "Relu");
    if (relu) {
      fold(relu);
      output = relu.outputs[0];
    }
    const dilated = layer.dilation * (layer.kernel - 1) + 1;
    const stored = kind === "depthwise"
      ? inShape.c
      : roundUp(layer.cout, BLOCK_CHANNELS);
    if (kind === "depthwise" && stored % 4 !== 0) {
      unsupported(`${where}: ${stored} channels, not a multiple of 4`);
    }
    const outShape: Shape = {
      c: stored,
      channels: layer.cout,
      h: Math.floor((inShape.h + 2 * layer.pad - dilated) / layer.stride) + 1,
      w: Math.floor((inShape.w + 2 * layer.pad - dilated) / layer.stride) + 1,
    };
    if (outShape.h < 1 || outShape.w < 1) {
      unsupported(`${where}: the input is too small for the kernel`);
    }
    shapes.set(output, outShape);
    pending.push({
      kind,
      name: node.outputs[0],
      input: real(layer.x),
      output,
      inShape,
      outShape,
      kernel: layer.kernel,
      stride: layer.stride,
      pad: layer.pad,
      dilation: layer.dilation,
      onInput,
    });
    sources.push({
      weight: pack(kind, weight, layer, inShape, stored, onInput),
      epilogue: {
        bias: padTo(bias, stored),
        slope: slope && padTo(slope, stored),
        residual,
        relu: relu !== undefined,
      },
    });
  }

  /** The other operand of the Add consuming `name`, if it can be fused. */
  function residualOf(name: string): string | undefined {
    const add = soleConsumer(name, "Add");
    if (!add) return undefined;
    const other = real(add.inputs[0] === name ? add.inputs[1] : add.inputs[0]);
    return shapes.has(other) && !views.has(other) ? other : undefined;
  }

  function concat(node: GraphNode, where: string): void {
    const members = node.inputs.map(real);
    const memberShapes = members.map((m) => shapes.get(m));
    const [first] = memberShapes;
    if (
      node.attributes.axis !== 1 || !first ||
      memberShapes.some((s) =>
        !s || s.h !== first.h || s.w !== first.w || s.c !== s.channels
      ) ||
      members.some((m) =>
        views.has(m) || consumers.get(m)?.length !== 1 ||
        !pending.some((step) => step.output === m) || outputNames.includes(m)
      )
    ) {
      unsupported(
        `${where}: only a channel Concat of layer outputs read by nothing else, with channels a multiple of ${BLOCK_CHANNELS}, is compiled`,
      );
    }
    let channel = 0;
    members.forEach((m, i) => {
      views.set(m, { of: node.outputs[0], channel });
      channel += (memberShapes[i] as Shape).c;
    });
    shapes.set(node.outputs[0], { ...first, c: channel, channels: channel });
  }

  function flatten(node: GraphNode, where: string): void {
    const x = real(node.inputs[0]);
    const shape = shapes.get(x);
    const target = node.op === "Reshape"
      ? graph.initializers.get(node.inputs[1])?.data
      : undefined;
    const flat = node.op === "Flatten"
      ? (node.attributes.axis ?? 1) === 1
      : target instanceof BigInt64Array && target.length === 2 &&
        (target[0] === 0n || target[0] === 1n) && target[1] === -1n;
    if (!shape || !flat || shape.h !== 1 || shape.w !== 1) {
      unsupported(`${where}: only the flattening of a 1x1 map is compiled`);
    }
    // NHWC and NCHW agree when there is a single pixel.
    alias.set(node.outputs[0], x);
    fold(node);
  }

  function convSource(node: GraphNode, where: string): LayerSource {
    const [x, weightName, biasName] = node.inputs;
    const weight = initializer(graph.initializers, weightName, where);
    const [cout, , kh, kw] = weight.dims;
    const list = (key: string, fallback: number[]) => {
      const value = node.attributes[key] ?? fallback;
      return typeof value === "number" ? [value] : value;
    };
    const group = node.attributes.group ?? 1;
    const strides = list("strides", [1, 1]);
    const pads = list("pads", [0, 0, 0, 0]);
    const dilations = list("dilations", [1, 1]);
    const same = (values: readonly number[]) =>
      values.every((v) => v === values[0]);
    if (
      weight.dims.length !== 4 || kh !== kw || typeof group !== "number" ||
      !same(strides) || !same(pads) || !same(dilations) ||
      node.attributes.auto_pad !== undefined
    ) {
      unsupported(
        `${where}: only square kernels and equal strides, pads and dilations are compiled`,
      );
    }
    return {
      x,
      weight: weight.data as Float32Array,
      bias: biasOf(biasName, cout, where),
      cout,
      group,
      kernel: kh,
      stride: strides[0],
      pad: pads[0],
      dilation: dilations[0],
    };
  }

  /** A layer's optional bias input; none is a bias of zeros. */
  function biasOf(name: string | undefined, cout: number, where: string) {
    return name
      ? perChannel(graph.initializers, name, cout, where)
      : new Float32Array(cout);
  }

  function gemmSource(node: GraphNode, where: string): LayerSource {
    const [x, weightName, biasName] = node.inputs;
    const weight = initializer(graph.initializers, weightName, where);
    const { alpha = 1, beta = 1, transA = 0, transB = 0 } = node.attributes;
    if (
      alpha !== 1 || beta !== 1 || transA !== 0 || transB !== 1 ||
      weight.dims.length !== 2
    ) {
      unsupported(`${where}: only x · Wᵀ + b is compiled`);
    }
    const [cout] = weight.dims;
    // On a flattened 1×1 map, x · Wᵀ + b is a 1×1 convolution.
    return {
      x,
      weight: weight.data as Float32Array,
      bias: biasOf(biasName, cout, where),
      cout,
      group: 1,
      kernel: 1,
      stride: 1,
      pad: 0,
      dilation: 1,
    };
  }

  const outputs = outputNames.map((name) => {
    const tensor = real(name);
    const shape = shapes.get(tensor);
    if (!shape || !pending.some((step) => step.output === tensor)) {
      unsupported(`output ${name} is not produced by a compiled layer`);
    }
    if (views.has(tensor)) unsupported(`output ${name} is part of a Concat`);
    return { name, tensor, shape };
  });

  // Padding each tensor needs: the largest pad of the convolutions reading
  // it. A residual is read unpadded.
  const pads = new Map<string, number>();
  for (const step of pending) {
    pads.set(step.input, Math.max(pads.get(step.input) ?? 0, step.pad));
  }
  sources.forEach(({ epilogue: { residual } }, i) => {
    if (residual && (pads.get(residual) ?? 0) !== 0) {
      unsupported(
        `residual ${residual} of ${
          pending[i].name
        } is also read by a padded convolution`,
      );
    }
  });
  for (const { name, tensor } of outputs) {
    if ((pads.get(tensor) ?? 0) !== 0) {
      unsupported(`output ${name} is also read by a padded convolution`);
    }
  }

  // Memory: input item, its padded copy, then constants, then activations.
  const inputOffset = ALIGN;
  const inputBytes = c0 * h0 * w0 * F32;
  const stagePad = pads.get(inputValue.name) ?? 0;
  const stageOffset = align(inputOffset + inputBytes);
  const stageBytes = c0 * (h0 + 2 * stagePad) * (w0 + 2 * stagePad) * F32;
  const constants = new ConstantPool(align(stageOffset + stageBytes));
  const steps: ConvStep[] = pending.map((step, i) => {
    const { weight, epilogue } = sources[i];
    return {
      ...step,
      weights: constants.floats(weight),
      epilogue: {
        bias: constants.floats(epilogue.bias),
        slopeMinusOne: epilogue.slope
          ? constants.floats(epilogue.slope.map((s) => Math.fround(s - 1)))
          : undefined,
        residual: epilogue.residual,
        relu: epilogue.relu,
      },
    };
  });

  const storage = planActivations(
    steps,
    pads,
    views,
    shapes,
    new Set(outputs.map((o) => o.tensor)),
    align(constants.base + constants.byteLength),
  );
  storage.set(inputValue.name, {
    offset: stageOffset,
    ...inputShape,
    pad: stagePad,
  });
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
        : dense(step, input, output, residual),
    );
    layers.push({
      name: step.name,
      kind: step.kind,
      kernel: step.kernel,
      stride: step.stride,
      dilation: step.dilation,
      channelsIn: step.inShape.channels,
      channelsOut: step.outShape.channels,
      size: [step.outShape.h, step.outShape.w],
      prelu: step.epilogue.slopeMinusOne !== undefined,
      residual: residual !== undefined,
      relu: step.epilogue.relu,
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
    outputs: outputs.map(({ name, tensor, shape }): Port => {
      const { offset } = storage.get(tensor) as Storage;
      // A 1×1 map is a vector; the graph may declare it either way.
      const graphDims = declared.get(name)?.shape.slice(1);
      if (shape.h === 1 && shape.w === 1) {
        const dims = graphDims?.every((d) => typeof d === "number") &&
            (graphDims as number[]).reduce((n, d) => n * d, 1) ===
              shape.channels
          ? graphDims as number[]
          : [shape.channels];
        return { name, dims, offset };
      }
      return {
        name,
        dims: [shape.h, shape.w, shape.channels],
        offset,
        layout: "nhwc",
        pixelStride: shape.c,
      };
    }),
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
  return { wasm, interface: iface, layers, folded };
}

function padTo(values: Float32Array, length: number): Float32Array {
  if (values.length === length) return values;
  const out = new Float32Array(length);
  out.set(values);
  return out;
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
    `${where}: ${name} has ${values.length} values for ${channels} channels`,
  );
}

/** How many channel vectors a depthwise step computes together. */
function depthwiseVectors(channels: number): number {
  return [DEPTHWISE_VECTORS, 2, 1].find((v) =>
    (channels / 4) % v === 0
  ) as number;
}

/**
 * Rearranges a weight tensor into the order its kernel reads it, with zeros
 * for the channels that storage rounds up.
 */
function pack(
  kind: ConvStep["kind"],
  w: Float32Array,
  layer: LayerSource,
  input: Shape,
  cout: number,
  onInput: boolean,
): Float32Array {
  const taps = layer.kernel * layer.kernel;
  if (kind === "depthwise") {
    // [C/4/V][taps][V][4]: per tap, V vectors of four channels.
    const vectors = depthwiseVectors(cout);
    const out = new Float32Array(cout * taps);
    for (let c = 0; c < layer.cout; c++) {
      const vector = c >> 2;
      const group = Math.floor(vector / vectors);
      for (let t = 0; t < taps; t++) {
        out[((group * taps + t) * vectors + vector % vectors) * 4 + (c & 3)] =
          w[c * taps + t];
      }
    }
    return out;
  }
  // [Cout/8][K][8]: per input element, two vectors of eight outputs. The
  // element order is the kernel's: stored input channels for pointwise
  // (zero for the rounded-up ones), (channel, tap) as ONNX has it on the
  // NCHW graph input, (tap, channel) on NHWC maps.
  const cin = input.channels;
  const perOut = w.length / layer.cout;
  const k = kind === "pointwise" ? input.c : perOut;
  const source = kind === "pointwise"
    ? (i: number) => i < cin ? i : -1
    : onInput
    ? (i: number) => i
    : (i: number) => (i % cin) * taps + Math.floor(i / cin);
  const out = new Float32Array(cout * k);
  for (let o = 0; o < layer.cout; o++) {
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

/**
 * Gives every computed tensor a place in memory, reusing the place of a
 * tensor no longer needed when the layout is the same. Padded places are
 * reused only by tensors of the same shape, so their zero border is never
 * overwritten. A Concat is placed when its first member is computed, and
 * its members are views into it; the module's outputs keep their places.
 */
function planActivations(
  steps: readonly ConvStep[],
  pads: ReadonlyMap<string, number>,
  views: ReadonlyMap<string, { of: string; channel: number }>,
  shapes: ReadonlyMap<string, Shape>,
  keep: ReadonlySet<string>,
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
    if (!s || keep.has(name)) return;
    const key = keyOf(s);
    if (!free.has(key)) free.set(key, []);
    free.get(key)?.push(s.offset);
  };
  let next = base;
  const place = (name: string, shape: Shape) => {
    const layout = {
      h: shape.h,
      w: shape.w,
      c: shape.c,
      pad: pads.get(name) ?? 0,
    };
    const reuse = free.get(keyOf(layout))?.pop();
    const offset = reuse ?? next;
    if (reuse === undefined) {
      next = align(
        next + (layout.h + 2 * layout.pad) * (layout.w + 2 * layout.pad) *
            layout.c * F32,
      );
    }
    storage.set(name, { offset, ...layout });
  };
  steps.forEach((step, i) => {
    const residual = step.epilogue.residual;
    // The residual is read and written at the same index, so the output may
    // take its place; the convolution's own input may not.
    if (residual && residual !== step.input && lastUse.get(residual) === i) {
      release(residual);
    }
    const view = views.get(step.output);
    if (view) {
      if (!storage.has(view.of)) place(view.of, shapes.get(view.of) as Shape);
      const whole = storage.get(view.of) as Storage;
      storage.set(step.output, {
        ...whole,
        offset: whole.offset + view.channel * F32,
      });
    } else {
      place(step.output, step.outShape);
    }
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
 * `v + (slope − 1) · min(v, 0)`, then the residual, then ReLU, then the
 * store.
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
    if (epilogue.relu) f.get(v).zero().f32x4Pmax().set(v);
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
function dense(
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
  bump(f, op, pixelOut);
  if (residual) bump(f, rp, pixelAdded);
  f.get(x).i32(1).add().tee(x).i32(step.outShape.w).ltU().brIf(0);
  f.end();
  f.get(y).i32(1).add().tee(y).i32(step.outShape.h).ltU().brIf(0);
  f.end();
  return f;
}
