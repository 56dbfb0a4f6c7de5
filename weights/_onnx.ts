/**
 * Reads and edits ONNX models at the protobuf wire level. Only the fields an
 * edit needs are decoded; everything else is carried over byte for byte, so
 * an edit is deterministic and leaves no trace beyond what it changed.
 * The tensors are read and written in `_onnx_tensor.ts`, the graph's inputs
 * and outputs in `_onnx_value_info.ts`.
 *
 * Field numbers are those of onnx.proto (IR version 3 onwards).
 *
 * @module
 */

import {
  type Field,
  lenField,
  readFields,
  repeatedVarints,
  stringValue,
  toInt64,
  toSafeNumber,
  varintValue,
  WireType,
  writeFields,
} from "./_protobuf.ts";
import {
  assertInline,
  DATA_TYPE_FLOAT,
  dataType,
  type Initializer,
  int64Values,
  last,
  littleEndianFloats,
  OnnxFormatError,
  readTensor,
  stringOf,
  TENSOR_DIMS,
  TENSOR_FLOAT_DATA,
  TENSOR_RAW_DATA,
  tensorName,
  withInt64Values,
} from "./_onnx_tensor.ts";
import {
  symbolicBatch,
  VALUE_INFO_NAME,
  type ValueSummary,
  valueSummary,
} from "./_onnx_value_info.ts";

export { type Initializer, OnnxFormatError } from "./_onnx_tensor.ts";
export type { ValueSummary } from "./_onnx_value_info.ts";

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_F = 2;
const ATTRIBUTE_I = 3;
const ATTRIBUTE_T = 5;
const ATTRIBUTE_FLOATS = 7;
const ATTRIBUTE_INTS = 8;

/** What a model declares and holds, read without changing it. */
export interface ModelSummary {
  /** Graph inputs that are not initializers. */
  readonly inputs: readonly ValueSummary[];
  /** Graph outputs. */
  readonly outputs: readonly ValueSummary[];
  /** Number of elements over all initializers. */
  readonly parameters: number;
  /** How many nodes of each operator type the graph has. */
  readonly operators: Readonly<Record<string, number>>;
}

/** The result of {@linkcode flushTinyWeights}. */
export interface FlushResult {
  /** The edited model. */
  readonly model: Uint8Array;
  /** How many float weights were non-zero and below the threshold. */
  readonly flushed: number;
  /** How many of those were subnormal float32 values. */
  readonly subnormal: number;
}

/** The result of {@linkcode makeBatchDynamic}. */
export interface BatchResult {
  /** The edited model. */
  readonly model: Uint8Array;
  /** One line per edit, for logs and the manifest. */
  readonly changes: readonly string[];
}

/** An attribute value this module reads: a number or a list of numbers. */
export type AttributeValue = number | readonly number[];

/** One node of a graph, as {@linkcode readGraph} returns it. */
export interface GraphNode {
  /** The operator, e.g. `"Conv"`. */
  readonly op: string;
  /** The operator's domain; `""` is the default ONNX domain. */
  readonly domain: string;
  /** Input tensor names; `""` marks an omitted optional input. */
  readonly inputs: readonly string[];
  /** Output tensor names. */
  readonly outputs: readonly string[];
  /**
   * Numeric attributes (int, float, ints, floats) by name; attributes of
   * other kinds (strings, tensors, graphs) are left out.
   */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** A graph read whole: what a compiler of the model needs. */
export interface Graph {
  /** Graph inputs that are not initializers. */
  readonly inputs: readonly ValueSummary[];
  /** Graph outputs. */
  readonly outputs: readonly ValueSummary[];
  /** Nodes in graph order (ONNX requires topological order). */
  readonly nodes: readonly GraphNode[];
  /** float32 and int64 initializers by name. */
  readonly initializers: ReadonlyMap<string, Initializer>;
}

/** The smallest normal float32; anything non-zero below it is subnormal. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * Sets every non-zero float initializer element whose magnitude is below
 * `threshold` to zero.
 *
 * Why: these weights are far too small to change any sum they enter, but
 * subnormal ones (and the subnormal products the others make) send the CPU
 * to its slow microcoded path, which made the embedder several times slower.
 */
export function flushTinyWeights(
  model: Uint8Array,
  threshold = 1e-20,
): FlushResult {
  let flushed = 0;
  let subnormal = 0;
  const flushBytes = (bytes: Uint8Array): Uint8Array | undefined => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let copy: DataView | undefined;
    let out: Uint8Array | undefined;
    for (let at = 0; at + 4 <= bytes.length; at += 4) {
      const value = view.getFloat32(at, true);
      const magnitude = Math.abs(value);
      if (value === 0 || !(magnitude < threshold)) continue;
      flushed++;
      if (magnitude < FLOAT32_MIN_NORMAL) subnormal++;
      if (!copy) {
        out = bytes.slice();
        copy = new DataView(out.buffer);
      }
      // Positive zero, whatever the sign was: -0 and +0 give the same sums.
      copy.setUint32(at, 0, true);
    }
    return out;
  };
  const edited = editGraph(model, (graph) =>
    graph.map((field) => {
      if (field.number !== GRAPH_INITIALIZER) return field;
      const tensor = readFields(field.payload);
      if (dataType(tensor) !== DATA_TYPE_FLOAT) return field;
      assertInline(tensor);
      let changed = false;
      const next = tensor.map((part) => {
        if (part.number === TENSOR_RAW_DATA) {
          const out = flushBytes(part.payload);
          if (!out) return part;
          changed = true;
          return lenField(TENSOR_RAW_DATA, out);
        }
        if (part.number === TENSOR_FLOAT_DATA) {
          // float_data may be packed (one length-delimited field) or, from
          // old writers, one fixed32 field per value: both are plain floats.
          const out = flushBytes(part.payload);
          if (!out) return part;
          changed = true;
          return { number: part.number, wireType: part.wireType, payload: out };
        }
        return part;
      });
      return changed ? lenField(GRAPH_INITIALIZER, writeFields(next)) : field;
    }));
  return { model: edited, flushed, subnormal };
}

