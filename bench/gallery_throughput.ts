/**
 * Identifications per second on a 100,000-face tenant, by concurrency:
 * how far concurrent `identify` calls gain from sharing scans.
 *
 *     deno task bench:gallery-throughput [--seconds 3]
 *
 * Three measurements, one after the other in one run:
 *
 * - `direct`: `FaceIndex.search` of `@facever/gallery/index`, one query at
 *   a time on an index of the same faces — the cost of one query alone,
 *   and what `identify` did before queries shared scans;
 * - `in-process`: `concurrency` loops calling `Gallery.identify` on the
 *   tenant (loaded from its snapshot) back to back;
 * - `http`: a server process (`Deno.serve` on 127.0.0.1, one `identify`
 *   per `POST /identify` with `{"embedding": [512 numbers]}`, answered
 *   with JSON) and `concurrency` loops of `fetch` in this process. Both
 *   processes share the machine's two cores, so the client's work counts
 *   against the server's.
 *
 * Queries are half random unit vectors, half enrolled faces plus noise
 * (similarity about 0.6), threshold 0.3, limit 5. Prints one JSON line per
 * row and writes `bench/results/gallery_throughput.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { FaceIndex } from "@facever/gallery/index";
import { Gallery } from "@facever/gallery";
import { unitVectors } from "@facever/testing";
import { describeMachine } from "./_machine.ts";
import { median } from "./_statistics.ts";
import {
  DIMS,
  enrolledVectors,
  snapshotCopy,
  tenantOptions,
} from "./_gallery_tenant.ts";

const FACES = 100_000;
const CONCURRENCY = [1, 4, 16, 64];
const QUERY_COUNT = 200;
const OPTIONS = { threshold: 0.3, limit: 5 };

const { values } = parseArgs({
  args: Deno.args,
  options: {
    serve: { type: "string" },
    seconds: { type: "string", default: "3" },
  },
});

function unit(vector: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] ** 2;
  const norm = Math.sqrt(sum);
  return Float64Array.from(vector, (v) => v / norm);
}

/** Half random, half an enrolled face plus noise. */
function queries(): Float64Array[] {
  const enrolled = enrolledVectors(QUERY_COUNT);
  const noise = unitVectors(77, DIMS);
  return Array.from({ length: QUERY_COUNT }, (_, k) => {
    const direction = noise();
    if (k % 2 === 0) return unit(direction);
    return unit(direction.map((d, i) => enrolled[k][i] + 1.33 * d));
  });
}

interface Row {
  readonly mode: "direct" | "in-process" | "http";
  readonly concurrency: number;
  readonly perSecond: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly calls: number;
}

/** `concurrency` loops of `call` for `seconds`, after a short warm-up. */
async function load(
  mode: Row["mode"],
  concurrency: number,
  seconds: number,
  call: (k: number) => Promise<unknown>,
): Promise<Row> {
  const warm = performance.now() + 300;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await call(next++);
  }));
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + 1000 * seconds;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const begun = performance.now();
      await call(next++);
      latencies.push(performance.now() - begun);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mode,
    concurrency,
    perSecond: Math.round(latencies.length / elapsed),
    medianMs: Math.round(100 * median(latencies)) / 100,
    p95Ms: Math.round(100 * latencies[Math.floor(0.95 * latencies.length)]) /
      100,
    calls: latencies.length,
  };
}

/** The server: answers `POST /identify` until killed. */
async function serve(path: string, port: number): Promise<void> {
  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(
    kv,
    await tenantOptions("plain", { snapshotEvery: Infinity }),
  );
  await gallery.identify(enrolledVectors(1)[0], OPTIONS);
  Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (request) => {
      const { embedding } = await request.json();
      return Response.json({
        matches: await gallery.identify(embedding, OPTIONS),
      });
    },
  );
  console.log("ready");
}

async function measure(seconds: number): Promise<Row[]> {
  const { path } = await snapshotCopy("plain", FACES);
  const asked = queries();
  const rows: Row[] = [];

  const index = new FaceIndex(DIMS);
  const vectors = enrolledVectors(FACES);
  for (const [i, vector] of vectors.entries()) {
    index.add(
      `face-${i}`,
      `subject-${i >> 2}`,
      Float32Array.from(unit(vector)),
    );
  }
  rows.push(
    await load("direct", 1, seconds, (k) => {
      const q = asked[k % asked.length];
      return Promise.resolve(index.search(q, OPTIONS.limit, OPTIONS.threshold));
    }),
  );

  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(
    kv,
    await tenantOptions("plain", { snapshotEvery: Infinity }),
  );
  for (const concurrency of CONCURRENCY) {
    rows.push(
      await load(
        "in-process",
        concurrency,
        seconds,
        (k) => gallery.identify(asked[k % asked.length], OPTIONS),
      ),
    );
  }
  kv.close();

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const dir = path.slice(0, path.lastIndexOf("/"));
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-kv",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      `--allow-net=127.0.0.1:${port}`,
      fileURLToPath(import.meta.url),
      "--serve",
      `${path}:${port}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!(await lines.read()).value?.includes("ready"));
  const bodies = asked.map((q) => JSON.stringify({ embedding: Array.from(q) }));
  const url = `http://127.0.0.1:${port}/identify`;
  try {
    for (const concurrency of CONCURRENCY) {
      rows.push(
        await load("http", concurrency, seconds, async (k) => {
          const response = await fetch(url, {
            method: "POST",
            body: bodies[k % bodies.length],
            headers: { "content-type": "application/json" },
          });
          if (!response.ok) throw new Error(await response.text());
          return await response.json();
        }),
      );
    }
  } finally {
    server.kill();
    await server.status;
    await lines.cancel();
  }
  return rows;
}

if (values.serve) {
  const at = values.serve.lastIndexOf(":");
  await serve(values.serve.slice(0, at), Number(values.serve.slice(at + 1)));
} else {
  const rows = await measure(Number(values.seconds));
  for (const row of rows) console.log(JSON.stringify(row));
  await Deno.writeTextFile(
    new URL("./results/gallery_throughput.json", import.meta.url),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: describeMachine(),
        faces: FACES,
        dims: DIMS,
        options: OPTIONS,
        rows,
      },
      null,
      2,
    ) + "\n",
  );
}
