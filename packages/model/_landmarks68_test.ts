import assert from "node:assert/strict";
import { imageSource } from "@facever/core";
import {
  fivePoints,
  LANDMARK_OUTPUT_SIZE,
  landmarkRegion,
  writeLandmarkInput,
} from "./_landmarks68.ts";

Deno.test("landmarkRegion() rounds the box and keeps it inside the image", () => {
  const image = { width: 100, height: 80, data: new Uint8Array(100 * 80 * 3) };
  assert.deepEqual(
    landmarkRegion(image, { x: 10.4, y: 5.6, width: 20.2, height: 30 }),
    { x: 10, y: 6, width: 21, height: 30 },
  );
  assert.deepEqual(
    landmarkRegion(image, { x: -20, y: 60, width: 50, height: 50 }),
    { x: 0, y: 60, width: 30, height: 20 },
  );
});

Deno.test("writeLandmarkInput() writes 64x64 luma / 256 at the offset", () => {
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  image.data.fill(200);
  const out = new Float32Array(2 * 64 * 64).fill(-1);
  writeLandmarkInput(
    imageSource(image),
    { x: 0, y: 0, width: 8, height: 8 },
    out,
    64 * 64,
  );
  assert.ok(out.subarray(0, 64 * 64).every((v) => v === -1));
  assert.ok(out.subarray(64 * 64).every((v) => v === 200 / 256));
});

Deno.test("fivePoints() averages the iBUG points into the region's frame", () => {
  // Point i sits at (i / 100, 0.5) of the region.
  const output = new Float32Array(10 + LANDMARK_OUTPUT_SIZE);
  for (let i = 0; i < 68; i++) {
    output[10 + 2 * i] = i / 100;
    output[10 + 2 * i + 1] = 0.5;
  }
  const region = { x: 20, y: 40, width: 100, height: 60 };
  const xs = fivePoints(output, 10, region).map((p) => p.x + 0.5 - 20);
  const expected = [
    (37 + 38 + 40 + 41) / 4,
    (43 + 44 + 46 + 47) / 4,
    30,
    (48 + 60) / 2,
    (54 + 64) / 2,
  ];
  xs.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-4, `${i}`));
  for (const point of fivePoints(output, 10, region)) {
    assert.ok(Math.abs(point.y - (40 + 30 - 0.5)) < 1e-4);
  }
});