/**
 * Makes dimension 0 of every graph input and output the symbolic `dimName`,
 * and removes what pins batch 1 inside the graph:
 *
 * - a Reshape whose target shape is an int64 initializer starting with 1
 *   gets 0 there instead, which ONNX reads as "copy this dimension from the
 *   input", so the batch flows through;
 * - `value_info` entries are dropped: they are optional hints, and ones
 *   recorded at batch 1 would contradict a larger batch.
 *
 * Reshapes whose shape is computed at run time (Shape → Gather → Concat) need
 * nothing. The caller must still prove the result on a real batch.
 */
export function makeBatchDynamic(
  model: Uint8Array,
  dimName = "batch",
): BatchResult {
  const changes: string[] = [];
  const edited = editGraph(model, (graph) => {
    const initializerNames = new Set(
      graph.filter((f) => f.number === GRAPH_INITIALIZER).map((f) =>
        tensorName(readFields(f.payload))
      ),
    );
    const reshapeShapes = new Set<string>();
    const otherUses = new Set<string>();
    for (const field of graph) {
      if (field.number !== GRAPH_NODE) continue;
      const node = readFields(field.payload);
      const op = stringOf(node, NODE_OP_TYPE);
      node.filter((f) => f.number === NODE_INPUT).map(stringValue).forEach(
        (name, index) => {
          if (!initializerNames.has(name)) return;
          (op === "Reshape" && index === 1 ? reshapeShapes : otherUses).add(
            name,
          );
        },
      );
    }
    const out: Field[] = [];
    for (const field of graph) {
      switch (field.number) {
        case GRAPH_INPUT:
        case GRAPH_OUTPUT: {
          const kind = field.number === GRAPH_INPUT ? "input" : "output";
          const name = stringOf(readFields(field.payload), VALUE_INFO_NAME);
          if (kind === "input" && initializerNames.has(name)) {
            out.push(field);
            break;
          }
          out.push(
            lenField(field.number, symbolicBatch(field.payload, dimName)),
          );
          changes.push(`${kind} "${name}" dim 0: 1 -> "${dimName}"`);
          break;
        }
        case GRAPH_VALUE_INFO: {
          const name = stringOf(readFields(field.payload), VALUE_INFO_NAME);
          changes.push(`value_info "${name}": dropped`);
          break;
        }
        case GRAPH_INITIALIZER: {
          const tensor = readFields(field.payload);
          const name = tensorName(tensor);
          if (!reshapeShapes.has(name)) {
            out.push(field);
            break;
          }
          const shape = int64Values(tensor, name);
          if (shape[0] !== 1n) {
            out.push(field);
            break;
          }
          if (otherUses.has(name)) {
            throw new OnnxFormatError(
              `Reshape shape initializer ${name} is also read by other nodes, so it cannot be rewritten for one of them`,
            );
          }
          const next = [0n, ...shape.slice(1)];
          out.push(lenField(GRAPH_INITIALIZER, withInt64Values(tensor, next)));
          changes.push(
            `Reshape shape initializer "${name}": [${shape}] -> [${next}]`,
          );
          break;
        }
        default:
          out.push(field);
      }
    }
    return out;
  });
  return { model: edited, changes };
}

