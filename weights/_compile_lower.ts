/**
 * Lowers an ONNX graph to the compiler's steps: each Conv, Gemm or MatMul
 * becomes one convolution with what follows it fused in (see
 * `_compile_fuse.ts`), given its kind and the shapes it reads and writes;
 * a MaxPool, a GlobalAveragePool and the Mul of a map by a per-channel
 * vector become weightless steps, each with a residual Add fused in. A
 * channel Concat of layer outputs becomes views into one tensor, and a
 * Flatten or Reshape of a 1×1 map (to a fixed shape, or to the batch read
 * from the tensor's own Shape) another name for the map. Only what the
 * outputs depend on is lowered; anything the kernels cannot run throws
 * `UnsupportedGraphError`.
 *
 * Over 500 lines on purpose: the lowering is one walk over the graph
 * (`Lowering`), whose cases share its state (shapes, aliases, views, the
 * nodes already fused), and the fusions it asks for are in
 * `_compile_fuse.ts` already.
 *
 * @module
 */

import type { Graph, GraphNode, Initializer } from "./_onnx.ts";
import { convSource, gemmSource, matMulSource } from "./_compile_nodes.ts";
import { fuse, type FusionContext } from "./_compile_fuse.ts";
import {
  BLOCK_CHANNELS,
  type Conv,
  type LoweredGraph,
  type LoweredOp,
  type LoweredStep,
  type OutputTensor,
  type Shape,
  unsupported,
  type View,
} from "./_compile_types.ts";

/** Options of `compileGraph`, all of which are lowering's. */
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

/** Lowers `graph` to the steps that compute the outputs asked for. */
export function lowerGraph(
  graph: Graph,
  options: CompileOptions = {},
): LoweredGraph {
  const input = graphInput(graph, options.inputSize);
  const outputNames = options.outputs ?? graph.outputs.map((o) => o.name);
  if (outputNames.length === 0) unsupported("no output asked for");
  const lowering = new Lowering(graph, input, outputNames);
  for (const node of graph.nodes) lowering.add(node);
  return lowering.result();
}

