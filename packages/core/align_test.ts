import assert from "node:assert/strict";
import {
  alignFace,
  ARCFACE_TEMPLATE,
  estimateSimilarityTransform,
} from "./align.ts";
import { applyAffine } from "./image.ts";
import type { AffineMatrix, Point, RgbImage } from "./types.ts";

function similarity(
  scale: number,
  angle: number,
  tx: number,
  ty: number,
): AffineMatrix {
  const a = scale * Math.cos(angle), d = scale * Math.sin(angle);
  return [a, -d, tx, d, a, ty];
}

function assertMatrixClose(
  actual: AffineMatrix,
  expected: AffineMatrix,
  tolerance: number,
) {
  for (let i = 0; i < 6; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `element ${i}: ${actual[i]} vs ${
        expected[i]
      } (got [${actual}], expected [${expected}])`,
    );
  }
}

/**
 * Independent least-squares fit: solve the 4x4 normal equations of
 * u = a x - d y + c, v = d x + a y + f by Gaussian elimination.
 */
function normalEquationsFit(from: Point[], to: Point[]): AffineMatrix {
  const ata = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  const atb = [0, 0, 0, 0];
  const add = (row: number[], rhs: number) => {
    for (let i = 0; i < 4; i++) {
      atb[i] += row[i] * rhs;
      for (let j = 0; j < 4; j++) ata[i][j] += row[i] * row[j];
    }
  };
  for (let i = 0; i < from.length; i++) {
    const { x, y } = from[i];
    add([x, -y, 1, 0], to[i].x); // unknowns [a, d, c, f]
    add([y, x, 0, 1], to[i].y);
  }
  // Gauss-Jordan with partial pivoting.
  const m = ata.map((row, i) => [...row, atb[i]]);
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) {
      if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    }
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const k = m[r][col] / m[col][col];
      for (let c = col; c < 5; c++) m[r][c] -= k * m[col][c];
    }
  }
  const [a, d, c, f] = m.map((row, i) => row[4] / row[i]);
  return [a, -d, c, d, a, f];
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("estimateSimilarityTransform", async (t) => {
  const points: Point[] = [
    { x: 103.1, y: 120.4 },
    { x: 171.9, y: 118.2 },
    { x: 140.3, y: 160.7 },
    { x: 110.0, y: 199.5 },
    { x: 166.2, y: 201.3 },
  ];

  await t.step("recovers a known transform from 5 exact points", () => {
    for (
      const truth of [
        similarity(1.7, 0.6, 12, -7),
        similarity(0.35, -2.9, 400, 250),
        similarity(1, 0, 0, 0),
        similarity(2, Math.PI, -3, 5),
      ]
    ) {
      const to = points.map((p) => applyAffine(truth, p));
      assertMatrixClose(estimateSimilarityTransform(points, to), truth, 1e-6);
    }
  });

  await t.step("recovers a known transform from 2 exact points", () => {
    const truth = similarity(0.8, 1.2, -30, 44);
    const from = points.slice(0, 2);
    const to = from.map((p) => applyAffine(truth, p));
    assertMatrixClose(estimateSimilarityTransform(from, to), truth, 1e-6);
  });

  await t.step("never returns a reflection", () => {
    // Mirror the points left-right, then move them: the best fit without
    // reflection must still be a proper rotation with positive scale.
    const to = points.map((p) => ({ x: 300 - p.x * 1.1, y: p.y * 1.1 + 4 }));
    const m = estimateSimilarityTransform(points, to);
    const det = m[0] * m[4] - m[1] * m[3];
    assert.ok(det > 0, `det ${det}`);
    assert.ok(Math.abs(m[0] - m[4]) < 1e-12 && Math.abs(m[1] + m[3]) < 1e-12);
    assertMatrixClose(m, normalEquationsFit(points, to), 1e-9);
  });

  await t.step("noisy points give the least-squares answer", () => {
    const rand = random(42);
    const truth = similarity(1.3, -0.4, 25, 60);
    for (let trial = 0; trial < 20; trial++) {
      const n = 2 + trial % 8;
      const from = Array.from(
        { length: n },
        () => ({ x: rand() * 200, y: rand() * 200 }),
      );
      const to = from.map((p) => {
        const q = applyAffine(truth, p);
        return { x: q.x + (rand() - 0.5) * 10, y: q.y + (rand() - 0.5) * 10 };
      });
      assertMatrixClose(
        estimateSimilarityTransform(from, to),
        normalEquationsFit(from, to),
        1e-8,
      );
    }
  });

  await t.step("RangeError for bad input", () => {
    assert.throws(
      () => estimateSimilarityTransform(points, points.slice(1)),
      RangeError,
    );
    assert.throws(
      () => estimateSimilarityTransform(points.slice(0, 1), points.slice(0, 1)),
      RangeError,
    );
    assert.throws(() => estimateSimilarityTransform([], []), RangeError);
    const withNaN = [...points.slice(0, 4), { x: NaN, y: 1 }];
    assert.throws(
      () => estimateSimilarityTransform(withNaN, points),
      RangeError,
    );
    assert.throws(
      () =>
        estimateSimilarityTransform(points, [...points.slice(0, 4), {
          x: 1,
          y: Infinity,
        }]),
      RangeError,
    );
    const same = points.map(() => ({ x: 5, y: 5 }));
    assert.throws(() => estimateSimilarityTransform(same, points), RangeError);
    assert.throws(() => estimateSimilarityTransform(points, same), RangeError);
  });
});

