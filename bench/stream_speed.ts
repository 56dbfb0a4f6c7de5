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
 * 2. `cycled`: the 8 photos of `pipeline.250` in turn;
 * 3. `distinct`: photos never seen, bytes read beforehand (`pipeline.lfw`);
 * 4. `distinct+read`: photos never seen, each read from disk inside the
 *    timing, as a caller reading files does;
 * 5. `cycled` again, to see the machine's drift over the run;
 * 6. `pool ×1`, `pool ×2`: distinct photos through a `FacePool` of 1 and of
 *    2 workers, one call in flight per worker (as `deno task bench:lfw`
 *    times its photos): each photo's time from hand-over to embedding.
 *
 * Each phase prints the median and 90th percentile per photo, and the
 * stages of the pipeline (decode, detect with landmarks, align, embed)
 * for the `distinct` and `cycled` phases, and how much of the time
 * went to garbage collection (V8's `--trace-gc` lines are counted when
 * the task passes it).
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

async function phase(
  name: string,
  count: number,
  input: (i: number) => Uint8Array | Promise<Uint8Array>,
): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await engine.embedImage(await input(i));
    times.push(performance.now() - start);
  }
  console.log(
    `${name.padEnd(14)} median ${median(times).toFixed(2)} ms, p90 ${
      percentile(times, 0.9).toFixed(2)
    } ms, first 10 ${
      median(times.slice(0, 10)).toFixed(2)
    } ms (${count} photos)`,
  );
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

/** The pipeline's stages, timed one by one, on `photos` in turn. */
async function stages(name: string, photos: readonly Uint8Array[]) {
  const spent = {
    decode: [] as number[],
    detect: [] as number[],
    align: [] as number[],
    embed: [] as number[],
  };
  for (const bytes of photos) {
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
  console.log(
    `${name.padEnd(14)} ${
      Object.entries(spent).map(([stage, times]) =>
        `${stage} ${median(times).toFixed(2)}`
      ).join(", ")
    } ms (medians)`,
  );
}

await phase("cold", PHASE, (i) => cold[i]);
await phase("cycled", PHASE, (i) => cycled[i % 8]);
await phase("distinct", PHASE, (i) => distinct[i]);
await phase("distinct+read", PHASE, (i) => Deno.readFile(readFiles[i]));
await phase("cycled", PHASE, (i) => cycled[i % 8]);
await stages(
  "stages cycled",
  Array.from({ length: PHASE }, (_, i) => cycled[i % 8]),
);
await stages("stages distinct", distinct);
await pool(1, poolFiles.slice(0, PHASE));
await pool(2, poolFiles.slice(PHASE));
