import assert from "node:assert/strict";
import {
  EYE_CROP,
  EYE_INPUT_SIZE,
  eyeRegions,
  writeEyeInput,
} from "./_eye_crop.ts";

const face = [
  { x: 100, y: 120 },
  { x: 150, y: 120 },
  { x: 125, y: 150 },
  { x: 105, y: 175 },
  { x: 145, y: 175 },
];

Deno.test("each eye's square is 0.62 eye distances wide, on the eye", () => {
  const [left, right] = eyeRegions({ width: 250, height: 250 }, face);
  const side = EYE_CROP * 50;
  for (const [region, eye] of [[left, face[0]], [right, face[1]]] as const) {
    assert.ok(Math.abs(region.width - side) < 1e-9);
    assert.ok(Math.abs(region.height - side) < 1e-9);
    // Pixel centres are whole numbers: the square's centre is the eye's + 0.5.
    assert.ok(Math.abs(region.x + side / 2 - (eye.x + 0.5)) < 1e-9);
    assert.ok(Math.abs(region.y + side / 2 - (eye.y + 0.5)) < 1e-9);
  }
});

Deno.test("an eye at or past the edge keeps a region inside the image", () => {
  const shifted = face.map(({ x, y }) => ({ x: x - 140, y }));
  const [left, right] = eyeRegions({ width: 250, height: 250 }, shifted);
  assert.equal(left.x, 0);
  assert.ok(left.width >= 1);
  assert.ok(right.x >= 0 && right.x + right.width <= 250);
  const beyond = face.map(({ x, y }) => ({ x: x + 400, y }));
  for (const region of eyeRegions({ width: 250, height: 250 }, beyond)) {
    assert.equal(region.x, 249);
    assert.equal(region.width, 1);
  }
});

Deno.test("the eyes need five finite points and two distinct eyes", () => {
  const image = { width: 10, height: 10 };
  assert.throws(() => eyeRegions(image, face.slice(0, 4)), RangeError);
  assert.throws(
    () => eyeRegions(image, [{ x: NaN, y: 0 }, ...face.slice(1)]),
    RangeError,
  );
  assert.throws(
    () => eyeRegions(image, [face[0], face[0], ...face.slice(2)]),
    RangeError,
  );
});

Deno.test("the input is 24x24 luma over 255", () => {
  const data = new Uint8Array(48 * 48 * 3).fill(255);
  const out = new Float32Array(EYE_INPUT_SIZE * EYE_INPUT_SIZE + 2);
  writeEyeInput(
    { width: 48, height: 48, data },
    { x: 0, y: 0, width: 48, height: 48 },
    out,
    2,
  );
  assert.deepEqual([out[0], out[1]], [0, 0]);
  assert.ok(out.subarray(2).every((v) => Math.abs(v - 1) < 1e-6));
});
