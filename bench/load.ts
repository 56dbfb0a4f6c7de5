/**
 * The API under load, beside the same work done in-process: a real server
 * (`apps/deploy/main.ts` with the permissions of `deno task start`,
 * WORKERS=2, SCAN_THREADS=1) on 127.0.0.1 takes bounded runs of wrk
 * (Debian's `wrk`, one thread; `apt-get install wrk`), and each run is
 * followed by the same requests' work done
 * directly with a `FacePool` of 2 workers and a `Gallery` with a
 * `ScanPool` of 1 helper at the same concurrency. The ratio of the
 * two throughputs is what the HTTP layer (parsing, validation, keys, rate
 * limit, logging, the loopback network and the load generator itself, on
 * the same two cores) keeps of the engine's speed.
 *
 * Scenarios: `/v1/verify` (two LFW photos, multipart), `/v1/identify` with
 * a photo (raw JPEG body) and `/v1/identify` with an embedding (JSON), on a
 * tenant of 100,000 faces: random unit vectors plus a few real LFW faces,
 * so that the probes of those people (their second photos) are hits; the
 * embedding probes alternate between such hits and random vectors. The
 * tenant is built once with `Gallery` directly into `.cache/load/`
 * (minutes) and copied for each run. Three more scenarios measure what
 * lies under the API (`_floor_server.ts`): the same embedding requests
 * sent to a bare `Deno.serve` that identifies them on the same tenant with
 * the same scan helper (no routing, key, checks or log: the most that any
 * HTTP server keeps of the in-process figure with these clients on this
 * loopback); identifications on a tenant with no face (what the API's path
 * alone leaves room for); and the same requests to a bare `Deno.serve`
 * that only parses their JSON (the turnaround of a request over the
 * loopback, which no API can go under).
 *
 * ```sh
 * deno task load [--duration 4] [--rounds 2] [--faces 100000] [--only identify]
 * ```
 *
 * `--duration` is each cell's time per side and per round (wrk runs
 * whole seconds: each HTTP leg is half of it, rounded, at least 1 s); `--rounds`
 * repeats each cell's legs; `--only` keeps the scenarios whose name holds
 * the text (and then leaves the results file alone).
 *
 * Writes `bench/results/load.json` and prints a table: requests per second
 * (2xx answers only), latency percentiles, errors and non-2xx answers of
 * HTTP; requests per second in-process; their ratio; and the CPU time per
 * request of both processes on each side (read from /proc through `cat`),
 * which the other jobs of a shared machine move far less than the rates.
 *
 * @module
 */

import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { cosineSimilarity } from "@facever/core";
import { createKey, startServer } from "@facever/deploy/test_server";
import { ScanPool } from "@facever/gallery";
import { FacePool } from "@facever/model";
import { lfwRoot, unitVectors } from "@facever/testing";
import {
  copyGallery,
  lfwPeople,
  LOAD_IDENTIFY,
  LOAD_TENANT,
  loadGallery,
  openLoadTenant,
} from "./_load_gallery.ts";
import { runFolder } from "./_run_folder.ts";
import { describeMachine } from "./_machine.ts";
import {
  cpuSeconds,
  directLeg,
  embeddingJson,
  figures,
  httpLeg,
  type HttpRequest,
  type Leg,
  multipart,
  type WrkRequests,
  wrkRequests,
} from "./_load_legs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "4" },
    faces: { type: "string", default: "100000" },
    rounds: { type: "string", default: "2" },
    only: { type: "string" },
  },
});
const SECONDS = Number(values.duration);
const ROUNDS = Number(values.rounds);
const FACES = Number(values.faces);
const WORKERS = 2;
/** Threads helping the scans of a large gallery, the server's default here. */
const SCAN_THREADS = 1;
const PEOPLE = 50;
/** Different inputs each scenario cycles through. */
const INPUTS = 16;
const WARMUP_SECONDS = 1;
/**
 * Most warm-up legs per side: they go on until two in a row serve within
 * {@linkcode SETTLED} of each other. A fresh server's pool starts its
 * workers after the first answer; on a slow host one second was not enough
 * for them, and the first measured leg of a run served 30 verifications a
 * second where the next three served 42–44.
 */
