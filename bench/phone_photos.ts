/**
 * Phone photos read without a full decode against a full decode, on many
 * made-up photos: LFW people placed on 4000×3000 canvases (seeded: one to
 * three people each, photos 150–2800 pixels wide, anywhere, an EXIF
 * orientation of 1, 3, 6 or 8), saved as baseline JPEG quality 90 4:2:0.
 * For each, `FaceEngine.analyze` of the bytes (`openImage`) and of the
 * full decode: the faces each finds, matched by box overlap, and the
 * cosine of each matched pair's embeddings; and the time of each.
 *
 * ```sh
 * deno task bench:phone [--photos 24]
 * ```
 *
 * Writes `bench/results/phone_photos.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Box,
  cosineSimilarity,
  decodeImage,
  type RgbImage,
} from "@facever/core";
import { FaceEngine } from "@facever/model";
import {
  concat,
  exifSegment,
  faceCanvas,
  lfwRoot,
  type PlacedFace,
  storedForOrientation,
  uniform,
} from "@facever/testing";
import { readPairs } from "./_lfw_pairs.ts";
import { baselineJpeg } from "./_speed_inputs.ts";
import { median } from "./_statistics.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { photos: { type: "string", default: "24" } },
});
const PHOTOS = Number(values.photos);
const root = lfwRoot();
if (!root) throw new Error("the check reads LFW photos: set LFW_DIR");

const files = [
  ...new Set(
    (await readPairs(root, "pairs.txt")).flat().flatMap((p) => [p.a, p.b]),
  ),
];
const random = uniform(106);
const pick = async (): Promise<RgbImage> =>
  await decodeImage(
    await Deno.readFile(files[Math.floor(random() * files.length)]),
  );
const backgrounds = await Promise.all(
  Array.from({ length: 12 }, () => pick()),
);

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Up to three people that do not overlap, on an upright `width` × `height` canvas. */
async function people(width: number, height: number): Promise<PlacedFace[]> {
  const placed: PlacedFace[] = [];
  const wanted = 1 + Math.floor(random() * 3);
  for (let tries = 0; placed.length < wanted && tries < 50; tries++) {
    const size = Math.round(150 * (2800 / 150) ** random());
    if (size > Math.min(width, height)) continue;
    const x = Math.floor(random() * (width - size));
    const y = Math.floor(random() * (height - size));
    const box = { x, y, width: size, height: size };
    const free = placed.every((p) =>
      iou(box, { x: p.x, y: p.y, width: p.size, height: p.size }) === 0
    );
    if (free) placed.push({ photo: await pick(), x, y, size });
  }
  return placed;
}

const engine = await FaceEngine.create({ backend: "wasm" });
const cosines: number[] = [];
const rows = [];
let missed = 0, extra = 0, full = 0, opened = 0;
const times = { full: [] as number[], opened: [] as number[] };
for (let n = 0; n < PHOTOS; n++) {
  const orientation = [1, 3, 6, 8][Math.floor(random() * 4)];
  const [width, height] = orientation >= 5 ? [3000, 4000] : [4000, 3000];
  const faces = await people(width, height);
  const upright = faceCanvas({
    width,
    height,
    backgrounds,
    faces,
    grain: 8,
    seed: n + 1,
  });
  const stored = await baselineJpeg(storedForOrientation(upright, orientation));
  const jpeg = concat([
    stored.subarray(0, 2),
    exifSegment(orientation),
    stored.subarray(2),
  ]);
  let start = performance.now();
  const expected = await engine.analyze(await decodeImage(jpeg));
  times.full.push(performance.now() - start);
  start = performance.now();
  const got = await engine.analyze(jpeg);
  times.opened.push(performance.now() - start);
  full += expected.faces.length;
  opened += got.faces.length;
  const unmatched = [...got.faces];
  const matched = [];
  for (const face of expected.faces) {
    const at = unmatched.findIndex((f) => iou(f.box, face.box) > 0.5);
    const width = Math.round(face.box.width);
    const score = Number(face.score.toFixed(3));
    if (at < 0) {
      missed++;
      matched.push({ width, score, missed: true });
      continue;
    }
    const [match] = unmatched.splice(at, 1);
    const cosine = cosineSimilarity(face.embedding!, match.embedding!);
    cosines.push(cosine);
    matched.push({
      width,
      score,
      iou: Number(iou(face.box, match.box).toFixed(3)),
      cosine: Number(cosine.toFixed(4)),
      sharpness: Math.round(face.quality.sharpness),
    });
  }
  extra += unmatched.length;
  rows.push({
    orientation,
    placed: faces.map((f) => f.size),
    faces: matched,
    extra: unmatched.map((f) => ({
      width: Math.round(f.box.width),
      score: Number(f.score.toFixed(3)),
    })),
  });
  console.log(
    `photo ${n + 1}/${PHOTOS}: EXIF ${orientation}, photos ${
      faces.map((f) => f.size).join(", ")
    } px; faces ${expected.faces.length} / ${got.faces.length}; ${
      times.full.at(-1)!.toFixed(0)
    } / ${times.opened.at(-1)!.toFixed(0)} ms`,
  );
}

const sorted = [...cosines].sort((a, b) => a - b);
const summary = {
  date: new Date().toISOString(),
  photos: PHOTOS,
  facesFullDecode: full,
  facesOpened: opened,
  missedWhenOpened: missed,
  extraWhenOpened: extra,
  cosine: {
    min: sorted[0],
    p5: sorted[Math.floor(sorted.length * 0.05)],
    median: median(sorted),
    below099: sorted.filter((c) => c < 0.99).length,
  },
  msAnalyze: { full: median(times.full), opened: median(times.opened) },
  rows,
};
console.log(JSON.stringify({ ...summary, rows: undefined }, null, 2));
await Deno.writeTextFile(
  new URL("./results/phone_photos.json", import.meta.url),
  JSON.stringify(summary, null, 2) + "\n",
);
