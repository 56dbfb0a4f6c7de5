import assert from "node:assert/strict";
import { randomFloats } from "@facever/testing";
import { INTERFACE_SECTION } from "@facever/model/compiled";
import { readGraph } from "./_onnx.ts";
import { type CompileOptions, lowerGraph } from "./_compile_lower.ts";
import { packConstants } from "./_compile_constants.ts";
import { type MemoryPlan, planMemory } from "./_compile_plan.ts";
import { emitModule, interfaceOf } from "./_compile_emit.ts";
import type { LoweredGraph, Shape, Storage } from "./_compile_types.ts";
import { onnxModel, type TestGraph } from "./_test_util.ts";
import {
  detectorGraph,
  gateGraph,
  poolGraph,
  testGraph,
} from "./_test_graphs.ts";
import { MODELS } from "./convert.ts";

Deno.test("the interface section says where the input and outputs are", async (t) => {
  const vector: Shape = { c: 24, h: 1, w: 1, channels: 24 };
  const map: Shape = { c: 16, h: 7, w: 6, channels: 12 };
  const graph = (declared?: LoweredGraph["outputs"][0]["declared"]) => ({
    input: { name: "in", shape: { c: 3, h: 14, w: 12, channels: 3 } },
    steps: [],
    views: new Map(),
    outputs: [
      { name: "v", tensor: "v", shape: vector, declared },
      { name: "m", tensor: "m", shape: map },
    ],
    folded: {},
  });
  const storage = (offset: number, s: Shape): Storage => ({
    offset,
    ...s,
    pad: 0,
  });
  const plan: MemoryPlan = {
    input: 64,
    constants: 2048,
    storage: new Map([["v", storage(8192, vector)], ["m", storage(4096, map)]]),
    end: 16384,
  };
  const dims = (declared?: LoweredGraph["outputs"][0]["declared"]) =>
    interfaceOf(graph(declared), plan).outputs[0].dims;

  await t.step(
    "the input, NCHW without the batch",
    () =>
      assert.deepEqual(interfaceOf(graph(), plan).input, {
        name: "in",
        dims: [3, 14, 12],
        offset: 64,
      }),
  );
  await t.step("a 1x1 map as the graph declares it, if that fits", () => {
    assert.deepEqual(dims([24]), [24]);
    assert.deepEqual(dims([2, 12]), [2, 12]);
    assert.deepEqual(dims([25]), [24]);
    assert.deepEqual(dims(["n"]), [24]);
    assert.deepEqual(dims(), [24]);
  });
  await t.step(
    "a larger map, NHWC with its stored pixel stride",
    () =>
      assert.deepEqual(interfaceOf(graph(), plan).outputs[1], {
        name: "m",
        dims: [7, 6, 12],
        offset: 4096,
        layout: "nhwc",
        pixelStride: 16,
      }),
  );
});

/** Non-zero floats in the border of a stored tensor; the stage is NCHW. */
function borderNonZeros(view: DataView, s: Storage, nchw: boolean): number {
  const rows = s.h + 2 * s.pad;
  const cols = s.w + 2 * s.pad;
  let found = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const inside = y >= s.pad && y < s.h + s.pad && x >= s.pad &&
        x < s.w + s.pad;
      if (inside) continue;
      for (let c = 0; c < s.c; c++) {
        const float = nchw
          ? (c * rows + y) * cols + x
          : (y * cols + x) * s.c + c;
        if (view.getFloat32(s.offset + float * 4, true) !== 0) found++;
      }
    }
  }
  return found;
}

/**
 * Emits and runs the module of `graph`, then checks that it kept to its
 * plan: the borders the plan relies on are still zero, the constants
 * unchanged and nothing written past the plan's end.
 */
function assertKeepsToPlan(graph: LoweredGraph): void {
  const constants = packConstants(graph.steps);
  const plan = planMemory(graph, constants.bytes.length);
  const emitted = emitModule(graph, constants, plan);
  const module = new WebAssembly.Module(emitted.wasm);
  assert.deepEqual(
    WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]),
    [["memory", "memory"], ["run", "function"]],
  );
  const [section] = WebAssembly.Module.customSections(
    module,
    INTERFACE_SECTION,
  );
  assert.deepEqual(
    JSON.parse(new TextDecoder().decode(section)),
    emitted.interface,
  );
  const instance = new WebAssembly.Instance(module);
  const memory = instance.exports.memory as WebAssembly.Memory;
  assert.equal(memory.buffer.byteLength, Math.ceil(plan.end / 65536) * 65536);
  const bytes = new Uint8Array(memory.buffer);
  const { c, h, w } = graph.input.shape;
  new Float32Array(memory.buffer, plan.input, c * h * w).set(
    randomFloats(c * h * w, 3),
  );
  (instance.exports.run as () => void)();

  const view = new DataView(memory.buffer);
  for (const [name, s] of plan.storage) {
    if (s.pad === 0) continue;
    assert.equal(
      borderNonZeros(view, s, name === graph.input.name),
      0,
      `the border of ${name}`,
    );
  }
  assert.deepEqual(
    bytes.slice(plan.constants, plan.constants + constants.bytes.length),
    constants.bytes,
  );
  assert.ok(bytes.subarray(plan.end).every((b) => b === 0));
  for (const { tensor, shape } of graph.outputs) {
    const s = plan.storage.get(tensor) as Storage;
    const values = new Float32Array(memory.buffer, s.offset, shape.c);
    assert.ok(values.some((v) => v !== 0), `${tensor} was written`);
  }
}

Deno.test("the module keeps to its memory plan", async (t) => {
  const cases: [string, TestGraph, CompileOptions][] = [
    ["test graph", testGraph(), {}],
    ["detector patterns", detectorGraph(), { inputSize: [20, 17] }],
    ["squeeze-and-excite gate", gateGraph(), {}],
    ["max pools", poolGraph(), {}],
  ];
  for (const [name, graph, options] of cases) {
    await t.step(
      name,
      () => assertKeepsToPlan(lowerGraph(readGraph(onnxModel(graph)), options)),
    );
  }
  for (const model of MODELS) {
    const onnx = await Deno.readFile(new URL(model.file, import.meta.url));
    const [spec] = model.compiled ?? [];
    await t.step(spec.file, () =>
      assertKeepsToPlan(
        lowerGraph(readGraph(onnx), {
          outputs: spec.outputs?.map((o) => o.name),
          inputSize: spec.inputSize,
        }),
      ));
  }
});
