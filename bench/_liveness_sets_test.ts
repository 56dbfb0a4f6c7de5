import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lfwRoot } from "@facever/testing";
import {
  attacksOf,
  lfwPresentations,
  sample,
  samplePresentations,
} from "./_liveness_sets.ts";

const root = lfwRoot();
const samples = fileURLToPath(
  new URL("../../shared/datasets/spoof-samples", import.meta.url),
);
const hasSamples = (() => {
  try {
    return Deno.statSync(join(samples, "README.md")).isFile;
  } catch {
    return false;
  }
})();

Deno.test("a seeded sample is a fixed subset", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = sample(items, 10, 3);
  assert.deepEqual(a, sample(items, 10, 3));
  assert.notDeepEqual(a, sample(items, 10, 4));
  assert.equal(new Set(a).size, 10);
  assert.ok(a.every((x) => items.includes(x)));
});

Deno.test("attacks alternate screen and print, each with its own seed", () => {
  const attacks = attacksOf(["a", "b", "c"], "held-out", 10);
  assert.deepEqual(attacks.map((a) => [a.group, a.attack?.seed]), [
    ["screen", 10],
    ["print", 11],
    ["screen", 12],
  ]);
  assert.ok(attacks.every((a) => a.truth === "attack"));
});

Deno.test({
  name:
    "LFW: development outside View 2, held-out View 2 whole, attacks halved",
  ignore: !root,
  fn: async () => {
    const all = await lfwPresentations(root!);
    const count = (set: string, truth: string) =>
      all.filter((p) => p.set === set && p.truth === truth).length;
    assert.equal(count("held-out", "bona fide"), 7701);
    assert.equal(count("development", "bona fide"), 1355);
    assert.equal(count("development", "attack"), 1355);
    assert.equal(count("held-out", "attack"), 1355);
    assert.equal(new Set(all.map((p) => p.id)).size, all.length);
    const heldOut = new Set(
      all.filter((p) => p.set === "held-out").map((p) => p.path),
    );
    assert.ok(
      all.filter((p) => p.set === "development").every((p) =>
        !heldOut.has(p.path)
      ),
      "no development photo is a held-out photo",
    );
    const seeds = all.flatMap((p) => p.attack ? [p.attack.seed] : []);
    assert.equal(new Set(seeds).size, seeds.length);
  },
});

Deno.test({
  name: "the spoof samples: five live, five attacks",
  ignore: !hasSamples,
  fn: () => {
    const found = samplePresentations(samples);
    assert.equal(found.filter((p) => p.truth === "bona fide").length, 5);
    assert.equal(found.filter((p) => p.truth === "attack").length, 5);
    assert.ok(found.every((p) => p.set === "smoke"));
  },
});
