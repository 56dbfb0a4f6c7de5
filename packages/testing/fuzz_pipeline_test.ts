import assert from "node:assert/strict";
import {
  facePipeline,
  type FuzzEngine,
  type FuzzFace,
} from "./fuzz_pipeline.ts";

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
