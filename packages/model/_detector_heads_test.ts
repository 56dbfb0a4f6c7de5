import assert from "node:assert/strict";
import { decodeHeads, priorBoxes } from "./_detector_heads.ts";

Deno.test("priorBoxes() follows the detector's maps", async (t) => {
  await t.step("4420 priors at 320x240, 1,008 at 128x128", () => {
    assert.equal(priorBoxes(320, 240).length / 4, 4420);
    // 16×16×3 + 8×8×2 + 4×4×2 + 2×2×3
    assert.equal(priorBoxes(128, 128).length / 4, 768 + 128 + 32 + 12);
  });
  await t.step("centres split each map evenly, sizes are the anchors", () => {
    const priors = priorBoxes(128, 128);
    assert.deepEqual(
      Array.from(priors.subarray(0, 4)),
      [
        0.5 / 16,
        0.5 / 16,
        10 / 128,
        10 / 128,
      ].map(Math.fround),
    );
    // The last prior: the 256-px anchor of the stride-64 map, clipped.
    assert.deepEqual(Array.from(priors.subarray(-4)), [0.75, 0.75, 1, 1]);
  });
});

Deno.test("decodeHeads() decodes only the priors at minScore or above", () => {
  const priors = priorBoxes(128, 128);
  const count = priors.length / 4;
  const cells = [256, 64, 16, 4];
  const anchors = [3, 2, 2, 3];
  let seed = 7;
  const random = () =>
    ((seed = (seed * 16807) % 2147483647) / 2147483647) * 6 - 3;
  const classes = cells.map((n, h) =>
    Float32Array.from({ length: n * anchors[h] * 2 }, random)
  );
  const offsets = cells.map((n, h) =>
    Float32Array.from({ length: n * anchors[h] * 4 }, random)
  );
  const all = decodeHeads(classes, offsets, priors, 0);
  assert.equal(all.length, count);
  const strong = decodeHeads(classes, offsets, priors, 0.9);
  assert.deepEqual(strong, all.filter((c) => c.score >= 0.9));
  assert.ok(strong.length > 0 && strong.length < count / 2);
  // The first prior, by hand: softmax and the SSD box decoding.
  const [l0, l1] = classes[0];
  const [dx, dy, dw, dh] = offsets[0];
  const [cx, cy, w, h] = priors;
  const width = Math.exp(dw * 0.2) * w, height = Math.exp(dh * 0.2) * h;
  const centreX = cx + dx * 0.1 * w, centreY = cy + dy * 0.1 * h;
  const first = all[0];
  assert.ok(
    Math.abs(first.score - Math.exp(l1) / (Math.exp(l0) + Math.exp(l1))) < 1e-6,
  );
  assert.ok(Math.abs(first.x1 - (centreX - width / 2)) < 1e-6);
  assert.ok(Math.abs(first.y2 - (centreY + height / 2)) < 1e-6);
  assert.throws(
    () => decodeHeads(classes.slice(1), offsets.slice(1), priors, 0),
    /the heads hold 172 anchors, the priors 940/,
  );
});
