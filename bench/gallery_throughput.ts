/**
 * Identifications per second on a 100,000-face tenant, by concurrency:
 * how far concurrent `identify` calls gain from sharing scans.
 *
 *     deno task bench:gallery-throughput [--seconds 2] [--rounds 3]
 *
 * Three kinds of measurement, taken in turns — every row once per round,
 * so that drift in the machine's load hits all alike — and reported as the
 * median over the rounds:
 *
 * - `direct`: `FaceIndex.search` of `@facever/gallery/index`, one query at
 *   a time on an index of the same faces — the cost of one query alone,
 *   and what `identify` did before queries shared scans;
 * - `in-process`: `concurrency` loops calling `Gallery.identify` on the
 *   tenant (loaded from its snapshot) back to back;
 * - `in-process, scan pool`: the same on a second `Gallery` of the tenant
 *   opened with a `ScanPool` of one helper thread (the scans shared with
 *   the other core);
 * - `http`: a server process (`Deno.serve` on 127.0.0.1, one `identify`
 *   per `POST /identify` with `{"embedding": [512 numbers]}`, answered
 *   with JSON) and `concurrency` loops of `fetch` in this process. Both
 *   processes share the machine's two cores, so the client's work counts
 *   against the server's.
 *
 * Two more rows take `direct` and `in-process, scan pool` at concurrency 1
 * with 1 ms of idle before each call (`idleMs`), as a client's pauses
 * between requests are: a back-to-back loop keeps part of the index in the
 * processor's last-level cache between scans, which real traffic does not
 * (the latencies tell the difference; calls per second count the pauses).
 *
 * Each row also has the CPU time per call of the process that answers
 * (`process.cpuUsage`; the server reports its own on `GET /cpu`): on a
 * machine that other work keeps busy, calls per second follow the load,
 * while `1000 / cpuMsPerCall` estimates what a core of its own would give.
 *
 * Queries are half random unit vectors, half enrolled faces plus noise
 * (similarity about 0.6), threshold 0.3, limit 5. Prints one JSON line per
 * row and writes `bench/results/gallery_throughput.json`, with the load
 * average before and after.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { FaceIndex } from "@facever/gallery/index";
import { Gallery, ScanPool } from "@facever/gallery";
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
    seconds: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
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

type Mode = "direct" | "in-process" | "in-process, scan pool" | "http";

/** One measurement: calls per second, their latencies, and CPU time. */
interface Sample {
  readonly perSecond: number;
  readonly latencies: number[];
  /** CPU milliseconds per call of the process that answers. */
  readonly cpuMsPerCall: number;
}

/** CPU microseconds (user and system) this process has used. */
function cpuMicroseconds(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A row of the results: the medians over the rounds. */
interface Row {
  readonly mode: Mode;
  readonly concurrency: number;
  /** Idle time before each call, in ms; 0: back to back. */
  readonly idleMs: number;
  readonly perSecond: number;
  /**
   * CPU time per call of the answering process (this one in process, the
   * server over HTTP): what a core of its own would give is about
   * `1000 / cpuMsPerCall` calls per second, whatever else runs here.
   */
  readonly cpuMsPerCall: number;
  /** Each round's calls per second. */
  readonly rounds: number[];
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly calls: number;
}

/**
 * `concurrency` loops of `call` for `seconds`, after a short warm-up, each
 * call after `idleMs` of idle (not counted in its latency); `cpu` tells
 * the CPU microseconds of the process that answers.
 */
async function load(
  concurrency: number,
  seconds: number,
  cpu: () => Promise<number>,
  call: (k: number) => Promise<unknown>,
  idleMs: number,
): Promise<Sample> {
  const warm = performance.now() + 300;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await call(next++);
  }));
  const latencies: number[] = [];
  const cpuBefore = await cpu();
  const started = performance.now();
  const end = started + 1000 * seconds;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      if (idleMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, idleMs));
      }
      const begun = performance.now();
      await call(next++);
      latencies.push(performance.now() - begun);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const used = await cpu() - cpuBefore;
  return {
    perSecond: latencies.length / elapsed,
    latencies,
    cpuMsPerCall: used / 1000 / latencies.length,
  };
}