const MAX_WARMUP_LEGS = 10;
/** Two warm-up legs whose rates differ by at most this share are alike. */
const SETTLED = 0.1;
const RESULTS = new URL("./results/load.json", import.meta.url);

interface Scenario {
  readonly name: string;
  readonly concurrencies: readonly number[];
  readonly requests: readonly HttpRequest[];
  /**
   * The work of request `i` of the list, done in-process; none where the
   * scenario measures the HTTP path alone (an empty tenant: in process,
   * there is nothing to compare).
   */
  readonly direct?: (i: number) => Promise<unknown>;
  /** The key of the scenario's tenant. */
  readonly key: string;
  /** Where the requests go, if not to the API server. */
  readonly target?: Target;
}

/** A server under load: where it listens, and its process, whose CPU counts. */
interface Target {
  readonly origin: string;
  readonly pid: number;
}

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}

const built = await loadGallery(root, { faces: FACES, people: PEOPLE });
const enrolled = new Set(built.people);
const people = (await lfwPeople(root, PEOPLE)).filter(({ name }) =>
  enrolled.has(name)
).slice(0, INPUTS);
await using run = await runFolder("load");
const kvPath = await copyGallery(built.path, run.dir);
const key = await createKey(kvPath, LOAD_TENANT);
// A tenant with no face: what the HTTP path alone allows an identification.
const emptyKey = await createKey(kvPath, "empty");
await using server = await startServer({
  kvPath,
  workers: WORKERS,
  env: { SCAN_THREADS: String(SCAN_THREADS) },
});
await using floor = await startFloor(kvPath);
await using pool = await FacePool.create({ workers: WORKERS });
using scanPool = ScanPool.create({ threads: SCAN_THREADS });
const kv = await Deno.openKv(kvPath);
const gallery = await openLoadTenant(kv, scanPool);

const photos = await Promise.all(
  people.map(async ({ enrolled, probe }) => ({
    enrolled: await Deno.readFile(enrolled),
    probe: await Deno.readFile(probe),
  })),
);
// Probe embeddings as the server's pool makes them: hits for the real
// people, alternating with random unit vectors (misses, the worst case
// for the index's pruning).
const random = unitVectors(7, 512);
const probeEmbeddings: Float32Array[] = [];
for (const [i, { probe }] of photos.entries()) {
  probeEmbeddings.push(
    i % 2 === 0
      ? (await pool.analyze(probe.slice(), { embed: "largest" })).faces
        .find((face) => face.embedding)!.embedding!
      : random(),
  );
}

/** The largest face's embedding, as the verify route takes it. */
async function largest(image: Uint8Array): Promise<Float32Array> {
  const { faces } = await pool.analyze(image.slice(), { embed: "largest" });
  const face = faces.find((face) => face.embedding);
  if (!face) throw new Error("no face in a benchmark photo");
  return face.embedding!;
}

async function identify(embedding: Float32Array) {
  return await gallery.identify(embedding, LOAD_IDENTIFY);
}

// How many embedding probes name a subject (the others find no one).
let probeHits = 0;
for (const embedding of probeEmbeddings) {
  if ((await identify(embedding)).length > 0) probeHits++;
}

/** The work of embedding probe `i`, in process. */
const identifyProbe = (i: number) => identify(probeEmbeddings[i]);

/** The embedding probes as JSON requests to `/v1/identify`. */
const embeddingRequests: HttpRequest[] = probeEmbeddings.map((embedding) => ({
  method: "POST",
  path: "/v1/identify",
  headers: { "content-type": "application/json" },
  body: embeddingJson(embedding),
}));

