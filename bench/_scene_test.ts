import assert from "node:assert/strict";
import { uniform } from "@facever/testing";
import {
  background,
  expose,
  gaussianBlur,
  homography,
  project,
  sampleBilinear,
  valueNoise,
} from "./_scene.ts";

Deno.test("a homography maps its four points, and lines stay lines", () => {
  const from = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, {
    x: 0,
    y: 10,
  }];
  const to = [{ x: 3, y: 1 }, { x: 20, y: 4 }, { x: 18, y: 25 }, {
    x: 1,
    y: 19,
  }];
  const h = homography(from, to);
  from.forEach((p, i) => {
    const q = project(h, p.x, p.y);
    assert.ok(Math.hypot(q.x - to[i].x, q.y - to[i].y) < 1e-9);
  });
  // The middle of an edge lands on the image of that edge.
  const mid = project(h, 5, 0);
  const cross = (to[1].x - to[0].x) * (mid.y - to[0].y) -
    (to[1].y - to[0].y) * (mid.x - to[0].x);
  assert.ok(Math.abs(cross) < 1e-9);
  assert.throws(
    () => homography([from[0], from[0], from[0], from[0]], to),
    RangeError,
  );
});

Deno.test("value noise is smooth, bounded and fixed by its seed", () => {
  const noise = valueNoise(3, 8);
  let max = 0;
  for (let x = 0; x < 64; x += 0.5) {
    const value = noise(x, 7.25);
    assert.ok(value >= -1 && value <= 1);
    max = Math.max(max, Math.abs(value - noise(x + 0.01, 7.25)));
  }
  assert.ok(max < 0.02, `a step of 0.01 moved it by ${max}`);
  assert.equal(valueNoise(3, 8)(5, 5), noise(5, 5));
  assert.notEqual(valueNoise(4, 8)(5, 5), noise(5, 5));
});

Deno.test("the Gaussian blur keeps the mean and spreads a spike", () => {
  // Far enough from the edges, which are clamped, not mirrored.
  const width = 21, height = 19;
  const plane = new Float32Array(width * height * 3);
  plane[(9 * width + 10) * 3 + 1] = 630;
  gaussianBlur(plane, width, height, 1.2);
  const green = plane.filter((_, i) => i % 3 === 1);
  const total = green.reduce((sum, v) => sum + v, 0);
  assert.ok(Math.abs(total - 630) < 1e-2);
  assert.ok(green[9 * width + 10] < 630 && green[9 * width + 11] > 0);
});

Deno.test("a background is smooth colour in 8-bit range", () => {
  const plane = background(uniform(5), 32, 24);
  assert.equal(plane.length, 32 * 24 * 3);
  assert.ok(plane.every((v) => v >= 0 && v <= 255 * 1.25));
});

Deno.test("exposure adds noise of the asked size, then rounds and clips", () => {
  const plane = new Float32Array(30000).fill(100);
  const { data } = expose(plane, 100, 100, 3, uniform(9));
  const mean = data.reduce((s, v) => s + v, 0) / data.length;
  const sd = Math.sqrt(
    data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length,
  );
  assert.ok(Math.abs(mean - 100) < 0.2, `mean ${mean}`);
  assert.ok(Math.abs(sd - 3) < 0.3, `standard deviation ${sd}`);
});

Deno.test("bilinear sampling interpolates and clamps at the edges", () => {
  const image = {
    width: 2,
    height: 2,
    data: [0, 0, 0, 100, 0, 0, 0, 0, 0, 100, 0, 0],
  };
  const out = [0, 0, 0];
  sampleBilinear(image, 0.25, 0.5, out);
  assert.ok(Math.abs(out[0] - 25) < 1e-9);
  sampleBilinear(image, 7, -3, out);
  assert.equal(out[0], 100);
});
