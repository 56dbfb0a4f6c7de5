/**
 * Helpers shared by the tests of `weights/`.
 *
 * @module
 */

import { pathFromFileUrl } from "./_npm.ts";
import { type Field, lenField, varintField, writeFields } from "./_protobuf.ts";

/** The repository's git-ignored cache, which `deno task test` may write. */
const CACHE = new URL("../.cache/", import.meta.url);

/**
 * Where tests should make the temporary directory `npm pack` writes into:
 * the repository's `.cache/` when writable (the test task grants nothing
 * else), otherwise the system's temporary directory.
 */
export async function packTempParent(): Promise<string | undefined> {
  const { state } = await Deno.permissions.query({
    name: "write",
    path: CACHE,
  });
  if (state !== "granted") return undefined;
  await Deno.mkdir(CACHE, { recursive: true });
  return pathFromFileUrl(CACHE);
}

/** A node of a test graph. */
export interface TestNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** int and ints attributes. */
  readonly attributes?: Readonly<Record<string, number | readonly number[]>>;
}

/** What {@linkcode onnxModel} builds. */
export interface TestGraph {
  readonly input: { readonly name: string; readonly dims: readonly Dim[] };
  readonly output: { readonly name: string; readonly dims: readonly Dim[] };
  readonly nodes: readonly TestNode[];
  readonly initializers: Readonly<
    Record<
      string,
      { dims: readonly number[]; data: Float32Array | BigInt64Array }
    >
  >;
  /** The opset imported, 13 by default (11 for Unsqueeze's `axes` attribute). */
  readonly opset?: number;
}

type Dim = number | string;

const encoder = new TextEncoder();
const text = (number: number, value: string) =>
  lenField(number, encoder.encode(value));
const message = (number: number, fields: Field[]) =>
  lenField(number, writeFields(fields));

function valueInfo(number: number, name: string, dims: readonly Dim[]): Field {
  const shape = dims.map((dim) =>
    message(1, [typeof dim === "number" ? varintField(1, dim) : text(2, dim)])
  );
  return message(number, [
    text(1, name),
    message(2, [message(1, [varintField(1, 1), message(2, shape)])]),
  ]);
}

/**
 * Encodes a one-input, one-output ONNX model (IR 7, opset 13 unless the
 * graph names another) for tests,
 * with the same wire format the npm models use.
 */
export function onnxModel(graph: TestGraph): Uint8Array {
  const nodes = graph.nodes.map((node) =>
    message(1, [
      ...node.inputs.map((name) => text(1, name)),
      ...node.outputs.map((name) => text(2, name)),
      text(4, node.op),
      ...Object.entries(node.attributes ?? {}).map(([name, value]) =>
        message(
          5,
          typeof value === "number"
            ? [text(1, name), varintField(3, value), varintField(20, 2)]
            : [
              text(1, name),
              ...value.map((v) => varintField(8, v)),
              varintField(20, 7),
            ],
        )
      ),
    ])
  );
  const initializers = Object.entries(graph.initializers).map(
    ([name, { dims, data }]) =>
      message(5, [
        ...dims.map((dim) => varintField(1, dim)),
        varintField(2, data instanceof Float32Array ? 1 : 7),
        text(8, name),
        lenField(
          9,
          new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        ),
      ]),
  );
  return writeFields([
    varintField(1, 7),
    message(8, [text(1, ""), varintField(2, graph.opset ?? 13)]),
    message(7, [
      ...nodes,
      text(2, "test"),
      ...initializers,
      valueInfo(11, graph.input.name, graph.input.dims),
      valueInfo(12, graph.output.name, graph.output.dims),
    ]),
  ]);
}
