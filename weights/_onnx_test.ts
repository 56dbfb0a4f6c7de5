import assert from "node:assert/strict";
import {
  flushTinyWeights,
  makeBatchDynamic,
  OnnxFormatError,
  readGraph,
  summarise,
} from "./_onnx.ts";
import { onnxModel } from "./_test_util.ts";
import {
  type Field,
  lenField,
  readFields,
  varintField,
  writeFields,
} from "./_protobuf.ts";

const encoder = new TextEncoder();
const text = (number: number, value: string) =>
  lenField(number, encoder.encode(value));
const message = (number: number, fields: Field[]) =>
  lenField(number, writeFields(fields));

function tensor(
  name: string,
  dims: number[],
  dataType: number,
  raw: Uint8Array,
): Field {
  return message(5, [
    ...dims.map((dim) => varintField(1, dim)),
    varintField(2, dataType),
    text(8, name),
    lenField(9, raw),
  ]);
}

function floats(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes;
}

function int64s(values: bigint[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, value, true));
  return bytes;
}

function valueInfo(number: number, name: string, dims: number[]): Field {
  const shape = dims.map((dim) => message(1, [varintField(1, dim)]));
  return message(number, [
    text(1, name),
    message(2, [message(1, [varintField(1, 1), message(2, shape)])]),
  ]);
}

function node(op: string, inputs: string[], outputs: string[]): Field {
  return message(1, [
    ...inputs.map((name) => text(1, name)),
    ...outputs.map((name) => text(2, name)),
    text(4, op),
  ]);
}

const WEIGHTS = [1, 1e-30, -1e-21, 1e-19, 0, -1e-40, 2 ** -149, -0.5];

/** x [1,2,3] * w [6] reshaped: Reshape(x, [1,-1]) * w. */
function model(extraNodes: Field[] = []): Uint8Array {
  return writeFields([
    varintField(1, 7),
    text(2, "test"),
    message(7, [
      node("Reshape", ["x", "shape"], ["flat"]),
      node("Mul", ["flat", "w"], ["y"]),
      ...extraNodes,
      text(2, "graph"),
      tensor("shape", [2], 7, int64s([1n, -1n])),
      tensor("w", [8], 1, floats(WEIGHTS)),
      valueInfo(11, "x", [1, 2, 4]),
      valueInfo(12, "y", [1, 8]),
      valueInfo(13, "flat", [1, 8]),
    ]),
    message(8, [varintField(2, 9)]),
  ]);
}

function initializer(bytes: Uint8Array, name: string): Uint8Array {
  const graph = readFields(
    readFields(bytes).find((f) => f.number === 7)!.payload,
  );
  for (const field of graph) {
    if (field.number !== 5) continue;
    const parts = readFields(field.payload);
    const nameField = parts.find((f) => f.number === 8)!;
    if (new TextDecoder().decode(nameField.payload) === name) {
      return parts.find((f) => f.number === 9)!.payload;
    }
  }
  throw new Error(`no initializer ${name}`);
}

Deno.test("flushTinyWeights", async (t) => {
  const original = model();
  const { model: flushed, flushed: count, subnormal } = flushTinyWeights(
    original,
  );

  await t.step("zeroes exactly the non-zero weights below 1e-20", () => {
    assert.equal(count, 4);
    assert.equal(subnormal, 2);
    const raw = initializer(flushed, "w");
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const values = Array.from(
      { length: 8 },
      (_, i) => view.getFloat32(i * 4, true),
    );
    assert.deepEqual(values, [1, 0, 0, Math.fround(1e-19), 0, 0, 0, -0.5]);
  });

  await t.step("changes no byte outside the weights", () => {
    assert.equal(flushed.length, original.length);
    const changed = [...original.keys()].filter((i) =>
      original[i] !== flushed[i]
    );
    const raw = initializer(original, "w");
    const start = raw.byteOffset - original.byteOffset;
    assert.ok(changed.length > 0);
    assert.ok(changed.every((i) => i >= start && i < start + raw.length));
  });

  await t.step("is the identity when nothing is below the threshold", () => {
    assert.deepEqual(flushTinyWeights(original, 1e-45).model, original);
  });
});

