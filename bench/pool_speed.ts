/**
 * Throughput of `FacePool.embedImage` with 1 and with 2 workers on LFW
 * images, in one process: both pools are started first, then rounds
 * alternate between them so that drift in machine load hits them alike.
 * Each round submits every image at once. Prints images per second for each
 * round, the medians and their ratio. Each round also times a plain
 * JavaScript loop on one worker and on two at once: the ratio of those is
 * what the machine gives a second thread at the time, the most the pool can
 * reach when other jobs share the cores.
 *
 * ```sh
 * deno task bench:pool [--backend wasm|native|auto (default: the pool's, wasm)] [--images 200] [--rounds 5]
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Backend, FacePool } from "@facever/model";
import { lfwRoot } from "@facever/testing";
import { median } from "./_statistics.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string" },
    images: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
  },
});
const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}

/** The first image of each person, in name order: one face per image. */
async function images(count: number): Promise<Uint8Array<ArrayBuffer>[]> {
  const dir = join(root!, "images_deepfunneled");
  const people: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) people.push(entry.name);
  }
  people.sort();
  return await Promise.all(
    people.slice(0, count).map((name) =>
      Deno.readFile(join(dir, name, `${name}_0001.jpg`))
    ),
  );
}

/** Images per second of one round; "no face" counts as done. */
async function round(
  pool: FacePool,
  files: readonly Uint8Array[],
): Promise<number> {
  // Copies made before the clock starts: the pool moves each buffer.
  const copies = files.map((bytes) => bytes.slice());
  const start = performance.now();
  await Promise.all(
    copies.map((bytes) =>
      pool.embedImage(bytes).catch((error) => {
        if (error.code !== "no_face") throw error;
      })
    ),
  );
  return copies.length / ((performance.now() - start) / 1000);
}

/** A worker that spins for as many iterations as it is sent. */
const SPINNER = `data:application/javascript,${
  encodeURIComponent(`self.onmessage = ({ data }) => {
    let x = 0;
    for (let i = 0; i < data; i++) x = (x * 1.0000001 + i) % 1e9;
    self.postMessage(x);
  };`)
}`;
const SPINS = 5e7;

/** Iterations per millisecond of `spinners` workers spinning at once. */
async function spin(spinners: readonly Worker[]): Promise<number> {
  const start = performance.now();
  await Promise.all(spinners.map((worker) =>
    new Promise((resolve) => {
      worker.onmessage = resolve;
      worker.postMessage(SPINS);
    })
  ));
  return (spinners.length * SPINS) / (performance.now() - start);
}

const files = await images(Number(values.images));
const backend = values.backend as Backend | undefined;
await using one = await FacePool.create({ workers: 1, backend });
await using two = await FacePool.create({ workers: 2, backend });
console.log(
  `${files.length} LFW images, backend ${one.backend}, ${navigator.hardwareConcurrency} cores, load average ${
    Deno.loadavg().join(" ")
  }`,
);
// One warm-up round each: the first runs of a session are slower.
await round(one, files.slice(0, 20));
await round(two, files.slice(0, 40));
const spinners = [0, 1].map(() => new Worker(SPINNER, { type: "module" }));
const rates = { 1: [] as number[], 2: [] as number[] };
const ceilings: number[] = [];
try {
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const [workers, pool] of [[1, one], [2, two]] as const) {
      const rate = await round(pool, files);
      rates[workers].push(rate);
      console.log(
        `round ${i + 1}, ${workers} worker(s): ${rate.toFixed(1)} images/s`,
      );
    }
    const ceiling = await spin(spinners) / await spin(spinners.slice(0, 1));
    ceilings.push(ceiling);
    console.log(
      `round ${i + 1}, plain loop on 2 workers / 1: ${ceiling.toFixed(2)}`,
    );
  }
} finally {
  for (const worker of spinners) worker.terminate();
}
const [m1, m2] = [median(rates[1]), median(rates[2])];
console.log(
  `median: 1 worker ${m1.toFixed(1)} images/s, 2 workers ${
    m2.toFixed(1)
  } images/s, ratio ${(m2 / m1).toFixed(2)}; plain loop ratio ${
    median(ceilings).toFixed(2)
  }; load average ${Deno.loadavg().join(" ")}`,
);
