/**
 * Hostile requests against the real server: `malformedRequests` of
 * `@facever/testing` (random and damaged bodies, absurd image headers,
 * broken multipart and JSON, odd queries, ids and headers, on every route)
 * sent to `apps/deploy/main.ts`, started with the permissions of
 * `deno task start` on 127.0.0.1 and a fresh KV file. Prints the answers
 * by status and by kind of damage, every answer of 500 or more, and
 * whether the server still answers `/v1/health` afterwards.
 *
 * ```sh
 * deno task fuzz [--count 10000] [--seed 20261204] [--concurrency 4]
 * ```
 *
 * Exit status: 0 when no answer was 500 or more and the server lives; 1
 * otherwise (with the requests that failed, replayable from the seed).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { callApi, createKey, startServer } from "@facever/deploy/test_server";
import {
  type FuzzRequest,
  lfwImagePath,
  lfwRoot,
  malformedRequests,
} from "@facever/testing";
import { runFolder } from "./_run_folder.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: "20261204" },
    concurrency: { type: "string", default: "4" },
  },
});
const COUNT = Number(values.count);
const SEED = Number(values.seed);
const CONCURRENCY = Number(values.concurrency);
/** "No answer": the request failed before a status came back. */
const NO_ANSWER = 0;

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}

await using run = await runFolder("fuzz");
const kvPath = `${run.dir}/facever.kv`;
const key = await createKey(kvPath, "fuzz");
await using server = await startServer({ kvPath, workers: 2 });
// The routes of one subject get a subject that exists, as in the fuzz test
// of @facever/edge, so that they reach the image code.
const made = await callApi(server.origin, key, "POST", "/v1/subjects", {
  id: "fuzz",
});
if (made.status !== 201) throw new Error(`subject: ${made.status}`);

const seeds = {
  key,
  photo: await Deno.readFile(lfwImagePath(root, "Aaron_Peirsol", 1)),
};
const byStatus = new Map<number, number>();
const byKind = new Map<string, Map<number, number>>();
const failures: string[] = [];
const requests = malformedRequests(SEED, COUNT, seeds);
const started = performance.now();
let sent = 0, done = 0;

function describe(request: FuzzRequest, index: number, outcome: string) {
  return `#${index} ${request.kind}: ${request.method} ${
    request.path.slice(0, 100)
  } → ${outcome}`;
}

async function send(request: FuzzRequest, index: number): Promise<void> {
  let status = NO_ANSWER;
  try {
    const response = await fetch(`${server.origin}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    status = response.status;
    const text = await response.text();
    if (status >= 500) {
      failures.push(
        describe(request, index, `${status} ${text.slice(0, 300)}`),
      );
    }
  } catch (error) {
    failures.push(describe(request, index, `no answer: ${error}`));
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  const kind = byKind.get(request.kind) ?? new Map<number, number>();
  kind.set(status, (kind.get(status) ?? 0) + 1);
  byKind.set(request.kind, kind);
}

await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const next = requests.next();
      if (next.done) return;
      const index = sent++;
      await send(next.value, index);
      if (++done % 2000 === 0) {
        console.error(
          `fuzz: ${done}/${COUNT} answered, ${
            ((performance.now() - started) / 1000).toFixed(0)
          } s`,
        );
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;

let alive = false;
try {
  const health = await fetch(`${server.origin}/v1/health`);
  alive = health.status === 200;
  await health.body?.cancel();
} catch {
  alive = false;
}

const counts = (map: Map<number, number>) =>
  [...map].sort(([a], [b]) => a - b).map(([status, n]) =>
    `${status === NO_ANSWER ? "no answer" : status}×${n}`
  ).join(" ");
const serverErrors = [...byStatus].filter(([status]) => status >= 500)
  .reduce((n, [, count]) => n + count, 0);
const unanswered = byStatus.get(NO_ANSWER) ?? 0;
const bugs = server.stderr().split("\n").filter((line) =>
  line.includes('"bug"')
);
console.log(
  `${COUNT} requests (seed ${SEED}, ${CONCURRENCY} in flight) in ${
    seconds.toFixed(1)
  } s`,
);
console.log(`by status: ${counts(byStatus)}`);
for (const [kind, statuses] of [...byKind].sort()) {
  console.log(`  ${kind}: ${counts(statuses)}`);
}
console.log(`answers ≥ 500: ${serverErrors}`);
console.log(`no answer: ${unanswered}`);
console.log(`bugs logged by the server: ${bugs.length}`);
console.log(`/v1/health afterwards: ${alive ? "200, alive" : "NOT answering"}`);
for (const failure of failures.slice(0, 20)) console.log(failure);
for (const bug of bugs.slice(0, 5)) console.log(bug.slice(0, 1000));
// Set, not Deno.exit: the server is stopped on the way out.
if (serverErrors > 0 || unanswered > 0 || !alive) Deno.exitCode = 1;
