// A crash in the middle of enrolments: the real server (deno run of
// main.ts) takes concurrent enrolments of LFW photos for many subjects and
// is killed with SIGKILL while requests are in flight; restarted on the
// same KV file, it must hold every face it answered 201 for, nothing
// half-made, and answer a client that retries the unanswered requests
// with the same source as the API promises (the face already made, or a
// new one).

import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { MODEL_ID } from "@facever/edge";
import { Gallery } from "@facever/gallery";
import {
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  unitVectors,
} from "@facever/testing";
import {
  base64,
  callApi,
  createKey,
  type RunningServer,
  startServer,
} from "./_test_server.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the crash test: ${LFW_MISSING}`);

const SUBJECTS = 40;
const IN_FLIGHT = 8;
/** Answers received before the kill: about a third of the enrolments. */
const KILL_AFTER = 40;

interface Job {
  readonly subject: string;
  /** A photo to enrol, or an embedding (the request is then mostly its commit). */
  readonly file?: string;
  readonly embedding?: readonly number[];
  /** Unique per job: tells each stored face's request. */
  readonly source: string;
  outcome?:
    | { readonly status: number; readonly faceId?: string }
    | "unanswered"
    | "not sent";
}

interface FaceJson {
  readonly faceId: string;
  readonly source: string | null;
}

/**
 * Two photos of each of the first `count` people with two or more, and an
 * embedding each: a request of a photo is mostly its analysis, one of an
 * embedding mostly its commit, so that the kill finds some requests whose
 * face is stored but not yet answered.
 */
async function jobs(lfw: string, count: number): Promise<Job[]> {
  const dir = join(lfw, "images_deepfunneled");
  const names = (await Array.fromAsync(Deno.readDir(dir)))
    .filter((entry) => entry.isDirectory).map((entry) => entry.name).sort();
  const people: string[] = [];
  for (const name of names) {
    if (people.length === count) break;
    const second = await Deno.stat(lfwImagePath(lfw, name, 2)).catch(() =>
      undefined
    );
    if (second) people.push(name);
  }
  const random = unitVectors(11, 512);
  // First photos and embeddings of everyone, then second photos: both
  // kinds of write (a subject's first face, a further face) are in flight
  // at the kill.
  const photo = (name: string, index: number): Job => {
    const file = lfwImagePath(lfw, name, index);
    return { subject: name, file, source: `crash/${basename(file)}` };
  };
  return [
    ...people.flatMap((name) => [photo(name, 1), {
      subject: name,
      embedding: Array.from(random()),
      source: `crash/${name}.embedding`,
    }]),
    ...people.map((name) => photo(name, 2)),
  ];
}

/** The JSON body of a job's enrolment. */
async function enrolment(job: Job) {
  return job.file
    ? { image: base64(await Deno.readFile(job.file)), source: job.source }
    : { embedding: job.embedding, source: job.source };
}

async function enrol(
  server: RunningServer,
  key: string,
  job: Job,
): Promise<Job["outcome"]> {
  try {
    const { status, body } = await callApi(
      server.origin,
      key,
      "POST",
      `/v1/subjects/${encodeURIComponent(job.subject)}/faces`,
      await enrolment(job),
    );
    return { status, faceId: (body as { faceId?: string }).faceId };
  } catch {
    // The connection died with the server.
    return "unanswered";
  }
}

/** The embedding of a photo job's largest face, as the server makes it. */
async function embed(
  server: RunningServer,
  key: string,
  job: Job,
): Promise<readonly number[]> {
  const { status, body } = await callApi(
    server.origin,
    key,
    "POST",
    "/v1/embed?faces=largest",
    { image: base64(await Deno.readFile(job.file!)) },
  );
  assert.equal(status, 200);
  return (body as { faces: { embedding: number[] }[] }).faces[0].embedding;
}

/** Every subject of the tenant with its listed faces. */
async function stored(server: RunningServer, key: string) {
  const subjects: { id: string; faceCount: number; faces: FaceJson[] }[] = [];
  let cursor: string | null = null;
  do {
    const page = await callApi(
      server.origin,
      key,
      "GET",
      `/v1/subjects?limit=1000${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
      }`,
    );
    assert.equal(page.status, 200);
    const body = page.body as {
      subjects: { id: string; faceCount: number }[];
      cursor: string | null;
    };
    for (const { id, faceCount } of body.subjects) {
      const faces = await callApi(
        server.origin,
        key,
        "GET",
        `/v1/subjects/${encodeURIComponent(id)}/faces`,
      );
      assert.equal(faces.status, 200);
      subjects.push({
        id,
        faceCount,
        faces: (faces.body as { faces: FaceJson[] }).faces,
      });
    }
    cursor = body.cursor;
  } while (cursor);
  return subjects;
}

