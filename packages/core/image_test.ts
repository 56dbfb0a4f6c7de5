import assert from "node:assert/strict";
import {
  applyAffine,
  cropImage,
  invertAffine,
  resizeImage,
  toGrayscale,
  warpAffine,
} from "./image.ts";
import type { AffineMatrix, RgbImage } from "./types.ts";

function solid(width: number, height: number, rgb: number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const p = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(p, p + 3));
}

/** Grayscale ramp image with value f(x, y) in every channel. */
function fromFunction(
  width: number,
  height: number,
  f: (x: number, y: number) => number,
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.fill(f(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { width, height, data };
}

Deno.test("resizeImage", async (t) => {
  await t.step("a constant image stays constant at any size", () => {
    const image = solid(37, 23, [12, 200, 77]);
    for (const [w, h] of [[5, 3], [37, 23], [100, 61], [1, 1], [80, 7]]) {
      const out = resizeImage(image, w, h);
      assert.equal(out.width, w);
      assert.equal(out.height, h);
      for (let i = 0; i < w * h; i++) {
        assert.deepEqual(Array.from(out.data.subarray(i * 3, i * 3 + 3)), [
          12,
          200,
          77,
        ]);
      }
    }
  });

  await t.step("2x2 checker area-averages to its mean", () => {
    const checker = fromFunction(2, 2, (x, y) => (x + y) % 2 ? 255 : 0);
    assert.deepEqual(Array.from(resizeImage(checker, 1, 1).data), [
      128,
      128,
      128,
    ]);
    const uneven = fromFunction(2, 2, (x, y) => [10, 20, 30, 40][y * 2 + x]);
    assert.deepEqual(Array.from(resizeImage(uneven, 1, 1).data), [25, 25, 25]);
  });

  await t.step("shrinking by a non-integer factor weights by overlap", () => {
    // 3 pixels → 2: output 0 covers [0, 1.5): 1 * a + 0.5 * b over 1.5.
    const row = fromFunction(3, 1, (x) => [0, 90, 180][x]);
    const out = resizeImage(row, 2, 1);
    assert.deepEqual(pixel(out, 0, 0), [30, 30, 30]);
    assert.deepEqual(pixel(out, 1, 0), [150, 150, 150]);
  });

  await t.step("a fine checkerboard does not alias when shrunk", () => {
    const checker = fromFunction(64, 64, (x, y) => (x + y) % 2 ? 255 : 0);
    const out = resizeImage(checker, 10, 10);
    for (const v of out.data) assert.ok(Math.abs(v - 127.5) <= 8, `${v}`);
  });

  await t.step("enlarging is bilinear with aligned pixel centres", () => {
    const row = fromFunction(2, 1, (x) => [0, 200][x]);
    const out = resizeImage(row, 4, 1);
    // Centres of the 4 outputs map to x = -0.25, 0.25, 0.75, 1.25.
    assert.deepEqual(
      [0, 1, 2, 3].map((x) => pixel(out, x, 0)[0]),
      [0, 50, 150, 200],
    );
    const square = fromFunction(2, 2, (x, y) => [0, 100, 100, 200][y * 2 + x]);
    const big = resizeImage(square, 4, 4);
    assert.equal(pixel(big, 1, 1)[0], 50); // (0.25, 0.25)
    assert.equal(pixel(big, 2, 1)[0], 100); // (0.75, 0.25)
    assert.equal(pixel(big, 2, 2)[0], 150); // (0.75, 0.75)
  });

  await t.step("each axis picks its own method", () => {
    const image = fromFunction(4, 2, (x, y) => x * 40 + y * 100);
    const out = resizeImage(image, 2, 4);
    assert.equal(out.width, 2);
    assert.equal(out.height, 4);
    // Row 0 (y = -0.25 → clamped to 0): area of x pairs → 20, 100.
    assert.deepEqual([pixel(out, 0, 0)[0], pixel(out, 1, 0)[0]], [20, 100]);
    // Row 1 (y = 0.25): 0.75 * row0 + 0.25 * row1.
    assert.deepEqual([pixel(out, 0, 1)[0], pixel(out, 1, 1)[0]], [45, 125]);
  });

  await t.step("rejects invalid sizes", () => {
    const image = solid(2, 2, [0, 0, 0]);
    assert.throws(() => resizeImage(image, 0, 2), RangeError);
    assert.throws(() => resizeImage(image, 2.5, 2), RangeError);
    assert.throws(
      () => resizeImage({ width: 2, height: 2, data: new Uint8Array(5) }, 1, 1),
      RangeError,
    );
  });
});

Deno.test("cropImage", async (t) => {
  const image = fromFunction(5, 4, (x, y) => y * 10 + x);
  await t.step("rounds to whole pixels", () => {
    const out = cropImage(image, { x: 0.6, y: 1.4, width: 2, height: 2.2 });
    // x: round(0.6)=1 .. round(2.6)=3; y: round(1.4)=1 .. round(3.6)=4
    assert.equal(out.width, 2);
    assert.equal(out.height, 3);
    assert.deepEqual(pixel(out, 0, 0), [11, 11, 11]);
    assert.deepEqual(pixel(out, 1, 2), [32, 32, 32]);
  });
  await t.step("clips to the image", () => {
    const out = cropImage(image, { x: -3, y: 2, width: 5, height: 100 });
    assert.equal(out.width, 2);
    assert.equal(out.height, 2);
    assert.deepEqual(pixel(out, 1, 1), [31, 31, 31]);
  });
  await t.step("RangeError when nothing is left", () => {
    assert.throws(
      () => cropImage(image, { x: 10, y: 0, width: 3, height: 3 }),
      RangeError,
    );
    assert.throws(
      () => cropImage(image, { x: 1, y: 1, width: 0.2, height: 3 }),
      RangeError,
    );
    assert.throws(
      () => cropImage(image, { x: 1, y: 1, width: NaN, height: 3 }),
      RangeError,
    );
  });
});

Deno.test("affine helpers", async (t) => {
  await t.step("invertAffine undoes the transform", () => {
    const m: AffineMatrix = [1.2, -0.7, 5, 0.3, 0.9, -8];
    const inv = invertAffine(m);
    for (const p of [{ x: 0, y: 0 }, { x: 10, y: -3 }, { x: 1e3, y: 7 }]) {
      const q = applyAffine(inv, applyAffine(m, p));
      assert.ok(Math.abs(q.x - p.x) < 1e-9 && Math.abs(q.y - p.y) < 1e-9);
    }
  });
  await t.step("RangeError for singular or non-finite matrices", () => {
    assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), RangeError);
    assert.throws(() => invertAffine([0, 0, 1, 0, 0, 1]), RangeError);
    assert.throws(() => invertAffine([NaN, 0, 0, 0, 1, 0]), RangeError);
  });
});

