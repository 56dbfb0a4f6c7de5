import assert from "node:assert/strict";
import { DEFAULT_THRESHOLD, FaceEngine } from "@facever/model";
import {
  accuracy,
  areaUnderCurve,
  bestThreshold,
  embedPairs,
  lfwRoot,
  rates,
  readPairs,
  scorePairs,
  tarAtFar,
} from "./lfw.ts";

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping LFW accuracy: dataset not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}

Deno.test("pair scoring helpers", async (t) => {
  await t.step("bestThreshold maximises accuracy", () => {
    const scores = [0.9, 0.3, 0.35, 0.2, 0.1, 0.5];
    const same = [true, true, false, false, false, true];
    const threshold = bestThreshold(scores, same);
    assert.equal(accuracy(scores, same, threshold), 5 / 6);
    for (const other of [0, 0.15, 0.25, 0.32, 0.4, 0.6, 1]) {
      assert.ok(accuracy(scores, same, other) <= 5 / 6);
    }
  });
  await t.step("rates count accepted pairs per class", () => {
    const { far, tar } = rates([0.9, 0.6, 0.4, 0.1], [
      true,
      false,
      true,
      false,
    ], 0.5);
    assert.equal(far, 0.5);
    assert.equal(tar, 0.5);
  });
  await t.step("a pair with a missing face scores as a non-match", () => {
    const e = new Float32Array([1, 0]);
    const scores = scorePairs(
      [{ a: "x", b: "y", same: true }],
      new Map([
        ["x", e],
        ["y", undefined],
      ]),
    );
    assert.equal(scores[0], -1);
  });
});

Deno.test({
  name: "LFW View 2 fold 1: accuracy at the calibrated threshold is ≥ 99.0 %",
  ignore: !root,
  fn: async () => {
    const [fold1] = await readPairs(root!, "pairs.txt");
    assert.equal(fold1.length, 600);
    const engine = await FaceEngine.create();
    const embeddings = await embedPairs(engine, fold1);
    const scores = scorePairs(fold1, embeddings);
    const same = fold1.map((pair) => pair.same);
    const result = accuracy(scores, same, DEFAULT_THRESHOLD);
    const noFace = [...embeddings.values()].filter((e) => !e).length;
    console.log(
      `LFW fold 1: ${
        (result * 100).toFixed(2)
      } % at threshold ${DEFAULT_THRESHOLD} (${noFace} images without a face)`,
    );
    assert.ok(result >= 0.99, `accuracy ${result} is below 0.99`);
  },
});

Deno.test("threshold-free metrics", async (t) => {
  await t.step("AUC is 1 for separated scores, 0.5 for ties", () => {
    assert.equal(
      areaUnderCurve([0.9, 0.8, 0.2, 0.1], [true, true, false, false]),
      1,
    );
    assert.equal(areaUnderCurve([0.5, 0.5], [true, false]), 0.5);
    assert.equal(areaUnderCurve([0.1, 0.9], [true, false]), 0);
  });
  await t.step("TAR at FAR allows that share of impostors", () => {
    const scores = [0.95, 0.9, 0.6, 0.5, 0.8, 0.4, 0.3, 0.2];
    const same = [true, true, true, true, false, false, false, false];
    assert.equal(tarAtFar(scores, same, 0), 0.5);
    assert.equal(tarAtFar(scores, same, 0.25), 1);
  });
});
