import assert from "node:assert/strict";
import {
  ARCFACE_TEMPLATE,
  estimatePose,
  laplacianVariance,
  type Point,
  resizeImage,
  type RgbImage,
} from "@facever/core";

const turned = (points: readonly Point[], radians: number): Point[] =>
  points.map(({ x, y }) => ({
    x: x * Math.cos(radians) - y * Math.sin(radians) + 300,
    y: x * Math.sin(radians) + y * Math.cos(radians) - 40,
  }));

Deno.test("estimatePose", async (t) => {
  await t.step("the template is frontal", () => {
    assert.deepEqual(estimatePose(ARCFACE_TEMPLATE), {
      yaw: 0,
      pitch: 0,
      roll: 0,
    });
  });
  await t.step("scale and position do not change the pose", () => {
    const moved = ARCFACE_TEMPLATE.map(({ x, y }) => ({
      x: 3 * x + 500,
      y: 3 * y + 17,
    }));
    const pose = estimatePose(moved);
    for (const angle of Object.values(pose)) assert.ok(Math.abs(angle) < 1e-9);
  });
  await t.step("roll is the eye line's turn, and leaves yaw and pitch", () => {
    const pose = estimatePose(turned(ARCFACE_TEMPLATE, (20 * Math.PI) / 180));
    assert.ok(Math.abs(pose.roll - 20) < 1e-9, `${pose.roll}`);
    assert.ok(Math.abs(pose.yaw) < 1e-9 && Math.abs(pose.pitch) < 1e-9);
  });
  await t.step("a nose to the image's right is a positive yaw", () => {
    const points = [...ARCFACE_TEMPLATE];
    const halfEyes = (points[1].x - points[0].x) / 2;
    points[2] = { x: points[2].x + halfEyes, y: points[2].y };
    const { yaw, pitch } = estimatePose(points);
    assert.ok(Math.abs(yaw - 45) < 1, `yaw ${yaw}`);
    // The template's eye line is not quite level: a sideways move of the
    // nose is a hair of pitch.
    assert.ok(Math.abs(pitch) < 0.5, `pitch ${pitch}`);
    points[2] = { x: ARCFACE_TEMPLATE[2].x - halfEyes, y: points[2].y };
    assert.ok(estimatePose(points).yaw < -44);
  });
  await t.step("a nose nearer the mouth is a positive pitch", () => {
    const points = [...ARCFACE_TEMPLATE];
    points[2] = { x: points[2].x, y: points[2].y + 8 };
    assert.ok(estimatePose(points).pitch > 10);
    points[2] = { x: points[2].x, y: ARCFACE_TEMPLATE[2].y - 8 };
    assert.ok(estimatePose(points).pitch < -10);
  });
  await t.step("bad landmarks are a RangeError", () => {
    assert.throws(() => estimatePose(ARCFACE_TEMPLATE.slice(0, 4)), RangeError);
    const nan = [...ARCFACE_TEMPLATE];
    nan[3] = { x: NaN, y: 1 };
    assert.throws(() => estimatePose(nan), RangeError);
    const sameEyes = [...ARCFACE_TEMPLATE];
    sameEyes[1] = sameEyes[0];
    assert.throws(() => estimatePose(sameEyes), /two distinct eye points/);
  });
});

function stripes(width: number, height: number, period: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.fill(
        Math.floor(x / period) % 2 ? 220 : 30,
        (y * width + x) * 3,
        (y * width + x + 1) * 3,
      );
    }
  }
  return { width, height, data };
}

Deno.test("laplacianVariance", async (t) => {
  await t.step("a flat image has none", () => {
    const flat = { width: 8, height: 5, data: new Uint8Array(120).fill(77) };
    assert.equal(laplacianVariance(flat), 0);
  });
  await t.step("blur lowers it", () => {
    const sharp = stripes(112, 112, 4);
    // Down and up again: the same picture without its fine detail.
    const blurred = resizeImage(resizeImage(sharp, 28, 28), 112, 112);
    const before = laplacianVariance(sharp);
    const after = laplacianVariance(blurred);
    assert.ok(before > 4 * after, `sharp ${before}, blurred ${after}`);
  });
  await t.step("an image under 3x3 is a RangeError", () => {
    assert.throws(
      () =>
        laplacianVariance({ width: 2, height: 9, data: new Uint8Array(54) }),
      RangeError,
    );
  });
});