Deno.test("warpAffine", async (t) => {
  await t.step("identity copies the image", () => {
    const image = fromFunction(7, 5, (x, y) => x * 30 + y);
    assert.deepEqual(warpAffine(image, [1, 0, 0, 0, 1, 0], 7, 5), image);
  });

  await t.step("dots land at applyAffine positions", () => {
    const width = 80, height = 60;
    const data = new Uint8Array(width * height * 3);
    const dots = [
      { x: 10, y: 12, rgb: [255, 0, 0] },
      { x: 50, y: 20, rgb: [0, 255, 0] },
      { x: 30, y: 45, rgb: [0, 0, 255] },
      { x: 65, y: 40, rgb: [255, 255, 0] },
    ];
    for (const dot of dots) {
      // 3x3 block so bilinear sampling near the centre stays saturated.
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          data.set(dot.rgb, ((dot.y + dy) * width + dot.x + dx) * 3);
        }
      }
    }
    const angle = 0.4, scale = 1.3;
    const m: AffineMatrix = [
      scale * Math.cos(angle),
      -scale * Math.sin(angle),
      20,
      scale * Math.sin(angle),
      scale * Math.cos(angle),
      -5,
    ];
    const out = warpAffine({ width, height, data }, m, 120, 100);
    for (const dot of dots) {
      const p = applyAffine(m, dot);
      // Intensity-weighted centroid of the dot's colour in the output.
      let sx = 0, sy = 0, total = 0;
      for (let y = 0; y < out.height; y++) {
        for (let x = 0; x < out.width; x++) {
          const v = pixel(out, x, y);
          // Only pixels of this dot's colour: its zero channels stay zero.
          if (dot.rgb.some((c, ch) => c === 0 && v[ch] > 0)) continue;
          const m = Math.min(...v.filter((_, ch) => dot.rgb[ch] > 0));
          sx += m * x;
          sy += m * y;
          total += m;
        }
      }
      const found = { x: sx / total, y: sy / total };
      assert.ok(
        Math.hypot(found.x - p.x, found.y - p.y) <= 0.25,
        `dot ${
          JSON.stringify(dot)
        } expected at ${p.x},${p.y}, found ${found.x},${found.y}`,
      );
      assert.deepEqual(pixel(out, Math.round(p.x), Math.round(p.y)), dot.rgb);
    }
  });

  await t.step("sub-pixel shift is bilinear; outside is black", () => {
    const row = fromFunction(3, 1, (x) => [100, 200, 50][x]);
    const out = warpAffine(row, [1, 0, 0.5, 0, 1, 0], 4, 1);
    // Output x samples source x - 0.5: -0.5, 0.5, 1.5, 2.5.
    assert.deepEqual(
      [0, 1, 2, 3].map((x) => pixel(out, x, 0)[0]),
      [50, 150, 125, 25],
    );
    const far = warpAffine(row, [1, 0, 100, 0, 1, 0], 3, 1);
    assert.deepEqual(Array.from(far.data), new Array(9).fill(0));
  });
});

Deno.test("toGrayscale uses rounded BT.601 luma", () => {
  const image = {
    width: 4,
    height: 1,
    data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]),
  };
  // 76.245, 149.685, 29.07, 0.299*10+0.587*20+0.114*30 = 18.15
  assert.deepEqual(Array.from(toGrayscale(image)), [76, 150, 29, 18]);
  assert.deepEqual(
    Array.from(toGrayscale(solid(2, 1, [255, 255, 255]))),
    [255, 255],
  );
});
