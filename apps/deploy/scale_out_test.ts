// Two servers on one KV file, as users scale out on one box: a face
// enrolled through one is identified through the other within the
// gallery's stated freshness bound (maxStalenessMs), which is measured
// here. The check holds on a loaded machine: it asserts only that every
// identification that starts later than the bound after the enrolment's
// answer finds the face, which is what the gallery promises.

import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_MAX_STALENESS_MS } from "@facever/gallery";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import {
  base64,
  callApi,
  createKey,
  type RunningServer,
  startServer,
} from "./_test_server.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the scale-out test: ${LFW_MISSING}`);

/** One person per round, each enrolled once. */
const PEOPLE = [
  "Aaron_Peirsol",
  "Serena_Williams",
  "George_W_Bush",
  "Al_Gore",
  "Tony_Blair",
  "Colin_Powell",
];
const POLL_MS = 20;
/** How long past the bound a face may stay unseen before the test gives up. */
const GIVE_UP_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Probe {
  /** When the request left, in ms after the enrolment's 201 arrived. */
  readonly startedMs: number;
  readonly answeredMs: number;
  readonly found: boolean;
}

Deno.test({
  name:
    "two servers on one KV file: a face enrolled through one is identified through the other within maxStalenessMs",
  ignore: !root,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "facever_scale_" });
    const kvPath = join(dir, "facever.kv");
    try {
      const key = await createKey(kvPath, "scale");
      await using a = await startServer({ kvPath, workers: 1 });
      await using b = await startServer({ kvPath, workers: 1 });
      const servers = [a, b];
      const call = (
        server: RunningServer,
        method: string,
        path: string,
        json?: unknown,
      ) => callApi(server.origin, key, method, path, json);

      // Each server opens the tenant and loads its index before any face
      // is enrolled, so that what is measured is the catching up.
      const embeddings = new Map<string, number[]>();
      const images = new Map<string, string>();
      for (const person of PEOPLE) {
        const image = base64(
          await Deno.readFile(lfwImagePath(root!, person, 1)),
        );
        images.set(person, image);
        const { status, body } = await call(
          a,
          "POST",
          "/v1/embed?faces=largest",
          { image },
        );
        assert.equal(status, 200, a.stderr());
        embeddings.set(
          person,
          (body as { faces: { embedding: number[] }[] }).faces[0].embedding,
        );
      }
      for (const server of servers) {
        const { status, body } = await call(server, "POST", "/v1/identify", {
          embedding: embeddings.get(PEOPLE[0]),
        });
        assert.equal(status, 200, server.stderr());
        assert.equal(
          (body as { results: { subjectId: null }[] }).results[0].subjectId,
          null,
        );
      }

      const delays: number[] = [];
      for (const [round, person] of PEOPLE.entries()) {
        const writer = servers[round % 2], reader = servers[1 - round % 2];
        const subject = person;
        await t.step(
          `round ${round + 1}: enrolled through ${
            round % 2 ? "B" : "A"
          }, identified through ${round % 2 ? "A" : "B"}`,
          async () => {
            assert.equal(
              (await call(writer, "POST", "/v1/subjects", { id: subject }))
                .status,
              201,
            );
            // The reader is kept busy from before the enrolment, as a
            // server under traffic is, so that its index checks the store
            // once per period; rounds enrol at different phases of it.
            const probes: Probe[] = [];
            // When the enrolment's 201 arrived, once it has.
            const commit: { at?: number } = {};
            const polling = (async () => {
              for (;;) {
                const started = performance.now();
                const { status, body } = await call(
                  reader,
                  "POST",
                  "/v1/identify",
                  { embedding: embeddings.get(person) },
                );
                assert.equal(status, 200);
                const found =
                  (body as { results: { subjectId: string | null }[] })
                    .results[0].subjectId === subject;
                if (commit.at !== undefined) {
                  probes.push({
                    startedMs: started - commit.at,
                    answeredMs: performance.now() - commit.at,
                    found,
                  });
                }
                if (found) return;
                assert.ok(
                  commit.at === undefined ||
                    started - commit.at < DEFAULT_MAX_STALENESS_MS + GIVE_UP_MS,
                  "the face was never seen",
                );
                await delay(POLL_MS);
              }
            })();
            await delay(
              200 + round * DEFAULT_MAX_STALENESS_MS / PEOPLE.length,
            );
            const enrolled = await call(
              writer,
              "POST",
              `/v1/subjects/${subject}/faces?face=largest`,
              { image: images.get(person) },
            );
            assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
            commit.at = performance.now();
            await polling;
            // The bound: a request that starts more than maxStalenessMs
            // after the commit (which came before its 201) finds the face.
            const late = probes.filter((probe) =>
              probe.startedMs > DEFAULT_MAX_STALENESS_MS && !probe.found
            );
            assert.deepEqual(late, [], "a late request missed the face");
            delays.push(probes.at(-1)!.answeredMs);
          },
        );
      }
      const sorted = delays.toSorted((x, y) => x - y);
      console.log(
        `scale-out: face seen through the other server ${
          sorted.map((ms) => ms.toFixed(0)).join(", ")
        } ms after the enrolment's 201 (bound ${DEFAULT_MAX_STALENESS_MS} ms + one read; polled every ${POLL_MS} ms)`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