const allScenarios: Scenario[] = [
  {
    name: "verify (2 photos, multipart)",
    concurrencies: [1, 4, 16],
    requests: photos.map(({ enrolled, probe }) => {
      const { body, type } = multipart({ a: enrolled, b: probe });
      return {
        method: "POST",
        path: "/v1/verify",
        headers: { "content-type": type },
        body,
      };
    }),
    direct: async (i) => {
      const [a, b] = await Promise.all([
        largest(photos[i].enrolled),
        largest(photos[i].probe),
      ]);
      return cosineSimilarity(a, b);
    },
    key,
  },
  {
    name: "identify (photo)",
    concurrencies: [1, 4, 16],
    requests: photos.map(({ probe }) => ({
      method: "POST",
      path: "/v1/identify",
      headers: { "content-type": "image/jpeg" },
      body: probe,
    })),
    direct: async (i) => {
      const { faces } = await pool.analyze(photos[i].probe.slice(), {
        embed: "all",
      });
      return await Promise.all(
        faces.flatMap((face) =>
          face.embedding ? [identify(face.embedding)] : []
        ),
      );
    },
    key,
  },
  {
    name: "identify (embedding, JSON)",
    concurrencies: [1, 4, 16, 64],
    requests: embeddingRequests,
    direct: identifyProbe,
    key,
  },
  {
    name: "identify (embedding, JSON), bare Deno.serve",
    concurrencies: [1, 4, 16, 64],
    requests: embeddingRequests.map((request) => ({
      ...request,
      path: "/identify",
    })),
    direct: identifyProbe,
    key,
    target: floor,
  },
  {
    name: "identify (embedding, JSON), empty tenant",
    concurrencies: [1, 4, 16, 64],
    requests: embeddingRequests,
    key: emptyKey,
  },
  {
    name: "the same JSON to a bare Deno.serve",
    concurrencies: [1, 4, 16],
    requests: embeddingRequests.map((request) => ({
      ...request,
      path: "/parse",
    })),
    key: emptyKey,
    target: floor,
  },
];

const api: Target = { origin: server.origin, pid: server.process.pid };

function targetOf(scenario: Scenario): Target {
  return scenario.target ?? api;
}

const scenarios = allScenarios.filter(({ name }) =>
  values.only === undefined || name.includes(values.only)
);

/**
 * `run`, with the CPU time the server and the client (wrk, or this process)
 * spent meanwhile. It starts once the server and this process are idle:
 * requests that wrk abandoned at the end of a leg are still being
 * answered, and their work belongs to no leg.
 */
async function withCpu(
  target: Target,
  run: () => Promise<Omit<Leg, "cpuSeconds"> & { clientCpuSeconds?: number }>,
) {
  const both = () => cpuSeconds([target.pid, Deno.pid]);
  for (let last = await both(), tries = 0; tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await both();
    // Idle: under a fifth of one core over the last 100 ms (or no /proc).
    if (!(now - last >= 0.02)) break;
    last = now;
  }
  const before = await both();
  const { clientCpuSeconds = 0, ...leg } = await run();
  return { ...leg, cpuSeconds: await both() - before + clientCpuSeconds };
}

// The requests of each scenario, written out for wrk.
const wrkFiles = new Map<Scenario, WrkRequests>();
for (const [i, scenario] of scenarios.entries()) {
  wrkFiles.set(
    scenario,
    await wrkRequests(
      run.dir,
      `scenario_${i}`,
      targetOf(scenario).origin,
      scenario.key,
      scenario.requests,
    ),
  );
}

/** Runs warm-up legs until two in a row serve alike (or the most allowed). */
async function warmUp(
  leg: () => Promise<{ done: number; seconds: number }>,
): Promise<void> {
  for (let last = Number.NaN, legs = 0; legs < MAX_WARMUP_LEGS; legs++) {
    const { done, seconds } = await leg();
    const rate = done / seconds;
    if (Math.abs(rate - last) <= SETTLED * Math.max(rate, last)) return;
    last = rate;
  }
}

// Each side's first answers (the server's index load, the workers' start
// and first runs) stay out of the figures.
for (const scenario of scenarios) {
  const count = scenario.requests.length;
  await warmUp(() =>
    httpLeg(
      targetOf(scenario).origin,
      wrkFiles.get(scenario)!,
      4,
      WARMUP_SECONDS,
    )
  );
  const work = scenario.direct;
  if (work) await warmUp(() => directLeg(work, count, 4, WARMUP_SECONDS));
}

