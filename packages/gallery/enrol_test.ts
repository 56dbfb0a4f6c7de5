import assert from "node:assert/strict";
import { join } from "node:path";
import { FaceError, ImageDecodeError, ImageTooLargeError } from "@facever/core";
import { FaceEngine } from "@facever/model";
import { lfwRoot } from "@facever/testing";
import {
  type CandidateFace,
  enrolFolder,
  type EnrolOptions,
  type EnrolOutcome,
  type EnrolProgress,
  Gallery,
  MAX_FACES_PER_SUBJECT,
  progressBar,
  type ProgressOutput,
} from "./mod.ts";
import { unitVectors } from "@facever/testing";

const DIMS = 8;

/**
 * A pretend pipeline: each "image" is JSON saying what to find, so every
 * outcome can be produced on purpose.
 */
type Script =
  | { faces: { side: number; score: number }[] }
  | { error: "corrupt_image" | "too_large" | "model_load_failed" };

const random = unitVectors(21, DIMS);
async function scripted(image: Uint8Array): Promise<CandidateFace[]> {
  const script: Script = JSON.parse(new TextDecoder().decode(image));
  if ("error" in script) {
    if (script.error === "corrupt_image") {
      throw new ImageDecodeError("corrupt_image", "bad huffman table");
    }
    if (script.error === "too_large") {
      throw new ImageTooLargeError(20_000, 20_000, 50_000_000);
    }
    throw new FaceError("model_load_failed", "no model");
  }
  return await Promise.resolve(script.faces.map(({ side, score }) => ({
    box: { x: 0, y: 0, width: side, height: side },
    score,
    embedding: random(),
  })));
}

const face = (side: number, score = 0.99) => ({ side, score });

async function writeFolder(
  files: Record<string, Script | string>,
): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "gallery_enrol_" });
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(join(folder, path, ".."), { recursive: true });
    await Deno.writeTextFile(
      join(folder, path),
      typeof content === "string" ? content : JSON.stringify(content),
    );
  }
  return folder;
}

function byFile(outcomes: readonly EnrolOutcome[]): Record<string, string> {
  return Object.fromEntries(
    outcomes.map((o) => [o.file, o.status === "rejected" ? o.code : o.status]),
  );
}