Deno.test("alignFace lands landmark dots on the template", () => {
  const width = 400, height = 300;
  const truth = similarity(2.5, 0.3, 150, 10); // template → image
  const landmarks = ARCFACE_TEMPLATE.map((p) => applyAffine(truth, p));
  // White Gaussian blobs (sigma 3 px) centred exactly on the landmarks.
  const data = new Uint8Array(width * height * 3);
  for (const p of landmarks) {
    assert.ok(p.x > 12 && p.y > 12 && p.x < width - 13 && p.y < height - 13);
    for (let y = Math.floor(p.y - 12); y <= p.y + 12; y++) {
      for (let x = Math.floor(p.x - 12); x <= p.x + 12; x++) {
        const v = 255 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / 18);
        data.fill(Math.round(v), (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
  }
  const image: RgbImage = { width, height, data };
  for (const size of [112, 224]) {
    const face = alignFace(image, landmarks, size);
    assert.equal(face.width, size);
    assert.equal(face.height, size);
    const k = size / 112;
    for (const t of ARCFACE_TEMPLATE) {
      const cx = t.x * k, cy = t.y * k;
      const r = 5 * k;
      let sx = 0, sy = 0, total = 0;
      for (let y = Math.ceil(cy - r); y <= cy + r; y++) {
        for (let x = Math.ceil(cx - r); x <= cx + r; x++) {
          const v = face.data[(y * size + x) * 3];
          sx += v * x;
          sy += v * y;
          total += v;
        }
      }
      assert.ok(total > 0, "no dot near the template point");
      const error = Math.hypot(sx / total - cx, sy / total - cy);
      assert.ok(error < 0.1 * k, `dot off the template by ${error} px`);
    }
  }
  assert.throws(() => alignFace(image, landmarks.slice(0, 4)), RangeError);
  assert.throws(() => alignFace(image, landmarks, 0), RangeError);
});

Deno.test("alignFace area-averages a face much larger than the crop", async (t) => {
  const size = 1000;
  const truth = similarity(6, -0.2, 200, 150); // template → image: a 670-px crop
  const landmarks = ARCFACE_TEMPLATE.map((p) => applyAffine(truth, p));
  await t.step("a one-pixel checkerboard becomes flat grey, not moiré", () => {
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        data.fill(
          (x + y) % 2 ? 255 : 0,
          (y * size + x) * 3,
          (y * size + x + 1) * 3,
        );
      }
    }
    const face = alignFace({ width: size, height: size, data }, landmarks);
    let sum = 0, sumSquares = 0;
    for (const v of face.data) {
      sum += v;
      sumSquares += v * v;
    }
    const mean = sum / face.data.length;
    const std = Math.sqrt(sumSquares / face.data.length - mean * mean);
    assert.ok(Math.abs(mean - 127.5) < 3, `mean ${mean}`);
    assert.ok(std < 8, `std ${std}: aliasing`);
  });
  await t.step("landmarks still land on the template", () => {
    const data = new Uint8Array(size * size * 3);
    for (const p of landmarks) {
      for (let y = Math.floor(p.y - 40); y <= p.y + 40; y++) {
        for (let x = Math.floor(p.x - 40); x <= p.x + 40; x++) {
          const v = 255 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / 200);
          data.fill(Math.round(v), (y * size + x) * 3, (y * size + x) * 3 + 3);
        }
      }
    }
    const face = alignFace({ width: size, height: size, data }, landmarks);
    for (const t of ARCFACE_TEMPLATE) {
      let sx = 0, sy = 0, total = 0;
      for (let y = Math.ceil(t.y - 5); y <= t.y + 5; y++) {
        for (let x = Math.ceil(t.x - 5); x <= t.x + 5; x++) {
          const v = face.data[(y * 112 + x) * 3];
          sx += v * x;
          sy += v * y;
          total += v;
        }
      }
      const error = Math.hypot(sx / total - t.x, sy / total - t.y);
      assert.ok(error < 0.15, `dot off the template by ${error} px`);
    }
  });
});
