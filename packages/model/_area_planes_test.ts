import assert from "node:assert/strict";
import { cropImage, resizeImage } from "@facever/core";
import { randomFloats } from "@facever/testing";
import { shrinkToPlanes } from "./_area_planes.ts";

/** A noisy RGB image with smooth structure. */
function image(width: number, height: number, seed: number) {
  const noise = randomFloats(width * height * 3, seed, 40);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const x = (i / 3) % width, y = Math.floor(i / 3 / width);
    data[i] = Math.max(
      0,
      Math.min(
        255,
        128 + 80 * Math.sin(x / 7 + (i % 3)) * Math.cos(y / 5) + noise[i],
      ),
    );
  }
  return { width, height, data };
}

Deno.test("shrinking into planes gives what crop and resize give, unrounded", () => {
  const cases = [
    { size: 16, rect: { x0: 3, y0: 5, x1: 40, y1: 29 } },
    { size: 16, rect: { x0: 0, y0: 0, x1: 16, y1: 16 } },
    { size: 12, rect: { x0: 10, y0: 1, x1: 61, y1: 48 } },
  ];
  for (const [n, { size, rect }] of cases.entries()) {
    const source = image(64, 50, n + 1);
    const out = new Float32Array(2 + 3 * size * size);
    shrinkToPlanes(source, rect, size, [2, 1, 0], out, 2);
    const expected = resizeImage(
      cropImage(source, {
        x: rect.x0,
        y: rect.y0,
        width: rect.x1 - rect.x0,
        height: rect.y1 - rect.y0,
      }),
      size,
      size,
    );
    const plane = size * size;
    for (let i = 0; i < plane; i++) {
      for (const [p, c] of [[0, 2], [1, 1], [2, 0]]) {
        const got = out[2 + p * plane + i];
        const want = expected.data[i * 3 + c];
        // resizeImage rounds to whole values; these are not rounded.
        assert.ok(
          Math.abs(got - want) <= 0.5 + 1e-3,
          `${n}: ${got} vs ${want}`,
        );
      }
    }
    assert.deepEqual([out[0], out[1]], [0, 0]);
  }
});

Deno.test("it only shrinks", () => {
  assert.throws(
    () =>
      shrinkToPlanes(
        image(8, 8, 1),
        { x0: 0, y0: 0, x1: 8, y1: 8 },
        9,
        [0, 1, 2],
        new Float32Array(3 * 81),
        0,
      ),
    RangeError,
  );
});