Deno.test("enrolFolder gives an outcome per image and resumes without duplicates", async (t) => {
  const folder = await writeFolder({
    "ada/one.json": { faces: [face(100)] },
    "ada/with-bystander.json": { faces: [face(100), face(30)] },
    "ada/none.json": { faces: [] },
    "ada/two.json": { faces: [face(100), face(90)] },
    "ada/small.json": { faces: [face(30)] },
    "ada/unsure.json": { faces: [face(100, 0.5)] },
    "ada/corrupt.json": { error: "corrupt_image" },
    "ada/huge-image.json": { error: "too_large" },
    "ada/huge-file.json": JSON.stringify({
      faces: [face(100)],
      pad: "x".repeat(500),
    }),
    "bob/1.json": { faces: [face(120)] },
    "bob/.hidden.json": { faces: [face(120)] },
    ".cache/ignored.json": { faces: [face(120)] },
  });
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, {
    tenant: "t",
    modelId: "m",
    dims: DIMS,
  });
  const progress: EnrolProgress[] = [];
  const options = {
    maxBytes: 200,
    onProgress: (p: EnrolProgress) => progress.push(p),
  };

  await t.step("first run", async () => {
    const summary = await enrolFolder(gallery, folder, scripted, options);
    assert.deepEqual(byFile(summary.outcomes), {
      "ada/corrupt.json": "decode_error",
      "ada/huge-file.json": "too_large",
      "ada/huge-image.json": "too_large",
      "ada/none.json": "no_face",
      "ada/one.json": "enrolled",
      "ada/small.json": "face_too_small",
      "ada/two.json": "multiple_faces",
      "ada/unsure.json": "low_score",
      "ada/with-bystander.json": "enrolled",
      "bob/1.json": "enrolled",
    });
    assert.deepEqual(
      [
        summary.total,
        summary.done,
        summary.enrolled,
        summary.skipped,
        summary.rejected,
      ],
      [10, 10, 3, 0, 7],
    );
    assert.equal(summary.rejections.too_large, 2);
    assert.equal(progress.length, 10);
    assert.deepEqual(progress.map((p) => p.done), [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
    ]);
    assert.equal(progress[9].etaMs, 0);
    assert.equal((await gallery.getSubject("ada"))?.faceCount, 2);
    const [enrolled] = await gallery.listFaces("bob");
    assert.match(enrolled.source ?? "", /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(enrolled.metadata, { file: "1.json" });
  });

  await t.step(
    "a rerun skips what is enrolled and retries the rest",
    async () => {
      const summary = await enrolFolder(gallery, folder, scripted, {
        maxBytes: 200,
      });
      assert.deepEqual([summary.enrolled, summary.skipped, summary.rejected], [
        0,
        3,
        7,
      ]);
      assert.equal((await gallery.getSubject("ada"))?.faceCount, 2);
      assert.equal((await gallery.getSubject("bob"))?.faceCount, 1);
    },
  );

  await t.step("other pipeline errors stop the run", async () => {
    await Deno.writeTextFile(
      join(folder, "bob", "2.json"),
      JSON.stringify({ error: "model_load_failed" }),
    );
    await assert.rejects(
      enrolFolder(gallery, folder, scripted, { maxBytes: 200 }),
      (error: unknown) =>
        error instanceof FaceError && error.code === "model_load_failed",
    );
  });

  kv.close();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("enrolFolder refuses bad options, and a folder name that is not a subject id before reading images", async (t) => {
  const folder = await writeFolder({
    [`${"x".repeat(129)}/1.json`]: { faces: [face(100)] },
  });
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, {
    tenant: "t",
    modelId: "m",
    dims: DIMS,
  });
  let read = 0;
  await assert.rejects(
    enrolFolder(gallery, folder, (image) => {
      read++;
      return scripted(image);
    }),
    (error: unknown) =>
      error instanceof FaceError && error.code === "invalid_argument",
  );
  assert.equal(read, 0);
  const bad: [EnrolOptions, ErrorConstructor][] = [
    [{ gates: { minScore: 2 } }, RangeError],
    [{ gates: { minFaceSize: NaN } }, RangeError],
    [{ gates: { minFaceSize: -1 } }, RangeError],
    [{ gates: { maxYaw: 200 } }, RangeError],
    [{ gates: { face: "all" as "only" } }, RangeError],
    [{ maxBytes: 0 }, RangeError],
    [{ maxBytes: 1.5 }, RangeError],
    [{ gates: { minScore: "0.9" as unknown as number } }, TypeError],
  ];
  for (const [options, kind] of bad) {
    await t.step(`${Deno.inspect(options)}: ${kind.name}`, async () => {
      await assert.rejects(
        enrolFolder(gallery, folder, scripted, options),
        (error: unknown) => {
          assert.ok(error instanceof kind, String(error));
          // Says what was wrong and what is allowed.
          assert.match(
            error.message,
            /^(gates\.[a-zA-Z]+|maxBytes) must be .+, got /,
          );
          return true;
        },
      );
    });
  }
  kv.close();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("enrolFolder rejects images past MAX_FACES_PER_SUBJECT", async () => {
  const files: Record<string, Script | string> = {};
  for (let i = 0; i <= MAX_FACES_PER_SUBJECT; i++) {
    files[`ada/${String(i).padStart(3, "0")}.json`] = {
      faces: [face(100 + i)],
    };
  }
  const folder = await writeFolder(files);
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, {
    tenant: "t",
    modelId: "m",
    dims: DIMS,
  });
  // Random embeddings of few dimensions may be near one another: the
  // duplicate gate is not what this test is about.
  const summary = await enrolFolder(gallery, folder, scripted, {
    gates: { maxDuplicateSimilarity: 1 },
  });
  assert.equal(summary.enrolled, MAX_FACES_PER_SUBJECT);
  assert.equal(summary.rejections.limit_exceeded, 1);
  kv.close();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("progressBar draws a bar with counts and ETA, then a summary", () => {
  const run = (terminal: boolean) => {
    let text = "";
    const output: ProgressOutput = {
      writeSync: (bytes) => {
        text += new TextDecoder().decode(bytes);
        return bytes.length;
      },
      isTerminal: () => terminal,
    };
    const report = progressBar(output);
    const rejections = {
      no_face: 0,
      multiple_faces: 1,
      face_too_small: 0,
      low_score: 0,
      blurry: 0,
      pose: 0,
      spoof: 0,
      duplicate: 0,
      decode_error: 0,
      too_large: 0,
      limit_exceeded: 0,
    };
    const outcome: EnrolOutcome = {
      file: "a/1.jpg",
      subjectId: "a",
      status: "enrolled",
      faceId: "f",
    };
    const base = { total: 4, skipped: 0, rejections, outcome };
    report({
      ...base,
      done: 1,
      enrolled: 1,
      rejected: 0,
      elapsedMs: 1000,
      etaMs: 3000,
    });
    report({
      ...base,
      done: 4,
      enrolled: 3,
      rejected: 1,
      elapsedMs: 65_000,
      etaMs: 0,
    });
    return text;
  };
  // The bar runs on the enrolment's clock: its ETA is the reported etaMs.
  assert.equal(
    run(false),
    "enrol [#####---------------]  25%  1/4  enrolled 1  skipped 0  rejected 0  1.0/s  ETA 3s\n" +
      "enrol [####################] 100%  4/4  enrolled 3  skipped 0  rejected 1  0.1/s  ETA 0s\n" +
      "enrol: 4/4 in 1m05s  enrolled 3  skipped 0  rejected 1 (multiple_faces 1)\n",
  );
  assert.equal(
    run(true),
    "\renrol [#####---------------]  25%  1/4  enrolled 1  skipped 0  rejected 0  1.0/s  ETA 3s\x1b[K" +
      "\renrol [####################] 100%  4/4  enrolled 3  skipped 0  rejected 1  0.1/s  ETA 0s\x1b[K" +
      "\renrol: 4/4 in 1m05s  enrolled 3  skipped 0  rejected 1 (multiple_faces 1)\x1b[K\n",
  );
});

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping enrolFolder on real photos: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}
Deno.test({
  name:
    "enrolFolder through the real pipeline: LFW photos, a text file, a truncated JPEG",
  ignore: root === undefined,
  async fn() {
    const images = join(root!, "images_deepfunneled");
    const folder = await Deno.makeTempDir({ prefix: "gallery_enrol_" });
    for (const name of ["Colin_Powell", "Tony_Blair"]) {
      await Deno.mkdir(join(folder, name));
      for (const n of ["0001", "0002"]) {
        await Deno.copyFile(
          join(images, name, `${name}_${n}.jpg`),
          join(folder, name, `${n}.jpg`),
        );
      }
    }
    const jpeg = await Deno.readFile(
      join(images, "Tony_Blair", "Tony_Blair_0003.jpg"),
    );
    await Deno.writeFile(
      join(folder, "Tony_Blair", "truncated.jpg"),
      jpeg.subarray(0, jpeg.length >> 1),
    );
    await Deno.writeTextFile(
      join(folder, "Tony_Blair", "notes.txt"),
      "not an image",
    );

    const engine = await FaceEngine.create();
    const findFaces = (image: Uint8Array) => engine.faces(image);
    const kv = await Deno.openKv(":memory:");
    const gallery = await Gallery.open(kv, {
      tenant: "lfw",
      modelId: "mobilefacenet",
      dims: 512,
    });
    const first = await enrolFolder(gallery, folder, findFaces);
    assert.deepEqual(byFile(first.outcomes), {
      "Colin_Powell/0001.jpg": "enrolled",
      "Colin_Powell/0002.jpg": "enrolled",
      "Tony_Blair/0001.jpg": "enrolled",
      "Tony_Blair/0002.jpg": "enrolled",
      "Tony_Blair/notes.txt": "decode_error",
      "Tony_Blair/truncated.jpg": "decode_error",
    });
    const again = await enrolFolder(gallery, folder, findFaces);
    assert.deepEqual([again.enrolled, again.skipped, again.rejected], [
      0,
      4,
      2,
    ]);
    const query = await engine.embedImage(
      await Deno.readFile(
        join(images, "Colin_Powell", "Colin_Powell_0003.jpg"),
      ),
    );
    assert.equal(
      (await gallery.identify(query.embedding, { threshold: 0.282 }))[0]
        ?.subjectId,
      "Colin_Powell",
    );
    kv.close();
    await Deno.remove(folder, { recursive: true });
  },
});
