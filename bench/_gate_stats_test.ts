import assert from "node:assert/strict";
import { laplacianVariance, type RgbImage } from "@facever/core";
import { uniform } from "@facever/testing";
import {
  blurByRescale,
  groupFigures,
  imageScores,
  mirror,
  percentiles,
  shrinkTo,
  trim,
} from "./_gate_stats.ts";

function noise(width: number, height: number): RgbImage {
  const next = uniform(11);
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => next() * 256),
  };
}

Deno.test("percentiles interpolate between ranks", () => {
  const values = Array.from({ length: 1001 }, (_, i) => 1000 - i);
  const result = percentiles(values, [0, 0.1, 50, 99.9, 100]);
  assert.deepEqual(result, {
    p0: 0,
    "p0.1": 1,
    p50: 500,
    "p99.9": 999,
    p100: 1000,
  });
  assert.deepEqual(Object.keys(result), ["p0", "p0.1", "p50", "p99.9", "p100"]);
  assert.equal(percentiles([1, 2], [25]).p25, 1.25);
  assert.throws(() => percentiles([], [50]), RangeError);
  assert.throws(() => percentiles([1], [101]), RangeError);
});

Deno.test("degradations", async (t) => {
  const image = noise(60, 40);
  await t.step("blurring lowers the sharpness, more with the factor", () => {
    const sharpness = [1, 2, 4].map((factor) =>
      laplacianVariance(blurByRescale(image, factor))
    );
    assert.equal(sharpness[0], laplacianVariance(image));
    assert.ok(sharpness[1] < sharpness[0] / 2 && sharpness[2] < sharpness[1]);
    assert.throws(() => blurByRescale(image, 0.5), RangeError);
  });
  await t.step("shrinking keeps the aspect", () => {
    const small = shrinkTo(image, 15);
    assert.deepEqual([small.width, small.height], [15, 10]);
  });
  await t.step("mirroring twice gives the image back", () => {
    assert.deepEqual(mirror(mirror(image)), image);
    assert.notDeepEqual(mirror(image).data, image.data);
  });
  await t.step("trimming cuts every side", () => {
    const inner = trim(image, 5);
    assert.deepEqual([inner.width, inner.height], [50, 30]);
    assert.deepEqual(
      [...inner.data.subarray(0, 3)],
      [...image.data.subarray(3 * (5 * 60 + 5), 3 * (5 * 60 + 5) + 3)],
    );
    assert.throws(() => trim(image, 20), RangeError);
  });
});

Deno.test("groupFigures weighs every image alike", () => {
  const figures = groupFigures(
    [
      { genuine: [0.9, 0.9, 0.9, 0.1], impostor: [0.5] },
      { genuine: [0.1], impostor: [0, 0, 0] },
      { genuine: [], impostor: [] },
    ],
    0.3,
    0.4,
  );
  assert.equal(figures.images, 2);
  assert.equal(figures.frr, (0.25 + 1) / 2);
  assert.ok(Math.abs(figures.meanGenuine - (0.7 + 0.1) / 2) < 1e-12);
  assert.equal(figures.far, 1 / 4);
});

Deno.test("imageScores pairs each image with its own and with others", () => {
  const one = new Float32Array([1, 0]), two = new Float32Array([0, 1]);
  const scores = imageScores(
    [one, one, undefined, two, two],
    [0, 0, 0, 1, 2],
    3,
    uniform(5),
  );
  assert.deepEqual(scores[0].genuine, [1]);
  assert.deepEqual(scores[0].impostor, [0, 0, 0]);
  assert.deepEqual(scores[2], { genuine: [], impostor: [] });
  assert.deepEqual(scores[3].genuine, []);
  // Samples are drawn with replacement among the other labels' images.
  assert.equal(scores[3].impostor.length, 3);
  assert.ok(scores[3].impostor.every((s) => s === 0 || s === 1));
});
