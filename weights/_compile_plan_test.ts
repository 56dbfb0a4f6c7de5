import assert from "node:assert/strict";
import { readGraph } from "./_onnx.ts";
import { type CompileOptions, lowerGraph } from "./_compile_lower.ts";
import { packConstants } from "./_compile_constants.ts";
import { type MemoryPlan, planMemory, storedBytes } from "./_compile_plan.ts";
import {
  ALIGN,
  align,
  F32,
  type LoweredGraph,
  readsOf,
  residualOf,
  UnsupportedGraphError,
} from "./_compile_types.ts";
import { onnxModel, type TestGraph } from "./_test_util.ts";
import {
  conv,
  detectorGraph,
  gateGraph,
  gemmGraph,
  poolGraph,
  residualGraph,
  testGraph,
  weights,
} from "./_test_graphs.ts";
import { MODELS } from "./convert.ts";

/** A graph lowered and planned, and the size of its constants. */
function planned(graph: LoweredGraph) {
  const constantBytes = packConstants(graph.steps).bytes.length;
  return { graph, constantBytes, plan: planMemory(graph, constantBytes) };
}

const lower = (graph: TestGraph, options?: CompileOptions) =>
  lowerGraph(readGraph(onnxModel(graph)), options);

/** A region of memory that must hold its contents from `from` to `to`. */
interface Region {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** Steps: written by `from`, last read by `to`. */
  readonly from: number;
  readonly to: number;
  readonly layout?: string;
}

/**
 * The regions of a plan: the input item, its stage and the constants for
 * the whole run, each activation from the step that writes it (a Concat
 * from its first member) to the last that reads it, the outputs to the end.
 */
function regions(
  graph: LoweredGraph,
  plan: MemoryPlan,
  constantBytes: number,
): Region[] {
  const { name: input, shape } = graph.input;
  const written = new Map<string, number>();
  const lastRead = new Map<string, number>([[input, Infinity]]);
  graph.steps.forEach((step, i) => {
    const whole = graph.views.get(step.output)?.concat ?? step.output;
    if (!written.has(whole)) written.set(whole, i);
    for (const name of readsOf(step)) lastRead.set(name, i);
  });
  for (const { tensor } of graph.outputs) lastRead.set(tensor, Infinity);
  const tensors = [...plan.storage].filter(([name]) => !graph.views.has(name))
    .map(([name, s]): Region => ({
      name,
      start: s.offset,
      end: s.offset + storedBytes(s),
      from: written.get(name) ?? -1,
      to: lastRead.get(name) ?? -1,
      layout: `${s.h}x${s.w}x${s.c}+${s.pad}`,
    }));
  return [
    {
      name: "input item",
      start: plan.input,
      end: plan.input + shape.c * shape.h * shape.w * F32,
      from: -1,
      to: Infinity,
    },
    {
      name: "constants",
      start: plan.constants,
      end: plan.constants + constantBytes,
      from: -1,
      to: Infinity,
    },
    ...tensors,
  ];
}

/**
 * Asserts that no two regions that hold contents at the same time share a
 * byte, except a step's output taking the place of the residual it adds
 * (read and written at the same index), and that a padded region shares
 * bytes only with one of its exact layout, so its zero border stays zero.
 */
function assertSound(
  graph: LoweredGraph,
  plan: MemoryPlan,
  constantBytes: number,
): void {
  const all = regions(graph, plan, constantBytes);
  const inPlace = new Set(
    graph.steps.filter((s) => residualOf(s) !== s.input).map((s) =>
      `${s.output} ${residualOf(s)}`
    ),
  );
  for (const [i, a] of all.entries()) {
    assert.ok(a.from <= a.to, `${a.name} is read before it is written`);
    assert.ok(a.end <= plan.end, `${a.name} ends past the plan`);
    for (const b of all.slice(i + 1)) {
      if (a.start >= b.end || b.start >= a.end) continue;
      const padded = [a, b].some((r) => r.layout && !r.layout.endsWith("+0"));
      assert.ok(
        !padded || (a.layout === b.layout && a.start === b.start),
        `${a.name} and ${b.name} share bytes and one is padded`,
      );
      if (a.to < b.from || b.to < a.from) continue;
      const handOver = (x: Region, y: Region) =>
        x.from === y.to && inPlace.has(`${x.name} ${y.name}`);
      assert.ok(
        handOver(a, b) || handOver(b, a),
        `${a.name} and ${b.name} are live together in the same bytes`,
      );
    }
  }
}

