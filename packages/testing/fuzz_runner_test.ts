import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  facePipeline,
  type FuzzEngine,
  type FuzzFace,
  runFuzz,
} from "./fuzz_runner.ts";
import { fuzzInputs, type FuzzPlanEntry } from "./image_fuzz.ts";
import { planned } from "./_test_fuzz_child.ts";

class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const codeOf = (error: unknown) =>
  error instanceof Refused ? error.code : undefined;

const unit = (n: number) => Float32Array.from({ length: n }, () => 1 / n ** .5);

function face(overrides: Partial<FuzzFace> = {}): FuzzFace {
  return {
    box: { x: 10, y: 10, width: 50, height: 60 },
    score: 0.99,
    landmarks: Array.from({ length: 5 }, (_, i) => ({ x: 20 + i, y: 30 })),
    embedding: unit(4),
    ...overrides,
  };
}

function engine(
  analyze: () => Promise<{ faces: readonly FuzzFace[] }>,
  embedImage: () => Promise<FuzzFace>,
): FuzzEngine {
  return {
    analyze: async () => ({ width: 100, height: 100, ...await analyze() }),
    embedImage,
  };
}

const run = (e: FuzzEngine) => facePipeline(e, codeOf)(new Uint8Array(1));

Deno.test("facePipeline", async (t) => {
  await t.step("a typed refusal from both calls is its code", async () => {
    const refuse = () => Promise.reject(new Refused("corrupt_image"));
    assert.deepEqual(await run(engine(refuse, refuse)), {
      outcome: "corrupt_image",
    });
  });

  await t.step(
    "any other error is untyped, with where it came from",
    async () => {
      const result = await run(engine(
        () => Promise.resolve({ faces: [] }),
        () => Promise.reject(new TypeError("x is undefined")),
      ));
      assert.equal(result.outcome, "untyped");
      assert.match(result.detail!, /^embedImage: TypeError: x is undefined/);
    },
  );

  await t.step(
    "no face: analyze finds none, embedImage says no_face",
    async () => {
      const result = await run(engine(
        () => Promise.resolve({ faces: [] }),
        () => Promise.reject(new Refused("no_face")),
      ));
      assert.equal(result.outcome, "no faces");
      assert.equal(result.signature, "100x100, no faces");
    },
  );

  await t.step("faces: the same largest face from both calls", async () => {
    const result = await run(engine(
      () =>
        Promise.resolve({
          faces: [face(), face({ box: { x: 0, y: 0, width: 5, height: 5 } })],
        }),
      () => Promise.resolve(face()),
    ));
    assert.equal(result.outcome, "faces");
    assert.match(result.signature!, /^100x100, 2 faces, 0\.50000/);
  });

  await t.step("the calls disagreeing is inconsistent", async () => {
    const cases: [
      () => Promise<{ faces: FuzzFace[] }>,
      () => Promise<FuzzFace>,
    ][] = [
      [
        () => Promise.reject(new Refused("corrupt_image")),
        () => Promise.resolve(face()),
      ],
      [
        () => Promise.reject(new Refused("corrupt_image")),
        () => Promise.reject(new Refused("truncated_image")),
      ],
      [() => Promise.resolve({ faces: [] }), () => Promise.resolve(face())],
      [
        () => Promise.resolve({ faces: [face()] }),
        () => Promise.reject(new Refused("no_face")),
      ],
      [
        () => Promise.resolve({ faces: [face()] }),
        () => Promise.resolve(face({ embedding: Float32Array.of(1, 0, 0, 0) })),
      ],
    ];
    for (const [analyze, embedImage] of cases) {
      assert.equal(
        (await run(engine(analyze, embedImage))).outcome,
        "inconsistent",
      );
    }
  });

  await t.step(
    "results that break the API's promises are invalid",
    async () => {
      const broken: Partial<FuzzFace>[] = [
        { embedding: Float32Array.of(NaN, 0, 0, 0) },
        { embedding: Float32Array.of(2, 0, 0, 0) },
        { box: { x: 90, y: 10, width: 20, height: 20 } },
        { box: { x: 10, y: 10, width: 0, height: 20 } },
        { box: { x: -1, y: 10, width: 20, height: 20 } },
        { score: 1.5 },
        { landmarks: [{ x: 1, y: 1 }] },
        { landmarks: Array.from({ length: 5 }, () => ({ x: Infinity, y: 0 })) },
        { embedding: undefined },
      ];
      for (const overrides of broken) {
        const result = await run(engine(
          () => Promise.resolve({ faces: [face(overrides)] }),
          () => Promise.resolve(face()),
        ));
        assert.equal(
          result.outcome,
          "invalid result",
          JSON.stringify(overrides),
        );
      }
      const bare = await run(engine(
        () => Promise.resolve({ faces: [face()] }),
        () => Promise.resolve(face({ embedding: undefined })),
      ));
      assert.equal(bare.detail, "embedImage gave no embedding");
      const unsorted = await run(engine(
        () =>
          Promise.resolve({
            faces: [face({ box: { x: 0, y: 0, width: 5, height: 5 } }), face()],
          }),
        () => Promise.resolve(face()),
      ));
      assert.equal(unsorted.detail, "faces not largest first");
    },
  );
});

Deno.test({
  name: "runFuzz: counts outcomes, survives hangs and crashes, goes on",
  // The children are awaited to their end (or killed).
  sanitizeResources: false,
  fn: async () => {
    // Samples whose own bytes neither hang nor crash the stand-in.
    const sample = (name: string, seed: number): FuzzPlanEntry => {
      const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * seed) & 255);
      while (["hang", "crash"].includes(planned(bytes))) bytes[0]++;
      return { name, bytes, mutations: 40 };
    };
    const plan = [sample("a", 7), sample("b", 13)];
    const expected: Record<string, Record<string, number>> = {};
    const hangs: number[] = [], crashes: number[] = [];
    for (const input of fuzzInputs(plan, 5)) {
      const what = planned(input.bytes);
      const outcome = what === "hang"
        ? "timeout"
        : what === "crash"
        ? "crash"
        : what;
      const row = expected[input.sample] ??= {};
      row[outcome] = (row[outcome] ?? 0) + 1;
      if (what === "hang") hangs.push(input.index);
      if (what === "crash") crashes.push(input.index);
    }
    assert.ok(
      hangs.length > 0 && crashes.length > 0,
      "the seed must find both",
    );
    const report = await runFuzz({
      command: [
        Deno.execPath(),
        "run",
        "--allow-read",
        fileURLToPath(new URL("_test_fuzz_child.ts", import.meta.url)),
      ],
      plan,
      seed: 5,
      timeoutMs: 1500,
      recheckEvery: 10,
    });
    assert.deepEqual(report.counts, expected);
    assert.equal(report.inputs, 80);
    assert.equal(report.children, 1 + hangs.length + crashes.length);
    assert.deepEqual(
      report.bugs.map((bug) => [bug.index, bug.outcome]).sort((x, y) =>
        x[0] as number - (y[0] as number)
      ),
      [
        ...hangs.map((index) => [index, "timeout"]),
        ...crashes.map((index) => [index, "crash"]),
      ].sort((x, y) => x[0] as number - (y[0] as number)),
    );
    const crash = report.bugs.find((bug) => bug.outcome === "crash")!;
    assert.match(crash.detail, /^exit code 9/);
    assert.ok(report.rechecks > 0);
    assert.ok(report.warmRss > 0 && report.peakRss >= report.warmRss);
    assert.equal(report.samples.a.outcome, planned(plan[0].bytes));
  },
});
