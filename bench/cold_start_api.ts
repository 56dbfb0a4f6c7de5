/**
 * Cold start of the API: from the spawn of the real server
 * (`apps/deploy/main.ts` with the permissions of `deno task start`,
 * WORKERS=2, on 127.0.0.1) to its first answer of `/v1/verify` (two LFW
 * photos, multipart, on an empty KV file), and to its first answer of
 * `/v1/identify` (one LFW photo) on the tenant of 100,000 faces that
 * `deno task load` uses. The verify runs are repeated with WORKERS=0 (one
 * engine on the main thread, as on Deno Deploy). Medians of several runs, each a fresh process;
 * the runs alternate between the two, so that drift in machine load hits
 * them alike.
 *
 * What dominates is measured in the same run by a child that does what
 * `main.ts` does, step by step, with a clock between the steps: Deno's own
 * start, the import of the modules, opening KV, starting the main
 * thread's engine, the first analysis of the two photos on it, starting
 * the pool once that is done (each worker loads its modules and models),
 * opening the tenant and its first identification (the index
 * load), and a second identification for comparison.
 *
 * ```sh
 * deno task bench:cold-start-api [--runs 5]
 * ```
 *
 * Writes `bench/results/api_cold_start.json`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createKey, startServer } from "@facever/deploy/test_server";
import { lfwRoot } from "@facever/testing";
import type { Steps } from "./_cold_start_api_child.ts";
import {
  copyGallery,
  lfwPeople,
  LOAD_TENANT,
  loadGallery,
} from "./_load_gallery.ts";
import { describeMachine } from "./_machine.ts";
import { runFolder } from "./_run_folder.ts";
import { median } from "./_statistics.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "5" } },
});
const WORKERS = 2;
const RESULTS = new URL("./results/api_cold_start.json", import.meta.url);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(
  new URL("./_cold_start_api_child.ts", import.meta.url),
);

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}
const runs = Number(values.runs);
const built = await loadGallery(root, { faces: 100_000, people: 50 });
// A person of the tenant: the second photo's identification is a hit.
const person = (await lfwPeople(root, 50)).find(({ name }) =>
  name === built.people[0]
)!;
const photos = [person.enrolled, person.probe];
const [a, b] = await Promise.all(photos.map((path) => Deno.readFile(path)));
const form = () => {
  const body = new FormData();
  body.append("a", new Blob([a], { type: "image/jpeg" }), "a.jpg");
  body.append("b", new Blob([b], { type: "image/jpeg" }), "b.jpg");
  return body;
};

await using run = await runFolder("cold_start");
const bigKv = await copyGallery(built.path, run.dir);
const bigKey = await createKey(bigKv, LOAD_TENANT);

/**
 * Spawn → listening → first answer of `request`, in ms from the spawn;
 * `check` is given the answer's body.
 */
async function coldRun(
  kvPath: string,
  workers: number,
  request: (origin: string) => Promise<Response>,
  check: (body: string) => boolean,
): Promise<{ listening: number; answer: number }> {
  const spawned = performance.now();
  await using server = await startServer({ kvPath, workers });
  const listening = performance.now() - spawned;
  const response = await request(server.origin);
  const body = await response.text();
  const answer = performance.now() - spawned;
  if (response.status !== 200 || !check(body)) {
    throw new Error(
      `first answer ${response.status} ${body}: ${server.stderr()}`,
    );
  }
  return { listening, answer };
}

const verifies: { listening: number; answer: number }[] = [];
const mainThreadVerifies: { listening: number; answer: number }[] = [];
const identifies: { listening: number; answer: number }[] = [];
const steps: Steps[] = [];
for (let i = 0; i < runs; i++) {
  // A fresh, empty KV for each verify run, its key made beforehand.
  const smallKv = join(run.dir, `verify_${i}`, "facever.kv");
  await Deno.mkdir(join(run.dir, `verify_${i}`));
  const key = await createKey(smallKv, "cold");
  const verify = (workers: number) =>
    coldRun(
      smallKv,
      workers,
      (origin) =>
        fetch(`${origin}/v1/verify`, {
          method: "POST",
          headers: { "x-api-key": key },
          body: form(),
        }),
      (body) => typeof JSON.parse(body).similarity === "number",
    );
  verifies.push(await verify(WORKERS));
  // As on Deno Deploy: one engine on the main thread, no worker to start.
  mainThreadVerifies.push(await verify(0));
  identifies.push(
    await coldRun(
      bigKv,
      WORKERS,
      (origin) =>
        fetch(`${origin}/v1/identify`, {
          method: "POST",
          headers: { "x-api-key": bigKey, "content-type": "image/jpeg" },
          body: b,
        }),
      (body) => JSON.parse(body).results[0]?.subjectId === `lfw:${person.name}`,
    ),
  );
  const { code, stdout, stderr } = await new Deno.Command("deno", {
    args: [
      "run",
      "--unstable-kv",
      "--allow-read",
      `--allow-write=${run.dir}`,
      "--allow-env",
      CHILD,
      JSON.stringify({ kvPath: bigKv, tenant: LOAD_TENANT, photos }),
    ],
    cwd: ROOT,
    stdin: "null",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  steps.push(JSON.parse(new TextDecoder().decode(stdout)));
}
const middle = <T>(items: readonly T[], key: keyof T) =>
  Math.round(median(items.map((item) => item[key] as number)));
const results = {
  date: new Date().toISOString(),
  command: `deno task bench:cold-start-api --runs ${runs}`,
  machine: describeMachine(),
  workers: WORKERS,
  runs,
  galleryFaces: built.faces,
  verify: {
    listeningMs: middle(verifies, "listening"),
    firstAnswerMs: middle(verifies, "answer"),
    targetMs: 400,
    runsMs: verifies.map(({ answer }) => Math.round(answer)),
  },
  verifyWorkers0: {
    listeningMs: middle(mainThreadVerifies, "listening"),
    firstAnswerMs: middle(mainThreadVerifies, "answer"),
    runsMs: mainThreadVerifies.map(({ answer }) => Math.round(answer)),
  },
  identify: {
    listeningMs: middle(identifies, "listening"),
    firstAnswerMs: middle(identifies, "answer"),
    targetMs: 1500,
    runsMs: identifies.map(({ answer }) => Math.round(answer)),
  },
  stepsMs: Object.fromEntries(
    (Object.keys(steps[0]) as (keyof Steps)[]).map((
      key,
    ) => [key, middle(steps, key)]),
  ),
};
await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
console.log(
  `verify (empty KV): listening ${results.verify.listeningMs} ms, first answer ${results.verify.firstAnswerMs} ms after the spawn (target ≤ 400); runs ${
    results.verify.runsMs.join(", ")
  }`,
);
console.log(
  `verify, WORKERS=0 (one engine on the main thread): listening ${results.verifyWorkers0.listeningMs} ms, first answer ${results.verifyWorkers0.firstAnswerMs} ms; runs ${
    results.verifyWorkers0.runsMs.join(", ")
  }`,
);
console.log(
  `identify (${built.faces} faces): listening ${results.identify.listeningMs} ms, first answer ${results.identify.firstAnswerMs} ms (target ≤ 1500); runs ${
    results.identify.runsMs.join(", ")
  }`,
);
console.log(
  `steps (medians of ${runs}, ms): ${
    Object.entries(results.stepsMs).map(([key, ms]) => `${key} ${ms}`).join(
      ", ",
    )
  }`,
);
console.log("written to bench/results/api_cold_start.json");