Deno.test("makeBatchDynamic", async (t) => {
  const { model: dynamic, changes } = makeBatchDynamic(model());

  await t.step("makes dim 0 symbolic and lets Reshape copy it", () => {
    const summary = summarise(dynamic);
    assert.deepEqual(summary.inputs, [
      { name: "x", elemType: 1, shape: ["batch", 2, 4] },
    ]);
    assert.deepEqual(summary.outputs, [
      { name: "y", elemType: 1, shape: ["batch", 8] },
    ]);
    const shape = initializer(dynamic, "shape");
    const view = new DataView(shape.buffer, shape.byteOffset, shape.length);
    assert.deepEqual([view.getBigInt64(0, true), view.getBigInt64(8, true)], [
      0n,
      -1n,
    ]);
    assert.deepEqual(changes, [
      'Reshape shape initializer "shape": [1,-1] -> [0,-1]',
      'input "x" dim 0: 1 -> "batch"',
      'output "y" dim 0: 1 -> "batch"',
      'value_info "flat": dropped',
    ]);
  });

  await t.step("keeps the other fields byte for byte", () => {
    const before = readFields(model());
    const after = readFields(dynamic);
    assert.deepEqual(
      after.filter((f) => f.number !== 7).map((f) => f.raw),
      before.filter((f) => f.number !== 7).map((f) => f.raw),
    );
    assert.deepEqual(initializer(dynamic, "w"), initializer(model(), "w"));
  });

  await t.step("refuses a Reshape shape that other nodes read too", () => {
    const shared = model([node("Add", ["shape", "shape"], ["z"])]);
    assert.throws(() => makeBatchDynamic(shared), OnnxFormatError);
  });

  await t.step("refuses a model whose batch is not 1", () => {
    assert.throws(() => makeBatchDynamic(dynamic), {
      name: "OnnxFormatError",
      message: /x does not have a fixed batch of 1/,
    });
  });
});

Deno.test("readGraph", async (t) => {
  await t.step("reads nodes, numeric attributes and initializers", () => {
    const graph = readGraph(onnxModel({
      input: { name: "x", dims: ["batch", 2, 3, 3] },
      output: { name: "y", dims: ["batch", 4] },
      nodes: [
        {
          op: "Conv",
          inputs: ["x", "w"],
          outputs: ["c"],
          attributes: { kernel_shape: [3, 3], group: 1 },
        },
        { op: "Reshape", inputs: ["c", "shape"], outputs: ["y"] },
      ],
      initializers: {
        w: { dims: [4, 2, 3, 3], data: new Float32Array(72).fill(0.5) },
        shape: { dims: [2], data: BigInt64Array.of(0n, -1n) },
      },
    }));
    assert.deepEqual(graph.inputs, [
      { name: "x", elemType: 1, shape: ["batch", 2, 3, 3] },
    ]);
    assert.deepEqual(graph.nodes.map((n) => [n.op, n.inputs, n.outputs]), [
      ["Conv", ["x", "w"], ["c"]],
      ["Reshape", ["c", "shape"], ["y"]],
    ]);
    assert.deepEqual(graph.nodes[0].attributes, {
      kernel_shape: [3, 3],
      group: 1,
    });
    assert.deepEqual(graph.initializers.get("w")?.dims, [4, 2, 3, 3]);
    assert.equal(graph.initializers.get("w")?.data[71], 0.5);
    assert.deepEqual(
      graph.initializers.get("shape")?.data,
      BigInt64Array.of(0n, -1n),
    );
  });

  await t.step("reads float_data as well as raw_data", () => {
    const graph = readGraph(writeFields([
      message(7, [
        message(5, [
          varintField(1, 2),
          varintField(2, 1),
          text(8, "w"),
          lenField(4, floats([1.5, -2])),
        ]),
        valueInfo(11, "x", [1, 2]),
        valueInfo(12, "x", [1, 2]),
      ]),
    ]));
    assert.deepEqual(
      graph.initializers.get("w")?.data,
      Float32Array.of(1.5, -2),
    );
  });

  await t.step("refuses initializers of other types", () => {
    assert.throws(
      () =>
        readGraph(writeFields([
          message(7, [
            tensor("i", [1], 6, new Uint8Array(4)),
            valueInfo(11, "x", [1]),
          ]),
        ])),
      { name: "OnnxFormatError", message: /data type 6/ },
    );
  });
});

Deno.test("a file that is not ONNX is refused", () => {
  assert.throws(
    () => summarise(writeFields([varintField(1, 7)])),
    OnnxFormatError,
  );
});