// Each cell runs HTTP, direct, direct, HTTP (half the time each), per
// round, so that a drift of the machine's load hits both sides alike.
const rows = [];
for (const scenario of scenarios) {
  for (const concurrency of scenario.concurrencies) {
    const target = targetOf(scenario);
    const runHttp = () =>
      withCpu(target, () =>
        httpLeg(
          target.origin,
          wrkFiles.get(scenario)!,
          concurrency,
          SECONDS / 2,
        ));
    const work = scenario.direct;
    const runDirect = work &&
      (() =>
        withCpu(
          target,
          () =>
            directLeg(work, scenario.requests.length, concurrency, SECONDS / 2),
        ));
    const httpLegs: Leg[] = [], directLegs: Leg[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      httpLegs.push(await runHttp());
      if (runDirect) directLegs.push(await runDirect(), await runDirect());
      httpLegs.push(await runHttp());
    }
    const http = figures(httpLegs);
    const direct = runDirect ? figures(directLegs) : undefined;
    const row = {
      scenario: scenario.name,
      concurrency,
      http,
      direct,
      ratio: direct &&
        Math.round(http.reqPerSec / direct.reqPerSec * 100) / 100,
      // The same comparison by CPU per request: direct's over HTTP's.
      cpuRatio: direct && Math.round(
            direct.cpuMsPerRequest / http.cpuMsPerRequest * 100,
          ) / 100,
      // Each leg's rate, in order: how much the machine's load moved.
      legsReqPerSec: {
        http: httpLegs.map((leg) => Math.round(leg.done / leg.seconds)),
        direct: directLegs.map((leg) => Math.round(leg.done / leg.seconds)),
      },
    };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
kv.close();

const stderr = server.stderr();
const bugs = stderr.split("\n").filter((line) => line.includes('"bug"'));
const results = {
  date: new Date().toISOString(),
  command: `deno task load ${Deno.args.join(" ")}`.trim(),
  machine: describeMachine(),
  secondsPerRun: SECONDS,
  server: {
    workers: WORKERS,
    scanThreads: SCAN_THREADS,
    backend: pool.backend,
  },
  gallery: {
    faces: built.faces,
    subjects: built.subjects,
    realPeople: built.people.length,
    embeddingProbes: probeEmbeddings.length,
    embeddingProbeHits: probeHits,
  },
  targets: { ratio: 0.85, embeddingIdentifyReqPerSec: 1000 },
  rows,
  serverBugsLogged: bugs.length,
};
// A run of some scenarios only does not replace the full results.
if (values.only === undefined) {
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
}

const table = [
  "| scenario | c | HTTP req/s | p50 ms | p95 ms | p99 ms | errors | non-2xx | direct req/s | HTTP/direct | CPU ms/req HTTP | CPU ms/req direct | direct/HTTP CPU |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(({ scenario, concurrency, http, direct, ratio, cpuRatio }) =>
    `| ${scenario} | ${concurrency} | ${http.reqPerSec} | ${http.p50Ms} | ${http.p95Ms} | ${http.p99Ms} | ${http.errors} | ${http.non2xx} | ${
      direct?.reqPerSec ?? "—"
    } | ${ratio?.toFixed(2) ?? "—"} | ${http.cpuMsPerRequest} | ${
      direct?.cpuMsPerRequest ?? "—"
    } | ${cpuRatio?.toFixed(2) ?? "—"} |`
  ),
];
console.log(table.join("\n"));
console.log(
  `${built.faces} faces (${built.people.length} real) in ${built.subjects} subjects; ${probeHits} of ${probeEmbeddings.length} embedding probes are hits; ${SECONDS} s per cell and round; server WORKERS=${WORKERS}, SCAN_THREADS=${SCAN_THREADS}; bugs logged by the server: ${bugs.length}; ${
    values.only === undefined
      ? "written to bench/results/load.json"
      : "not written (--only)"
  }`,
);

/**
 * Starts `_floor_server.ts` on the KV store at `kvPath`, which is stopped
 * when disposed of.
 */
async function startFloor(kvPath: string): Promise<Target & AsyncDisposable> {
  const process = new Deno.Command("deno", {
    args: [
      "run",
      "--unstable-kv",
      "--allow-read",
      `--allow-write=${dirname(kvPath)}`,
      "--allow-net=127.0.0.1",
      new URL("./_floor_server.ts", import.meta.url).pathname,
      kvPath,
      String(SCAN_THREADS),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the floor server stopped before it listened");
    text += value;
  }
  return {
    origin: `http://127.0.0.1:${Number(text.trim())}`,
    pid: process.pid,
    async [Symbol.asyncDispose]() {
      process.kill();
      await reader.cancel();
      await process.status;
    },
  };
}