/** The one float input `[batch, C, H, W]`, at the size compiled for. */
function graphInput(
  graph: Graph,
  inputSize: readonly [number, number] | undefined,
): LoweredGraph["input"] {
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
  const [h0, w0] = inputSize ?? [graphH, graphW];
  return {
    name: inputValue.name,
    shape: { c: c0, h: h0, w: w0, channels: c0 },
  };
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** The walk over the graph's nodes, and what it has lowered so far. */
class Lowering implements FusionContext {
  readonly initializers: ReadonlyMap<string, Initializer>;
  readonly #graph: Graph;
  readonly #input: LoweredGraph["input"];
  readonly #outputNames: readonly string[];
  readonly #consumers = new Map<string, GraphNode[]>();
  /** The nodes the outputs depend on: only they are compiled. */
  readonly #needed = new Set<GraphNode>();
  readonly #shapes = new Map<string, Shape>();
  readonly #steps: LoweredStep[] = [];
  readonly #fused = new Set<GraphNode>();
  readonly #folded: Record<string, number> = {};
  /** Tensors that are names for others: a flattened 1×1 map is the map. */
  readonly #alias = new Map<string, string>();
  /** Concat members: the concatenation and the first channel of each. */
  readonly #views = new Map<string, View>();
  /**
   * Reshapes to `[batch, -1]` whose shape is computed from the tensor's own
   * Shape, and the nodes computing it, which cost nothing.
   */
  readonly #batchFlattens = new Set<GraphNode>();
  readonly #shapeNodes = new Set<GraphNode>();

  constructor(
    graph: Graph,
    input: LoweredGraph["input"],
    outputNames: readonly string[],
  ) {
    this.initializers = graph.initializers;
    this.#graph = graph;
    this.#input = input;
    this.#outputNames = outputNames;
    this.#shapes.set(input.name, input.shape);
    const producer = new Map<string, GraphNode>();
    for (const node of graph.nodes) {
      node.outputs.forEach((name) => producer.set(name, node));
      for (const name of node.inputs) {
        if (!this.#consumers.has(name)) this.#consumers.set(name, []);
        this.#consumers.get(name)?.push(node);
      }
    }
    const visit = [...outputNames];
    while (visit.length > 0) {
      const node = producer.get(visit.pop() as string);
      if (!node || this.#needed.has(node)) continue;
      this.#needed.add(node);
      visit.push(...node.inputs);
    }
    for (const node of graph.nodes) {
      const chain = node.op === "Reshape"
        ? this.#batchShapeOf(node, producer)
        : undefined;
      if (!chain) continue;
      this.#batchFlattens.add(node);
      chain.forEach((part) => this.#shapeNodes.add(part));
    }
  }

  /** Lowers the next node in graph order. */
  add(node: GraphNode): void {
    if (!this.#needed.has(node) || this.#fused.has(node)) return;
    const where = `node ${node.op} -> ${node.outputs.join(", ")}`;
    if (node.domain !== "") unsupported(`${where}: domain ${node.domain}`);
    if (node.op === "Constant") return;
    if (this.#shapeNodes.has(node)) return this.#fold(node);
    if (node.op === "Concat") return this.#concat(node, where);
    if (node.op === "Flatten" || node.op === "Reshape") {
      return this.#flatten(node, where);
    }
    if (node.op === "MaxPool" || node.op === "GlobalAveragePool") {
      return this.#pool(node, where);
    }
    if (node.op === "Mul") return this.#scale(node, where);
    this.#layer(node, where);
  }

  soleConsumer(name: string, op: string): GraphNode | undefined {
    const users = this.#consumers.get(name) ?? [];
    return users.length === 1 && users[0].op === op &&
        users[0].domain === "" && !this.#outputNames.includes(name)
      ? users[0]
      : undefined;
  }

  residualOf(name: string): string | undefined {
    const add = this.soleConsumer(name, "Add");
    if (!add) return undefined;
    const other = this.#real(
      add.inputs[0] === name ? add.inputs[1] : add.inputs[0],
    );
    return this.#shapes.has(other) && !this.#views.has(other)
      ? other
      : undefined;
  }

  /** The lowered graph, once every node was added. */
  result(): LoweredGraph {
    const declared = new Map(this.#graph.outputs.map((o) => [o.name, o]));
    const outputs = this.#outputNames.map((name): OutputTensor => {
      const tensor = this.#real(name);
      const shape = this.#shapes.get(tensor);
      if (!shape || !this.#steps.some((step) => step.output === tensor)) {
        unsupported(`output ${name} is not produced by a compiled layer`);
      }
      if (this.#views.has(tensor)) {
        unsupported(`output ${name} is part of a Concat`);
      }
      return {
        name,
        tensor,
        shape,
        declared: declared.get(name)?.shape.slice(1),
      };
    });
    return {
      input: this.#input,
      steps: this.#steps,
      views: this.#views,
      outputs,
      folded: this.#folded,
    };
  }

  /** A Conv, Gemm or MatMul, with the nodes after it that fuse. */
  #layer(node: GraphNode, where: string): void {
    const layer = node.op === "Conv"
      ? convSource(node, this.initializers, where)
      : node.op === "Gemm"
      ? gemmSource(node, this.initializers, where)
      : node.op === "MatMul"
      ? matMulSource(node, this.initializers, where)
      : unsupported(`${where}: not a compiled operator`);
    const inShape = this.#shapes.get(this.#real(layer.x));
    if (!inShape) unsupported(`${where}: input ${layer.x} is not computed`);
    if (node.op === "MatMul" && (inShape.h !== 1 || inShape.w !== 1)) {
      unsupported(`${where}: only a MatMul of a flattened 1x1 map is compiled`);
    }
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
    const onInput = layer.x === this.#input.name;
    const kind: Conv["kind"] = layer.group !== 1
      ? (layer.group === inShape.channels && layer.group === layer.cout &&
          !onInput
        ? "depthwise"
        : unsupported(
          `${where}: grouped convolution with group ${layer.group}`,
        ))
      : layer.kernel === 1 && layer.stride === 1 && layer.pad === 0 && !onInput
      ? "pointwise"
      : "dense";
    const fusion = fuse(layer, node.outputs[0], this, where);
    fusion.nodes.forEach((fused) => this.#fold(fused));
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
    this.#shapes.set(fusion.output, outShape);
    this.#steps.push({
      kind,
      name: node.outputs[0],
      input: this.#real(layer.x),
      output: fusion.output,
      inShape,
      outShape,
      kernel: layer.kernel,
      stride: layer.stride,
      pad: layer.pad,
      dilation: layer.dilation,
      onInput,
      weight: fusion.weight,
      epilogue: {
        bias: padTo(fusion.bias, stored),
        slope: fusion.slope && padTo(fusion.slope, stored),
        residual: fusion.residual,
        relu: fusion.relu,
        ...(fusion.sigmoid ? { sigmoid: true } : {}),
      },
    });
  }

  /**
   * A MaxPool or GlobalAveragePool, with a residual Add after it. The max
   * pool keeps to the input's own pixels, so its input needs no border.
   */
  #pool(node: GraphNode, where: string): void {
    const input = this.#real(node.inputs[0]);
    const inShape = this.#computed(input, where);
    let kernel = 1, stride = 1, pad = 0;
    let outShape: Shape = { ...inShape, h: 1, w: 1 };
    if (node.op === "MaxPool") {
      const { kernel_shape: k, strides = [1, 1], pads = [0, 0, 0, 0] } =
        node.attributes;
      const all = [k, strides, pads].map((v) =>
        typeof v === "number" ? [v] : v ?? []
      );
      const same = (values: readonly number[]) =>
        values.length > 0 && values.every((v) => v === values[0]);
      if (
        !all.every(same) || (node.attributes.ceil_mode ?? 0) !== 0 ||
        node.attributes.dilations !== undefined ||
        node.attributes.auto_pad !== undefined || node.outputs.length !== 1
      ) {
        unsupported(
          `${where}: only square windows with equal strides and pads, no dilation and ceil_mode 0 are compiled`,
        );
      }
      [kernel, stride, pad] = all.map((v) => v[0]);
      if (pad >= kernel) {
        unsupported(`${where}: padding ${pad} leaves windows outside the map`);
      }
      outShape = {
        ...inShape,
        h: Math.floor((inShape.h + 2 * pad - kernel) / stride) + 1,
        w: Math.floor((inShape.w + 2 * pad - kernel) / stride) + 1,
      };
      if (outShape.h < 1 || outShape.w < 1) {
        unsupported(`${where}: the input is too small for the window`);
      }
    }
    this.#op({
      kind: node.op === "MaxPool" ? "maxpool" : "average",
      name: node.outputs[0],
      input,
      output: node.outputs[0],
      inShape,
      outShape,
      kernel,
      stride,
      pad,
    }, where);
  }

  /**
   * The Mul of a map by a 1×1 map of as many channels (the gate of a
   * squeeze-and-excite block), with a residual Add after it.
   */
  #scale(node: GraphNode, where: string): void {
    const [a, b] = node.inputs.map((name) => this.#real(name));
    const shapes = [a, b].map((name) => this.#shapes.get(name));
    const at = shapes[1]?.h === 1 && shapes[1]?.w === 1 ? 1 : 0;
    const [input, factors] = at === 1 ? [a, b] : [b, a];
    const [inShape, factorShape] = at === 1 ? shapes : [shapes[1], shapes[0]];
    if (
      !inShape || !factorShape || factorShape.h !== 1 || factorShape.w !== 1 ||
      factorShape.c !== inShape.c ||
      factorShape.channels !== inShape.channels ||
      this.#views.has(input) || this.#views.has(factors)
    ) {
      unsupported(
        `${where}: only a Mul of a computed map by a computed 1x1 map of its channels is compiled`,
      );
    }
    this.#op({
      kind: "scale",
      name: node.outputs[0],
      input,
      output: node.outputs[0],
      inShape,
      outShape: inShape,
      kernel: 1,
      stride: 1,
      pad: 0,
      factors,
    }, where);
  }

  /** Records a weightless step, with a residual Add after it fused in. */
  #op(op: LoweredOp, where: string): void {
    if (op.inShape.c % 4 !== 0) {
      unsupported(`${where}: ${op.inShape.c} channels, not a multiple of 4`);
    }
    let { output } = op;
    const add = this.soleConsumer(output, "Add");
    const residual = add && this.residualOf(output);
    if (add && residual) {
      this.#fold(add);
      output = add.outputs[0];
    }
    this.#shapes.set(output, op.outShape);
    this.#steps.push({ ...op, output, ...(residual ? { residual } : {}) });
  }

  #computed(name: string, where: string): Shape {
    const shape = this.#shapes.get(name);
    if (!shape || this.#views.has(name)) {
      unsupported(`${where}: input ${name} is not a computed map`);
    }
    return shape;
  }

  /**
   * The nodes that compute a Reshape's target as `[batch, -1]` from the
   * reshaped tensor itself (Shape → Gather index 0 → Unsqueeze → Concat
   * with -1), as PyTorch exports `x.view(x.size(0), -1)`; `undefined` when
   * the target is anything else.
   */
  #batchShapeOf(
    reshape: GraphNode,
    producer: ReadonlyMap<string, GraphNode>,
  ): GraphNode[] | undefined {
    const [x, target] = reshape.inputs;
    const only = (name: string, op: string) => {
      const node = producer.get(name);
      return node?.op === op && node.domain === "" &&
          this.#consumers.get(name)?.length === 1
        ? node
        : undefined;
    };
    const int64 = (name: string | undefined) => {
      const data = name === undefined
        ? undefined
        : this.initializers.get(name)?.data;
      return data instanceof BigInt64Array && data.length === 1
        ? data[0]
        : undefined;
    };
    const concat = only(target, "Concat");
    if (
      !concat || concat.attributes.axis !== 0 || concat.inputs.length !== 2 ||
      int64(concat.inputs[1]) !== -1n
    ) return undefined;
    const unsqueeze = only(concat.inputs[0], "Unsqueeze");
    const axes = unsqueeze?.attributes.axes;
    if (
      !unsqueeze || !Array.isArray(axes) || axes.length !== 1 || axes[0] !== 0
    ) return undefined;
    const gather = only(unsqueeze.inputs[0], "Gather");
    if (
      !gather || (gather.attributes.axis ?? 0) !== 0 ||
      int64(gather.inputs[1]) !== 0n
    ) return undefined;
    const shape = only(gather.inputs[0], "Shape");
    if (!shape || shape.inputs[0] !== x) return undefined;
    return [shape, gather, unsqueeze, concat];
  }

  #concat(node: GraphNode, where: string): void {
    const members = node.inputs.map((name) => this.#real(name));
    const memberShapes = members.map((m) => this.#shapes.get(m));
    const [first] = memberShapes;
    if (
      node.attributes.axis !== 1 || !first ||
      memberShapes.some((s) =>
        !s || s.h !== first.h || s.w !== first.w || s.c !== s.channels
      ) ||
      members.some((m) =>
        this.#views.has(m) || this.#consumers.get(m)?.length !== 1 ||
        !this.#steps.some((step) => step.output === m) ||
        this.#outputNames.includes(m)
      )
    ) {
      unsupported(
        `${where}: only a channel Concat of layer outputs read by nothing else, with channels a multiple of ${BLOCK_CHANNELS}, is compiled`,
      );
    }
    const channels = memberShapes.reduce((n, s) => n + (s as Shape).c, 0);
    const shape: Shape = { ...first, c: channels, channels };
    let channel = 0;
    members.forEach((m, i) => {
      this.#views.set(m, { concat: node.outputs[0], shape, channel });
      channel += (memberShapes[i] as Shape).c;
    });
    this.#shapes.set(node.outputs[0], shape);
  }

  #flatten(node: GraphNode, where: string): void {
    const x = this.#real(node.inputs[0]);
    const shape = this.#shapes.get(x);
    const target = node.op === "Reshape"
      ? this.initializers.get(node.inputs[1])?.data
      : undefined;
    const flat = node.op === "Flatten"
      ? (node.attributes.axis ?? 1) === 1
      : this.#batchFlattens.has(node) ||
        target instanceof BigInt64Array && target.length === 2 &&
          (target[0] === 0n || target[0] === 1n) && target[1] === -1n;
    if (!shape || !flat || shape.h !== 1 || shape.w !== 1) {
      unsupported(`${where}: only the flattening of a 1x1 map is compiled`);
    }
    // NHWC and NCHW agree when there is a single pixel.
    this.#alias.set(node.outputs[0], x);
    this.#fold(node);
  }

  #fold(node: GraphNode): void {
    this.#fused.add(node);
    this.#folded[node.op] = (this.#folded[node.op] ?? 0) + 1;
  }

  #real(name: string): string {
    return this.#alias.get(name) ?? name;
  }
}

function padTo(values: Float32Array, length: number): Float32Array {
  if (values.length === length) return values;
  const out = new Float32Array(length);
  out.set(values);
  return out;
}
