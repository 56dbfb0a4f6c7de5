import assert from "node:assert/strict";
import { cosineSimilarity, type RgbImage } from "@facever/core";
import { FaceEmbedder } from "@facever/model";

/** A 112×112 picture with different left and right halves. */
function lopsided(): RgbImage {
  const data = new Uint8Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++) {
    for (let x = 0; x < 112; x++) {
      const i = (y * 112 + x) * 3;
      data[i] = (x * 2 + y) & 255;
      data[i + 1] = x < 40 ? 200 : (y * 3) & 255;
      data[i + 2] = (x * y) & 255;
    }
  }
  return { width: 112, height: 112, data };
}

function flipped(face: RgbImage): RgbImage {
  const data = new Uint8Array(face.data.length);
  for (let y = 0; y < face.height; y++) {
    for (let x = 0; x < face.width; x++) {
      const from = (y * face.width + x) * 3;
      const to = (y * face.width + face.width - 1 - x) * 3;
      data.set(face.data.subarray(from, from + 3), to);
    }
  }
  return { ...face, data };
}

Deno.test("mirror lever: a face and its mirror image embed alike", async () => {
  const plain = await FaceEmbedder.load();
  const mirrored = await FaceEmbedder.load({ mirror: true, batchSize: 2 });
  const face = lopsided();
  const [a, b, c] = await mirrored.embed([face, flipped(face), face]);
  // The same two images in the other order: equal up to float rounding.
  assert.ok(cosineSimilarity(a, b) > 0.99999, `${cosineSimilarity(a, b)}`);
  // The third face is in the next batch: batching does not mix faces.
  assert.ok(cosineSimilarity(a, c) > 0.99999);
  const [alone] = await plain.embed([face]);
  assert.ok(cosineSimilarity(a, alone) < 0.99999);
  assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-5);
});
