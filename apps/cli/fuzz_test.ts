/**
 * `deno task embed` on a batch of damaged files with valid photos at its
 * start, in its middle and at its end: every file gets exactly one JSON
 * line, in order; the damaged ones are refused with a data error; the
 * valid ones keep their faces (the same as when embedded alone), however
 * much damage came before them; the batch never stops and exits 1 (a file
 * was refused), never 3 (an internal error, a bug). Each line must come
 * within a deadline, so that a hang fails the test instead of stalling it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage } from "@facever/core";
import {
  formatSamples,
  fuzzInputs,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  nextLineWithin,
  textLines,
} from "@facever/testing";

const root = lfwRoot();
if (!root) console.log(`skipping the CLI fuzz test: ${LFW_MISSING}`);

const REPOSITORY = fileURLToPath(new URL("../..", import.meta.url));
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0);
/** Per file; a 250 x 250 photo takes well under a second. */
const LINE_TIMEOUT_MS = 30_000;
/** What refused image bytes may be (ARCHITECTURE.md): data errors only. */
const IMAGE_ERRORS = [
  "unsupported_format",
  "corrupt_image",
  "truncated_image",
  "too_large",
  "no_face",
];

interface EmbedLine {
  file: string;
  error?: { code: string; message: string };
  faceCount?: number;
  faces?: { embedding: number[] }[];
}

/**
 * Runs `deno task embed` on `files` with `flags`; each line must come
 * within `timeoutMs`.
 */
async function embed(
  files: readonly string[],
  { flags = [], timeoutMs = LINE_TIMEOUT_MS }: {
    flags?: readonly string[];
    timeoutMs?: number;
  } = {},
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "embed", ...flags, ...files],
    cwd: REPOSITORY,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = textLines(child.stdout).getReader();
  const lines: EmbedLine[] = [];
  while (true) {
    const read = await nextLineWithin(reader, timeoutMs);
    if (read.kind === "closed") break;
    if (read.kind === "timeout") {
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      assert.fail(
        `no line in ${timeoutMs} ms after ${lines.length} lines: hung on ${
          files[lines.length]
        }\n${await stderr}`,
      );
    }
    lines.push(JSON.parse(read.line));
  }
  const { code } = await child.status;
  return { code, lines, stderr: await stderr };
}

const cosine = (a: number[], b: number[]) =>
  a.reduce((sum, v, i) => sum + v * b[i], 0);

Deno.test({
  name: "embed: a batch of damaged files with valid ones among them",
  ignore: !root,
  fn: async () => {
    const photo = await Deno.readFile(lfwImagePath(root!, "Aaron_Peirsol", 1));
    // The photo in every format, and the synthetic samples of the
    // decoder's fuzz test: their mutations make the damaged files.
    const photoSamples = (await formatSamples(await decodeImage(photo)))
      .filter(({ name }) => name !== "heic")
      .map((sample) => ({ ...sample, name: `photo ${sample.name}` }));
    const plan = [
      { name: "photo jpeg (LFW)", bytes: photo, mutations: 24 },
      ...photoSamples.map((sample) => ({ ...sample, mutations: 3 })),
      ...(await formatSamples()).map((sample) => ({ ...sample, mutations: 5 })),
    ];
    const valid = {
      start: photo,
      middle: photoSamples.find(({ name }) => name === "photo png")!.bytes,
      end: photoSamples.find(({ name }) => name === "photo webp")!.bytes,
    };
    const dir = await Deno.makeTempDir({ prefix: "facever_cli_fuzz_" });
    try {
      const damaged: string[] = [];
      const what = new Map<string, string>();
      for (const input of fuzzInputs(plan, SEED)) {
        const file = join(dir, `${String(input.index).padStart(4, "0")}.img`);
        await Deno.writeFile(file, input.bytes);
        damaged.push(file);
        what.set(file, `${input.sample}, ${input.what}`);
      }
      const validFiles: Record<string, string> = {};
      for (const [where, bytes] of Object.entries(valid)) {
        validFiles[where] = join(dir, `valid-${where}.img`);
        await Deno.writeFile(validFiles[where], bytes);
      }
      const half = Math.floor(damaged.length / 2);
      const files = [
        validFiles.start,
        ...damaged.slice(0, half),
        validFiles.middle,
        ...damaged.slice(half),
        validFiles.end,
      ];

      const alone = await embed(Object.values(validFiles));
      assert.equal(alone.code, 0, alone.stderr);
      const batch = await embed(files);
      const counts: Record<string, number> = {};
      for (const line of batch.lines) {
        const outcome = line.error?.code ?? `${line.faceCount} faces`;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      console.log(
        `${files.length} files, exit ${batch.code}: ${JSON.stringify(counts)}`,
      );

      assert.deepEqual(
        batch.lines.map((line) => line.file),
        files,
        "one line per file, in order",
      );
      for (const line of batch.lines) {
        if (line.error) {
          assert.ok(
            IMAGE_ERRORS.includes(line.error.code),
            `${
              what.get(line.file) ?? line.file
            }: ${line.error.code}: ${line.error.message}`,
          );
        } else {
          assert.ok(line.faceCount! >= 0 && Array.isArray(line.faces));
        }
      }
      assert.ok(batch.lines.some((line) => line.error), "no file was refused");
      // 1: a file was refused; 3 would be an internal error, a bug.
      assert.equal(batch.code, 1, batch.stderr);
      for (const [k, file] of Object.values(validFiles).entries()) {
        const before = alone.lines[k];
        const after = batch.lines.find((line) => line.file === file)!;
        assert.ok(before.faceCount! >= 1, `${file}: ${JSON.stringify(before)}`);
        assert.equal(after.faceCount, before.faceCount, file);
        before.faces!.forEach((face, i) =>
          assert.ok(
            cosine(face.embedding, after.faces![i].embedding) > 0.9999,
            `${file}: face ${i} embedded differently in the batch`,
          )
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "embed: an input that never ends is refused, and the batch goes on",
  ignore: !root || Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "facever_cli_endless_" });
    try {
      const photo = join(dir, "photo.jpg");
      await Deno.copyFile(lfwImagePath(root!, "Aaron_Peirsol", 1), photo);
      // 100 MiB that take no disk: over the 80 MiB limit of 1 Mi pixels.
      const sparse = join(dir, "sparse.img");
      await Deno.writeFile(sparse, new Uint8Array());
      await Deno.truncate(sparse, 100 * 2 ** 20);
      // /dev/zero was once read until memory ran out (about 350 MB a
      // second here), so the deadline is short.
      const { code, lines } = await embed(["/dev/zero", sparse, photo], {
        flags: ["--max-pixels", "1000000"],
        timeoutMs: 15_000,
      });
      assert.deepEqual(
        lines.map((line) => line.error?.code ?? `${line.faceCount} faces`),
        ["too_large", "too_large", "1 faces"],
      );
      assert.equal(code, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
