import assert from "node:assert/strict";
import {
  LIVENESS_CROP_SCALE,
  LIVENESS_INPUT_SIZE,
  livenessRegion,
  softmax,
  writeLivenessInput,
} from "./_liveness_crop.ts";

Deno.test("the region is 2.7 times the box about its centre, not squared", () => {
  const box = { x: 300, y: 200, width: 40, height: 60 };
  const region = livenessRegion({ width: 640, height: 480 }, box);
  assert.equal(LIVENESS_CROP_SCALE, 2.7);
  assert.ok(Math.abs(region.width - 108) < 1e-9);
  assert.ok(Math.abs(region.height - 162) < 1e-9);
  assert.ok(Math.abs(region.x + region.width / 2 - 320) < 1e-9);
  assert.ok(Math.abs(region.y + region.height / 2 - 230) < 1e-9);
});

Deno.test("a region that does not fit is scaled down, then moved inside", () => {
  // LFW: a 100-pixel face in a 250-pixel photo.
  const region = livenessRegion({ width: 250, height: 250 }, {
    x: 70,
    y: 60,
    width: 100,
    height: 125,
  });
  assert.ok(Math.abs(region.height - 250) < 1e-9, "the height limits");
  assert.ok(Math.abs(region.width - 200) < 1e-9, "the aspect is kept");
  assert.equal(region.y, 0);
  // Near an edge: the region slides in rather than leaving the image.
  const corner = livenessRegion({ width: 640, height: 480 }, {
    x: 0,
    y: 400,
    width: 50,
    height: 60,
  });
  assert.equal(corner.x, 0);
  assert.ok(Math.abs(corner.y + corner.height - 480) < 1e-9);
});

Deno.test("the input is BGR planes of unscaled values", () => {
  const size = 4;
  // Red left half, blue right half.
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    data[i * 3 + ((i % size) < size / 2 ? 0 : 2)] = 200;
  }
  const image = { width: size, height: size, data };
  const plane = LIVENESS_INPUT_SIZE * LIVENESS_INPUT_SIZE;
  const out = new Float32Array(1 + 3 * plane);
  writeLivenessInput(
    image,
    { x: 1, y: 1, width: 2, height: 2 },
    "bgr",
    out,
    1,
  );
  assert.equal(out[0], 0, "nothing written before the offset");
  // Pixel (0, 0) is red: it lands in the last plane; (127, 0) is blue.
  assert.deepEqual([out[1], out[1 + plane], out[1 + 2 * plane]], [0, 0, 200]);
  const right = 1 + LIVENESS_INPUT_SIZE - 1;
  assert.deepEqual(
    [out[right], out[right + plane], out[right + 2 * plane]],
    [200, 0, 0],
  );
  writeLivenessInput(image, { x: 1, y: 1, width: 2, height: 2 }, "rgb", out, 1);
  assert.equal(out[1], 200);
});

Deno.test("softmax gives probabilities that sum to 1, large logits too", () => {
  const p = softmax(new Float32Array([9, 1000, 998, 999]), 1, 3);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-12);
  assert.ok(p[0] > p[2] && p[2] > p[1]);
});
