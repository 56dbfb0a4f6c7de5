/**
 * Where a stream of distinct photos spends its time, beside the 8 photos
 * `pipeline.250` cycles through: `FaceEngine.embedImage` on LFW photos,
 * in one fresh process, phase after phase:
 *
 * ```sh
 * deno task bench:stream
 * ```
 *
 * 1. `cold`: distinct photos from the process's first call (models just
 *    loaded, nothing optimised yet), bytes read beforehand;
 * 2. `cycled | distinct`: one of the 8 photos of `pipeline.250`, then a
 *    photo never seen (bytes read beforehand, as `pipeline.lfw`), call
 *    after call, so that the machine's load weighs on both alike;
 * 3. `distinct+read`: photos never seen, each read from disk inside the
 *    timing, as a caller reading files does;
 * 4. `pool ×1`, `pool ×2`: distinct photos through a `FacePool` of 1 and of
 *    2 workers, one call in flight per worker (as `deno task bench:lfw`
 *    times its photos): each photo's time from hand-over to embedding.
 *
 * Each phase prints the median and 90th percentile per photo; then the
 * stages of the pipeline (decode, detect with landmarks, align, embed),
 * timed one by one on cycled and on distinct photos, alternating.
 *
 * @module
 */

import { alignFace, decodeImage } from "@facever/core";
import {
  FaceDetector,
  FaceEmbedder,
  FaceEngine,
  FacePool,
} from "@facever/model";
import { lfwRoot } from "@facever/testing";
import { readPairs } from "./_lfw_pairs.ts";
import { median } from "./_statistics.ts";

const PHASE = 300;
const root = lfwRoot();
if (!root) throw new Error("the stream measures LFW photos: set LFW_DIR");

const files = [
  ...new Set(
    (await readPairs(root, "pairs.txt")).flat().flatMap((p) => [p.a, p.b]),
  ),
];
const cycled = await Promise.all(
  files.slice(0, 8).map((f) => Deno.readFile(f)),
);
// Disjoint sets of photos, one per phase that needs unseen ones.
const coldFiles = files.slice(48, 48 + PHASE);
const distinctFiles = files.slice(48 + PHASE, 48 + 2 * PHASE);
const readFiles = files.slice(48 + 2 * PHASE, 48 + 3 * PHASE);
const poolFiles = files.slice(48 + 3 * PHASE, 48 + 5 * PHASE);
const cold = await Promise.all(coldFiles.map((f) => Deno.readFile(f)));
const distinct = await Promise.all(distinctFiles.map((f) => Deno.readFile(f)));

const engine = await FaceEngine.create({ backend: "wasm" });
const detector = await FaceDetector.load({ backend: "wasm" });
const embedder = await FaceEmbedder.load({ backend: "wasm" });

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function line(name: string, times: number[], extra = ""): string {
  return `${name.padEnd(16)} median ${median(times).toFixed(2)} ms, p90 ${
    percentile(times, 0.9).toFixed(2)
  } ms${extra} (${times.length} photos)`;
}

async function timed(bytes: Uint8Array | Promise<Uint8Array>) {
  const start = performance.now();
  await engine.embedImage(await bytes);
  return performance.now() - start;
}

/** Distinct photos through a pool of `workers`, one call in flight each. */
async function pool(workers: number, files: readonly string[]): Promise<void> {
  const photos = await Promise.all(files.map((f) => Deno.readFile(f)));
  await using faces = await FacePool.create({ workers, backend: "wasm" });
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < photos.length) {
      const bytes = photos[next++];
      const start = performance.now();
      await faces.embedImage(bytes);
      times.push(performance.now() - start);
    }
  }));
  console.log(
    `${`pool ×${workers}`.padEnd(14)} median ${
      median(times).toFixed(2)
    } ms, p90 ${
      percentile(times, 0.9).toFixed(2)
    } ms (${photos.length} photos)`,
  );
}

/** Each stage's time, one call after another. */
type Stages = Record<"decode" | "detect" | "align" | "embed", number[]>;

/** The pipeline's stages, timed one by one, on `bytes`, into `spent`. */
async function stages(bytes: Uint8Array, spent: Stages): Promise<void> {
  let t = performance.now();
  const image = await decodeImage(bytes);
  spent.decode.push(performance.now() - t);
  t = performance.now();
  const [face] = await detector.detectFaces(image, { maxFaces: 1 });
  spent.detect.push(performance.now() - t);
  t = performance.now();
  const aligned = alignFace(image, face.landmarks);
  spent.align.push(performance.now() - t);
  t = performance.now();
  await embedder.embed([aligned]);
  spent.embed.push(performance.now() - t);
}

const stagesLine = (name: string, spent: Stages) =>
  `${name.padEnd(16)} ${
    Object.entries(spent).map(([stage, times]) =>
      `${stage} ${median(times).toFixed(2)}`
    ).join(", ")
  } ms (medians)`;

const coldTimes: number[] = [];
for (const bytes of cold) coldTimes.push(await timed(bytes));
console.log(
  line(
    "cold",
    coldTimes,
    `, first 10 ${median(coldTimes.slice(0, 10)).toFixed(2)} ms`,
  ),
);

const cycledTimes: number[] = [], distinctTimes: number[] = [];
for (let i = 0; i < PHASE; i++) {
  cycledTimes.push(await timed(cycled[i % 8]));
  distinctTimes.push(await timed(distinct[i]));
}
console.log(line("cycled", cycledTimes));
console.log(line("distinct", distinctTimes));

const readTimes: number[] = [];
for (const file of readFiles) readTimes.push(await timed(Deno.readFile(file)));
console.log(
  line(
    "distinct+read",
    readTimes,
    `, first 10 ${median(readTimes.slice(0, 10)).toFixed(2)} ms`,
  ),
);

const onCycled: Stages = { decode: [], detect: [], align: [], embed: [] };
const onDistinct: Stages = { decode: [], detect: [], align: [], embed: [] };
for (let i = 0; i < PHASE; i++) {
  await stages(cycled[i % 8], onCycled);
  await stages(distinct[i], onDistinct);
}
console.log(stagesLine("stages, cycled", onCycled));
console.log(stagesLine("stages, distinct", onDistinct));

await pool(1, poolFiles.slice(0, PHASE));
await pool(2, poolFiles.slice(PHASE));