function row(
  mode: Mode,
  concurrency: number,
  idleMs: number,
  samples: Sample[],
): Row {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const ms = (value: number) => Math.round(100 * value) / 100;
  return {
    mode,
    concurrency,
    idleMs,
    perSecond: Math.round(median(samples.map((s) => s.perSecond))),
    cpuMsPerCall: ms(median(samples.map((s) => s.cpuMsPerCall))),
    rounds: samples.map((s) => Math.round(s.perSecond)),
    medianMs: ms(median(latencies)),
    p95Ms: ms(latencies[Math.floor(0.95 * latencies.length)]),
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
      if (new URL(request.url).pathname === "/cpu") {
        return new Response(String(cpuMicroseconds()));
      }
      const { embedding } = await request.json();
      return Response.json({
        matches: await gallery.identify(embedding, OPTIONS),
      });
    },
  );
  console.log("ready");
}

async function measure(seconds: number, rounds: number): Promise<Row[]> {
  const { path } = await snapshotCopy("plain", FACES);
  const asked = queries();

  const index = new FaceIndex(DIMS);
  const vectors = enrolledVectors(FACES);
  for (const [i, vector] of vectors.entries()) {
    index.add(
      `face-${i}`,
      `subject-${i >> 2}`,
      Float32Array.from(unit(vector)),
    );
  }
  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(
    kv,
    await tenantOptions("plain", { snapshotEvery: Infinity }),
  );
  await gallery.identify(asked[0], OPTIONS);
  using scanPool = ScanPool.create({ threads: 1 });
  const pooled = await Gallery.open(kv, {
    ...await tenantOptions("plain", { snapshotEvery: Infinity }),
    scanPool,
  });
  // The helper starts after the first shared scan.
  await pooled.identify(asked[0], OPTIONS);
  await new Promise((resolve) => setTimeout(resolve, 200));

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
  const own = () => Promise.resolve(cpuMicroseconds());
  const served = async () =>
    Number(await (await fetch(`http://127.0.0.1:${port}/cpu`)).text());

  const search = (k: number) =>
    Promise.resolve(
      index.search(asked[k % asked.length], OPTIONS.limit, OPTIONS.threshold),
    );
  const pooledIdentify = (k: number) =>
    pooled.identify(asked[k % asked.length], OPTIONS);
  const runs: {
    mode: Mode;
    concurrency: number;
    idleMs: number;
    cpu: () => Promise<number>;
    call: (k: number) => Promise<unknown>;
  }[] = [
    ...[0, 1].map((idleMs) => ({
      mode: "direct" as const,
      concurrency: 1,
      idleMs,
      cpu: own,
      call: search,
    })),
    ...CONCURRENCY.map((concurrency) => ({
      mode: "in-process" as const,
      concurrency,
      idleMs: 0,
      cpu: own,
      call: (k: number) => gallery.identify(asked[k % asked.length], OPTIONS),
    })),
    ...CONCURRENCY.map((concurrency) => ({
      mode: "in-process, scan pool" as const,
      concurrency,
      idleMs: 0,
      cpu: own,
      call: pooledIdentify,
    })),
    {
      mode: "in-process, scan pool",
      concurrency: 1,
      idleMs: 1,
      cpu: own,
      call: pooledIdentify,
    },
    ...CONCURRENCY.map((concurrency) => ({
      mode: "http" as const,
      concurrency,
      idleMs: 0,
      cpu: served,
      call: async (k: number) => {
        const response = await fetch(url, {
          method: "POST",
          body: bodies[k % bodies.length],
          headers: { "content-type": "application/json" },
        });
        if (!response.ok) throw new Error(await response.text());
        return await response.json();
      },
    })),
  ];
  const samples = runs.map(() => [] as Sample[]);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, { concurrency, cpu, call, idleMs }] of runs.entries()) {
        samples[i].push(await load(concurrency, seconds, cpu, call, idleMs));
      }
      console.error(`round ${round + 1}/${rounds} done`);
    }
  } finally {
    server.kill();
    await server.status;
    await lines.cancel();
    kv.close();
  }
  return runs.map(({ mode, concurrency, idleMs }, i) =>
    row(mode, concurrency, idleMs, samples[i])
  );
}

if (values.serve) {
  const at = values.serve.lastIndexOf(":");
  await serve(values.serve.slice(0, at), Number(values.serve.slice(at + 1)));
} else {
  const loadBefore = Deno.loadavg();
  const rows = await measure(Number(values.seconds), Number(values.rounds));
  for (const { rounds: _, ...row } of rows) console.log(JSON.stringify(row));
  await Deno.writeTextFile(
    new URL("./results/gallery_throughput.json", import.meta.url),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: describeMachine(),
        faces: FACES,
        dims: DIMS,
        options: OPTIONS,
        loadAverage: { before: loadBefore, after: Deno.loadavg() },
        rows,
      },
      null,
      2,
    ) + "\n",
  );
}
