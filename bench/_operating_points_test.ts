import assert from "node:assert/strict";
import type { OperatingPoint } from "@facever/weights";
import {
  countPairs,
  formatFar,
  formatPercent,
  operatingPointTable,
} from "./_operating_points.ts";

Deno.test("countPairs counts accepts of both kinds at the threshold", () => {
  const counts = countPairs({
    genuine: new Float32Array([0.75, 0.5, 0.25, 0.875]),
    impostor: new Float32Array([0.5, 0, -0.25, 0.125]),
  }, 0.5);
  assert.deepEqual(counts, {
    far: 0.25,
    tar: 0.75,
    falseAccepts: 1,
    impostorPairs: 4,
    trueAccepts: 3,
    genuinePairs: 4,
  });
});

Deno.test("rates read alike across orders of magnitude", () => {
  assert.equal(formatFar(0.00487), "4.9e-3");
  assert.equal(formatFar(1e-4), "1.0e-4");
  assert.equal(formatFar(0), "0");
  assert.equal(formatPercent(0.99567), "99.57 %");
});

Deno.test("operatingPointTable gives one row per point", () => {
  const counts = {
    far: 1e-3,
    tar: 0.99,
    falseAccepts: 3,
    impostorPairs: 3000,
    trueAccepts: 99,
    genuinePairs: 100,
  };
  const list = { accuracy: 0.99, far: 0, tar: 0.98, pairs: 1000 };
  const point: OperatingPoint = {
    name: "far-1e-3",
    threshold: 0.35,
    targetFar: 1e-3,
    train: counts,
    heldOut: { ...counts, falseAccepts: 1234 },
    pairLists: { train: list, heldOut: list },
  };
  const lines = operatingPointTable([point, {
    ...point,
    name: "accuracy",
    targetFar: null,
  }])
    .split("\n");
  assert.equal(lines.length, 4);
  assert.ok(lines[1].startsWith("| --- | ---: |"));
  assert.equal(
    lines[2],
    "| `far-1e-3` | 0.35 | 1.0e-3 | 1.0e-3 | 99.00 % | 1.0e-3 | 1,234 | 99.00 % | 98.00 % | 99.00 % |",
  );
  assert.ok(lines[3].startsWith("| `accuracy` | 0.35 | – |"));
});
