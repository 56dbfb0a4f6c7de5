/**
 * Do the five landmarks give yaw and pitch well enough, or does the pose
 * net of the npm package (`model/fr_pose.onnx`, yaw, pitch and roll as 66
 * bins of 3°) earn a place in `weights/`? On a seeded sample of LFW View 1
 * photos, the face nearest the centre: our landmark `estimatePose` beside
 * the net (run on onnxruntime-web as the package's code feeds it: the box
 * grown by a quarter on each side, 224×224, ImageNet normalisation, RGB;
 * the expected value of each softmax, × 3 − 99 degrees). Without ground
 * truth, agreement between two independent estimates bounds the error of
 * each; each is also checked against itself on the mirrored photo. Writes
 * `bench/results/pose.json`.
 *
 * ```sh
 * deno task bench:pose
 * ```
 *
 * @module
 */

import * as ort from "onnxruntime-web/wasm";
import {
  cropImage,
  decodeImage,
  estimatePose,
  type Pose,
  resizeImage,
  type RgbImage,
} from "@facever/core";
import { type DetectedFace, FaceDetector } from "@facever/model";
import { lfwRoot } from "@facever/testing";
import { extractFiles, fetchSource } from "@facever/weights/convert";
import { readPairs } from "./_lfw_pairs.ts";
import { sample } from "./_liveness_sets.ts";
import { swapRedBlue } from "./_liveness_variants.ts";

const PHOTOS = 500;
const SIZE = 224;
const MEAN = [0.485, 0.456, 0.406], STD = [0.229, 0.224, 0.225];
const RESULTS = new URL("./results/pose.json", import.meta.url);

const root = lfwRoot();
if (!root) {
  throw new Error(
    "the check measures real photos: set LFW_DIR, or place LFW at ../shared/datasets/lfw",
  );
}

ort.env.wasm.numThreads = 1;
await Deno.mkdir(".cache", { recursive: true });
const [poseNet] = await extractFiles(await fetchSource(".cache"), [
  "model/fr_pose.onnx",
]);
const session = await ort.InferenceSession.create(poseNet);
const detector = await FaceDetector.load({ backend: "wasm" });

/** The net's pose of the face in `box`, in the package's sign convention. */
async function netPose(image: RgbImage, face: DetectedFace): Promise<Pose> {
  const { x, y, width, height } = face.box;
  const crop = resizeImage(
    cropImage(image, {
      x: Math.max(0, x - width / 4),
      y: Math.max(0, y - height / 4),
      width: width * 1.5,
      height: height * 1.5,
    }),
    SIZE,
    SIZE,
  );
  const plane = SIZE * SIZE;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      data[c * plane + i] = (crop.data[i * 3 + c] / 255 - MEAN[c]) / STD[c];
    }
  }
  const outputs = await session.run({
    input: new ort.Tensor("float32", data, [1, 3, SIZE, SIZE]),
  });
  const [yaw, pitch, roll] = session.outputNames.map((name) => {
    const logits = outputs[name].data as Float32Array;
    const max = Math.max(...logits);
    const exps = Array.from(logits, (v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.reduce((mean, e, bin) => mean + (e / sum) * bin, 0) * 3 - 99;
  });
  return { yaw, pitch, roll };
}

function mirror(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3, to = (y * width + width - 1 - x) * 3;
      out.set(data.subarray(from, from + 3), to);
    }
  }
  return { width, height, data: out };
}

function central(image: RgbImage, faces: readonly DetectedFace[]) {
  const distance = ({ box }: DetectedFace) =>
    Math.hypot(
      box.x + box.width / 2 - image.width / 2,
      box.y + box.height / 2 - image.height / 2,
    );
  return faces.reduce((a, b) => distance(b) < distance(a) ? b : a);
}

interface Measured {
  readonly landmarks: Pose;
  readonly net: Pose;
  readonly netBgr: Pose;
  readonly mirroredLandmarks: Pose;
  readonly mirroredNet: Pose;
}

