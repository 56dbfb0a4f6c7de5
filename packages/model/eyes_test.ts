import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage } from "@facever/core";
import { EyeState, FaceDetector } from "@facever/model";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
const samples = fileURLToPath(
  new URL("../../../shared/datasets/spoof-samples/", import.meta.url),
);
const hasSamples = (() => {
  try {
    return Deno.statSync(join(samples, "README.md")).isFile;
  } catch {
    return false;
  }
})();
if (!root) console.log("skipping eye tests on LFW: LFW not found");

Deno.test({
  name: "open eyes on LFW score open",
  ignore: !root,
  fn: async () => {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const eyes = await EyeState.load({ backend: "wasm" });
    const values: number[] = [];
    // The first photo of the first 20 people of View 1's training pairs.
    const list = await Deno.readTextFile(join(root!, "pairsDevTrain.txt"));
    const people = [
      ...new Set(
        list.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]),
      ),
    ].slice(0, 20);
    for (const name of people) {
      const image = await decodeImage(
        await Deno.readFile(lfwImagePath(root!, name, 1)),
      );
      const [face] = await detector.detectFaces(image, { maxFaces: 1 });
      const { left, right } = await eyes.openness(image, face.landmarks);
      values.push(left, right);
    }
    values.sort((a, b) => a - b);
    // Most LFW eyes are open; squints, downcast eyes and blinks score low.
    const median = values[values.length >> 1];
    assert.ok(median > 0.9, `median ${median}`);
    const open = values.filter((v) => v > 0.5).length;
    assert.ok(open >= 0.7 * values.length, `${open} of ${values.length} open`);
  },
});

Deno.test({
  name: "open eyes in the spoof samples score open, prints and screens too",
  ignore: !hasSamples,
  fn: async () => {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const eyes = await EyeState.load({ backend: "wasm" });
    for (
      const file of [
        "minivision/image_F1.jpg",
        "minivision/image_F2.jpg",
        "vietmoney/true_001.jpg",
        "vietmoney/true_003.png",
        "vietmoney/fake_002.jpg",
        "vietmoney/fake_003.jpg",
      ]
    ) {
      const image = await decodeImage(await Deno.readFile(join(samples, file)));
      const [face] = await detector.detectFaces(image, { maxFaces: 1 });
      const { left, right } = await eyes.openness(image, face.landmarks);
      assert.ok(left > 0.9 && right > 0.9, `${file}: ${left}, ${right}`);
    }
  },
});

Deno.test({
  name: "an eye painted over with skin and a lash line scores closed",
  ignore: !root,
  fn: async () => {
    const image = await decodeImage(
      await Deno.readFile(lfwImagePath(root!, "Aaron_Peirsol", 1)),
    );
    const detector = await FaceDetector.load({ backend: "wasm" });
    const eyes = await EyeState.load({ backend: "wasm" });
    const [face] = await detector.detectFaces(image, { maxFaces: 1 });
    const before = await eyes.openness(image, face.landmarks);
    const shut = closeEyes(image, face.landmarks);
    const after = await eyes.openness(shut, face.landmarks);
    assert.ok(before.left > 0.9 && before.right > 0.9, JSON.stringify(before));
    assert.ok(after.left < 0.5 && after.right < 0.5, JSON.stringify(after));
  },
});

/**
 * The image with each eye replaced by the skin below it and a dark
 * curved line where the lids would meet: a crude closed eye.
 */
function closeEyes(
  image: { width: number; height: number; data: Uint8Array },
  landmarks: readonly { x: number; y: number }[],
) {
  const data = image.data.slice();
  const [left, right] = landmarks;
  const distance = Math.hypot(right.x - left.x, right.y - left.y);
  const rx = 0.28 * distance, ry = 0.14 * distance;
  for (const eye of [left, right]) {
    for (let y = Math.floor(eye.y - ry); y <= eye.y + ry; y++) {
      for (let x = Math.floor(eye.x - rx); x <= eye.x + rx; x++) {
        const u = (x - eye.x) / rx, v = (y - eye.y) / ry;
        if (u * u + v * v > 1) continue;
        const from = ((Math.round(y + 2.2 * ry)) * image.width + x) * 3;
        const to = (y * image.width + x) * 3;
        const lid = Math.abs(v - 0.3 * (1 - u * u)) < 0.18 && Math.abs(u) < 0.9;
        for (let c = 0; c < 3; c++) {
          data[to + c] = lid ? 40 : image.data[from + c];
        }
      }
    }
  }
  return { ...image, data };
}