Deno.test({
  name:
    "SIGKILL during concurrent enrolments: every 201 face survives, nothing half-made, retries are idempotent",
  ignore: !root,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "facever_crash_" });
    const kvPath = join(dir, "facever.kv");
    try {
      const key = await createKey(kvPath, "crash");
      const work = await jobs(root!, SUBJECTS);
      const subjects = [...new Set(work.map((job) => job.subject))];
      // Embeddings of the enrolments that got a 201, to identify with.
      const probes: { subject: string; embedding: readonly number[] }[] = [];

      await t.step("enrol concurrently, kill the server mid-way", async () => {
        const server = await startServer({ kvPath, workers: 2 });
        for (const id of subjects) {
          const { status } = await callApi(
            server.origin,
            key,
            "POST",
            "/v1/subjects",
            { id },
          );
          assert.equal(status, 201, server.stderr());
        }
        let next = 0, answered = 0, killed = false;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < work.length) {
              const job = work[next++];
              if (killed) {
                job.outcome = "not sent";
                continue;
              }
              job.outcome = await enrol(server, key, job);
              if (job.outcome !== "unanswered" && ++answered === KILL_AFTER) {
                server.process.kill("SIGKILL");
                killed = true;
              }
            }
          }),
        );
        const status = await server.process.status;
        assert.equal(status.signal, "SIGKILL", "the server died of the kill");
        await server.stop();
        const count = (want: (job: Job) => boolean) => work.filter(want).length;
        const created = count((job) =>
          typeof job.outcome === "object" && job.outcome.status === 201
        );
        console.log(
          `crash: ${created} answered 201, ${
            count((job) => job.outcome === "unanswered")
          } in flight at the kill, ${
            count((job) => job.outcome === "not sent")
          } not sent, of ${work.length}`,
        );
        assert.ok(created > 0, "some enrolments succeeded before the kill");
        // No 5xx before the kill: every refusal is a gate's.
        for (const job of work) {
          if (typeof job.outcome === "object") {
            assert.ok(
              job.outcome.status === 201 || job.outcome.status === 422,
              `${job.source}: ${job.outcome.status}`,
            );
          }
        }
      });

      await t.step("restart: 201s are there, nothing half-made", async () => {
        await using server = await startServer({ kvPath, workers: 2 });
        const bySource = new Map(work.map((job) => [job.source, job]));
        const found = await stored(server, key);
        assert.deepEqual(found.map(({ id }) => id).sort(), subjects.sort());
        const listed = new Map<string, string>();
        for (const { id, faceCount, faces } of found) {
          assert.equal(faceCount, faces.length, `faceCount of ${id}`);
          for (const face of faces) {
            const job = bySource.get(face.source ?? "");
            assert.ok(job, `face ${face.faceId} of ${id} has a known source`);
            assert.equal(job.subject, id);
            // A stored face comes from a 201 (the same face) or from a
            // request cut off by the kill; never from a refused one.
            if (job.outcome === "unanswered") continue;
            assert.ok(typeof job.outcome === "object");
            assert.equal(job.outcome.faceId, face.faceId, job.source);
            listed.set(job.source, face.faceId);
          }
        }
        console.log(
          `crash: after the restart ${listed.size} faces of 201s and ${
            found.reduce((n, { faces }) => n + faces.length, 0) - listed.size
          } of requests cut off by the kill are stored`,
        );
        for (const job of work) {
          if (typeof job.outcome === "object" && job.outcome.status === 201) {
            assert.equal(listed.get(job.source), job.outcome.faceId);
            const embedding = job.embedding ?? await embed(server, key, job);
            const { status, body } = await callApi(
              server.origin,
              key,
              "POST",
              "/v1/identify",
              { embedding },
            );
            assert.equal(status, 200);
            const [result] = (body as { results: { subjectId: string }[] })
              .results;
            assert.equal(result.subjectId, job.subject, job.source);
            probes.push({ subject: job.subject, embedding });
          }
        }
      });

      await t.step("retries of unanswered requests", async () => {
        await using server = await startServer({ kvPath, workers: 2 });
        const before = await stored(server, key);
        const committed = new Map(
          before.flatMap(({ faces }) =>
            faces.map((face) => [face.source, face.faceId])
          ),
        );
        for (const job of work.filter((job) => job.outcome === "unanswered")) {
          const retry = await enrol(server, key, job);
          assert.ok(typeof retry === "object");
          const made = committed.get(job.source);
          if (made) {
            // Committed before the kill: the retry gets that face back.
            assert.equal(retry.status, 201, job.source);
            assert.equal(retry.faceId, made, job.source);
          } else {
            assert.ok(
              retry.status === 201 || retry.status === 422,
              `${job.source}: ${retry.status}`,
            );
          }
        }
        for (const { id, faceCount, faces } of await stored(server, key)) {
          assert.equal(faceCount, faces.length, `faceCount of ${id}`);
          assert.equal(
            new Set(faces.map((face) => face.source)).size,
            faces.length,
            `one face per source for ${id}`,
          );
        }
      });

      await t.step("the gallery opens cleanly in another process", async () => {
        const kv = await Deno.openKv(kvPath);
        try {
          const gallery = await Gallery.open(kv, {
            tenant: "crash",
            modelId: MODEL_ID,
            dims: 512,
          });
          const { subjects: page } = await gallery.listSubjects({
            limit: 1000,
          });
          assert.equal(page.length, subjects.length);
          for (const subject of page) {
            const faces = await gallery.listFaces(subject.id);
            assert.equal(subject.faceCount, faces.length, subject.id);
          }
          // Its index, loaded afresh, finds the enrolled faces.
          for (const { subject, embedding } of probes) {
            const [best] = await gallery.identify(embedding, {
              threshold: 0.9,
            });
            assert.equal(best?.subjectId, subject);
          }
        } finally {
          kv.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