/** Reads a model's inputs, outputs, parameter count and operator counts. */
export function summarise(model: Uint8Array): ModelSummary {
  const graph = readFields(graphField(readFields(model)).payload);
  const initializerNames = new Set<string>();
  let parameters = 0;
  for (const field of graph) {
    if (field.number !== GRAPH_INITIALIZER) continue;
    const tensor = readFields(field.payload);
    initializerNames.add(tensorName(tensor));
    parameters += repeatedVarints(tensor, TENSOR_DIMS).reduce(
      (count, dim) => count * toSafeNumber(dim, "initializer dimension"),
      1,
    );
  }
  const operators: Record<string, number> = {};
  for (const field of graph) {
    if (field.number !== GRAPH_NODE) continue;
    const op = stringOf(readFields(field.payload), NODE_OP_TYPE);
    operators[op] = (operators[op] ?? 0) + 1;
  }
  const values = (number: number) =>
    graph.filter((f) => f.number === number).map((f) =>
      valueSummary(f.payload)
    );
  return {
    inputs: values(GRAPH_INPUT).filter((v) => !initializerNames.has(v.name)),
    outputs: values(GRAPH_OUTPUT),
    parameters,
    operators,
  };
}

/**
 * Reads a model's nodes, numeric attributes and float32/int64 initializers.
 * Initializers of other types make it throw, as does external data.
 *
 * @example
 * ```ts ignore
 * import { readGraph } from "./_onnx.ts";
 * const graph = readGraph(await Deno.readFile("weights/mobilefacenet.onnx"));
 * console.log(graph.nodes[0].op); // "Conv"
 * ```
 */
export function readGraph(model: Uint8Array): Graph {
  const graph = readFields(graphField(readFields(model)).payload);
  const summary = summarise(model);
  const initializers = new Map<string, Initializer>();
  const nodes: GraphNode[] = [];
  for (const field of graph) {
    if (field.number === GRAPH_INITIALIZER) {
      const tensor = readFields(field.payload);
      const name = tensorName(tensor);
      initializers.set(name, readTensor(tensor, name));
    } else if (field.number === GRAPH_NODE) {
      const node = readFields(field.payload);
      const attributes: Record<string, AttributeValue> = {};
      for (const attribute of node) {
        if (attribute.number !== NODE_ATTRIBUTE) continue;
        const parts = readFields(attribute.payload);
        const tensor = last(parts, ATTRIBUTE_T);
        if (tensor && stringOf(node, NODE_OP_TYPE) === "Constant") {
          // A Constant node is an initializer in all but name: compilers
          // want its value where they look up weights.
          const output = node.find((f) => f.number === NODE_OUTPUT);
          const name = output ? stringValue(output) : "";
          initializers.set(name, readTensor(readFields(tensor.payload), name));
          continue;
        }
        const value = attributeValue(parts);
        if (value !== undefined) {
          attributes[stringOf(parts, ATTRIBUTE_NAME)] = value;
        }
      }
      nodes.push({
        op: stringOf(node, NODE_OP_TYPE),
        domain: stringOf(node, NODE_DOMAIN),
        inputs: node.filter((f) => f.number === NODE_INPUT).map(stringValue),
        outputs: node.filter((f) => f.number === NODE_OUTPUT).map(stringValue),
        attributes,
      });
    }
  }
  return {
    inputs: summary.inputs,
    outputs: summary.outputs,
    nodes,
    initializers,
  };
}

/**
 * Exporters write INT64_MAX / INT64_MIN to mean "unbounded" (a `Slice` to
 * the end of an axis); those become ±Infinity so every other value stays an
 * exact number.
 */
function intAttribute(value: bigint): number {
  const signed = toInt64(value);
  if (signed === INT64_MAX) return Infinity;
  if (signed === -INT64_MAX - 1n) return -Infinity;
  return toSafeNumber(signed, "attribute value");
}

const INT64_MAX = 2n ** 63n - 1n;

function attributeValue(parts: readonly Field[]): AttributeValue | undefined {
  const ints = repeatedVarints(parts, ATTRIBUTE_INTS);
  if (ints.length > 0) return ints.map(intAttribute);
  const floats = parts.filter((f) => f.number === ATTRIBUTE_FLOATS);
  if (floats.length > 0) {
    return floats.flatMap((f) => Array.from(littleEndianFloats(f.payload)));
  }
  const int = last(parts, ATTRIBUTE_I);
  if (int) return intAttribute(varintValue(int));
  const float = last(parts, ATTRIBUTE_F);
  if (float) return littleEndianFloats(float.payload)[0];
  return undefined;
}

function editGraph(
  model: Uint8Array,
  edit: (graph: Field[]) => Field[],
): Uint8Array {
  const fields = readFields(model);
  const graph = graphField(fields);
  const next = lenField(
    MODEL_GRAPH,
    writeFields(edit(readFields(graph.payload))),
  );
  return writeFields(fields.map((field) => field === graph ? next : field));
}

function graphField(model: readonly Field[]): Field {
  const graphs = model.filter((f) => f.number === MODEL_GRAPH);
  if (graphs.length !== 1 || graphs[0].wireType !== WireType.len) {
    throw new OnnxFormatError(
      `expected one ModelProto.graph field, found ${graphs.length}: not an ONNX model`,
    );
  }
  return graphs[0];
}
