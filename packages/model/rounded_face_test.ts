import assert from "node:assert/strict";
import { type AnalyzedFace, roundedFace } from "./mod.ts";

const face: AnalyzedFace = {
  box: { x: 10.123, y: 20.456, width: 100.999, height: 101.005 },
  score: 0.987654,
  landmarks: Array.from({ length: 5 }, (_, i) => ({
    x: 30.1234 + i,
    y: 40.5678,
  })),
  quality: {
    sharpness: 123.456,
    pose: { yaw: 1.234, pitch: -5.678, roll: 0.05 },
  },
  embedding: new Float32Array(512),
};

Deno.test("roundedFace rounds every figure and leaves the embedding out", () => {
  assert.deepEqual(roundedFace(face), {
    box: { x: 10.12, y: 20.46, width: 101, height: 101.01 },
    score: 0.9877,
    landmarks: Array.from({ length: 5 }, (_, i) => ({
      x: Math.round((30.1234 + i) * 100) / 100,
      y: 40.57,
    })),
    quality: { sharpness: 123.5, pose: { yaw: 1.2, pitch: -5.7, roll: 0.1 } },
  });
});

Deno.test("roundedFace keeps a checked face's liveness, rounded", () => {
  const checked = { ...face, liveness: { score: 0.123456, live: true } };
  assert.deepEqual(roundedFace(checked).liveness, {
    score: 0.1235,
    live: true,
  });
});