const view1 = [
  ...(await readPairs(root, "pairsDevTrain.txt")).flat(),
  ...(await readPairs(root, "pairsDevTest.txt")).flat(),
].flatMap((pair) => [pair.a, pair.b]);
const photos = sample([...new Set(view1)].sort(), PHOTOS, 7);
const measured: Measured[] = [];
for (const path of photos) {
  const image = await decodeImage(await Deno.readFile(path));
  const faces = await detector.detectFaces(image);
  const flipped = mirror(image);
  const flippedFaces = await detector.detectFaces(flipped);
  if (faces.length === 0 || flippedFaces.length === 0) continue;
  const face = central(image, faces);
  const flippedFace = central(flipped, flippedFaces);
  measured.push({
    landmarks: estimatePose(face.landmarks),
    net: await netPose(image, face),
    netBgr: await netPose(swapRedBlue(image), face),
    mirroredLandmarks: estimatePose(flippedFace.landmarks),
    mirroredNet: await netPose(flipped, flippedFace),
  });
}

/** How well `b` follows `a`: correlation, least-squares line, scatter about it. */
function agreement(a: readonly number[], b: readonly number[]) {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  const slope = ab / aa;
  const residual = Math.sqrt(
    a.reduce((s, v, i) => s + (b[i] - mb - slope * (v - ma)) ** 2, 0) / n,
  );
  const meanAbsolute = a.reduce((s, v, i) => s + Math.abs(b[i] - v), 0) / n;
  return {
    r: ab / Math.sqrt(aa * bb),
    slope,
    intercept: mb - slope * ma,
    residualSd: residual,
    meanAbsoluteDifference: meanAbsolute,
    sdA: Math.sqrt(aa / n),
    sdB: Math.sqrt(bb / n),
  };
}

// The net's yaw and pitch grow the other way from ours: flipped to ours.
const ours = (key: "yaw" | "pitch", m: Measured) => m.landmarks[key];
const net = (key: "yaw" | "pitch", pose: Pose) => -pose[key];
const axes = Object.fromEntries(
  (["yaw", "pitch"] as const).map((key) => [key, {
    landmarksAgainstNet: agreement(
      measured.map((m) => net(key, m.net)),
      measured.map((m) => ours(key, m)),
    ),
    netRgbAgainstBgr: agreement(
      measured.map((m) => net(key, m.net)),
      measured.map((m) => net(key, m.netBgr)),
    ),
    // Mirrored, yaw changes sign and pitch does not.
    mirrorLandmarks: agreement(
      measured.map((m) => m.landmarks[key]),
      measured.map((m) => (key === "yaw" ? -1 : 1) * m.mirroredLandmarks[key]),
    ),
    mirrorNet: agreement(
      measured.map((m) => m.net[key]),
      measured.map((m) => (key === "yaw" ? -1 : 1) * m.mirroredNet[key]),
    ),
  }]),
);
const results = {
  date: new Date().toISOString().slice(0, 10),
  photos: measured.length,
  sample: `${PHOTOS} LFW View 1 photos (seed 7), the face nearest the centre`,
  signs:
    "the net's yaw and pitch are negated to our convention (yaw positive when the nose points to the image's right, pitch positive down)",
  ...axes,
};
await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
console.log(`${measured.length} photos`);
for (const key of ["yaw", "pitch"] as const) {
  for (const [what, a] of Object.entries(axes[key])) {
    console.log(
      `${key} ${what}: r ${a.r.toFixed(3)}, slope ${
        a.slope.toFixed(2)
      }, intercept ${a.intercept.toFixed(1)}°, scatter ${
        a.residualSd.toFixed(1)
      }°, mean |difference| ${a.meanAbsoluteDifference.toFixed(1)}°, sd ${
        a.sdA.toFixed(1)
      }° / ${a.sdB.toFixed(1)}°`,
    );
  }
}