Deno.test("the memory plan never overlaps live buffers", async (t) => {
  for (
    const [name, graph] of [
      ["test graph", testGraph()],
      ["detector patterns", detectorGraph()],
      ["residual read by its own layer", residualGraph()],
      ["Gemm on a 1x1 map", gemmGraph()],
      ["squeeze-and-excite gate", gateGraph()],
      ["max pools", poolGraph()],
    ] as const
  ) {
    await t.step(name, () => {
      const lowered = lower(graph);
      const { plan, constantBytes } = planned(lowered);
      assertSound(lowered, plan, constantBytes);
    });
  }
  for (const model of MODELS) {
    const onnx = await Deno.readFile(new URL(model.file, import.meta.url));
    for (const spec of model.compiled ?? []) {
      await t.step(spec.file, () => {
        const graph = lowerGraph(readGraph(onnx), {
          outputs: spec.outputs?.map((o) => o.name),
          inputSize: spec.inputSize,
        });
        const { plan, constantBytes } = planned(graph);
        assertSound(graph, plan, constantBytes);
      });
    }
  }
});

Deno.test("input, stage, constants, then activations, all aligned", () => {
  const { graph, plan, constantBytes } = planned(lower(testGraph()));
  const stage = plan.storage.get("x");
  assert.ok(stage);
  // The first convolution reads the input through a border of 1.
  assert.deepEqual({ ...stage, offset: 0 }, {
    offset: 0,
    h: 14,
    w: 14,
    c: 3,
    pad: 1,
  });
  assert.equal(plan.input, ALIGN);
  assert.equal(stage.offset, align(ALIGN + 3 * 14 * 14 * F32));
  assert.equal(plan.constants, align(stage.offset + storedBytes(stage)));
  for (const [name, s] of plan.storage) {
    if (name === "x") continue;
    assert.ok(s.offset >= align(plan.constants + constantBytes), name);
    if (!graph.views.has(name)) assert.equal(s.offset % ALIGN, 0, name);
  }
  assert.equal(
    plan.end,
    Math.max(
      ...[...plan.storage.values()].map((s) => s.offset + storedBytes(s)),
    ),
  );
});

Deno.test("each tensor has the border its widest padded reader needs", () => {
  const { plan } = planned(lower(detectorGraph()));
  const pads = Object.fromEntries(
    ["x", "r1", "c2", "r4", "cat", "c3", "c5", "r7", "m"].map((
      name,
    ) => [name, plan.storage.get(name)?.pad]),
  );
  // r1 is read by a 3×3 (pad 1) and by 1×1s, c2 by the dilation-2 and r4
  // by the dilation-3 convolution; the Concat's members are views into it.
  assert.deepEqual(pads, {
    x: 1,
    r1: 1,
    c2: 2,
    r4: 3,
    cat: 0,
    c3: 0,
    c5: 0,
    r7: 0,
    m: 0,
  });
  const cat = plan.storage.get("cat");
  assert.equal(plan.storage.get("c3")?.offset, cat?.offset);
  assert.equal(plan.storage.get("c5")?.offset, (cat?.offset ?? 0) + 16 * F32);
  assert.equal(plan.storage.get("c5")?.c, 24);
});

Deno.test("a residual's place goes to the output that adds it", () => {
  // t2 = t1 + conv(p5): t1 is last read there, so t2 can take its place.
  const { plan } = planned(lower(testGraph()));
  assert.equal(plan.storage.get("t2")?.offset, plan.storage.get("t1")?.offset);
  // u = t + conv(t): t is the convolution's input too, so u may not.
  const own = planned(lower(residualGraph())).plan;
  assert.notEqual(own.storage.get("u")?.offset, own.storage.get("t")?.offset);
});

Deno.test("a residual or output that a padded convolution reads is refused", async (t) => {
  const refuse = (graph: TestGraph, outputs: string[], pattern: RegExp) =>
    assert.throws(
      () => planMemory(lower(graph, { outputs }), 0),
      (error: unknown) =>
        error instanceof UnsupportedGraphError && pattern.test(error.message),
    );
  const initializers = {
    w1: weights([8, 3, 3, 3]),
    w2: weights([8, 8, 1, 1]),
    w3: weights([8, 8, 3, 3]),
  };
  await t.step("a residual", () =>
    refuse(
      {
        input: { name: "x", dims: ["batch", 3, 6, 6] },
        output: { name: "u", dims: ["batch", 8, 6, 6] },
        nodes: [
          conv("x", "w1", undefined, "t", { kernel: 3, pad: 1 }),
          conv("t", "w2", undefined, "c"),
          { op: "Add", inputs: ["c", "t"], outputs: ["u"] },
          conv("t", "w3", undefined, "d", { kernel: 3, pad: 1 }),
        ],
        initializers,
      },
      ["u", "d"],
      /residual t of c is also read by a padded convolution/,
    ));
  await t.step("an output", () =>
    refuse(
      {
        input: { name: "x", dims: ["batch", 3, 6, 6] },
        output: { name: "t", dims: ["batch", 8, 6, 6] },
        nodes: [
          conv("x", "w1", undefined, "t", { kernel: 3, pad: 1 }),
          conv("t", "w3", undefined, "d", { kernel: 3, pad: 1 }),
        ],
        initializers,
      },
      ["t", "d"],
      /output t is also read by a padded convolution/,
    ));
});
