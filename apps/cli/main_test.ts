import assert from "node:assert/strict";
import { join } from "node:path";
// The test-image encoder of core: one PNG writer for every test.
import { encodePng } from "@facever/testing";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping CLI tests on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}
const main = new URL("./main.ts", import.meta.url).pathname;

function lfw(name: string, index: number): string {
  return lfwImagePath(root!, name, index);
}

async function cli(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", main, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

Deno.test({
  name: "verify",
  ignore: !root,
  fn: async (t) => {
    await t.step("two photos of one person match", async () => {
      const { code, stdout } = await cli(
        "verify",
        lfw("Aaron_Peirsol", 1),
        lfw("Aaron_Peirsol", 2),
      );
      assert.equal(code, 0);
      const result = JSON.parse(stdout);
      assert.equal(result.match, true);
      assert.ok(result.similarity >= result.threshold);
      assert.equal(result.faces.length, 2);
      for (const face of result.faces) {
        assert.ok(face.box.width > 40 && face.box.height > 40);
      }
    });
    await t.step("two people do not match", async () => {
      const { code, stdout } = await cli(
        "verify",
        lfw("Aaron_Peirsol", 1),
        lfw("Serena_Williams", 1),
      );
      assert.equal(code, 0);
      const result = JSON.parse(stdout);
      assert.equal(result.match, false);
      assert.ok(result.similarity < result.threshold);
      assert.equal(typeof result.threshold, "number");
    });
    await t.step("--threshold decides the match", async () => {
      const { stdout } = await cli(
        "verify",
        "--threshold",
        "0.99",
        lfw("Aaron_Peirsol", 1),
        lfw("Aaron_Peirsol", 2),
      );
      const result = JSON.parse(stdout);
      assert.equal(result.threshold, 0.99);
      assert.equal(result.match, false);
    });
    await t.step("a missing file is named and fails", async () => {
      const { code, stderr } = await cli(
        "verify",
        lfw("Aaron_Peirsol", 1),
        "/nonexistent/b.jpg",
      );
      assert.equal(code, 1);
      assert.match(stderr, /\/nonexistent\/b\.jpg: no such file \(not_found\)/);
    });
    await t.step("too many pixels is refused", async () => {
      const { code, stderr } = await cli(
        "verify",
        "--max-pixels",
        "10000",
        lfw("Aaron_Peirsol", 1),
        lfw("Aaron_Peirsol", 2),
      );
      assert.equal(code, 1);
      assert.match(stderr, /Aaron_Peirsol_0001\.jpg: .*\(too_large\)/);
    });
  },
});

Deno.test({
  name: "embed reports every file and fails when any fails",
  ignore: !root,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const text = join(dir, "notes.jpg");
      await Deno.writeTextFile(text, "not an image at all");
      const truncated = join(dir, "truncated.jpg");
      const jpeg = await Deno.readFile(lfw("Aaron_Peirsol", 1));
      await Deno.writeFile(truncated, jpeg.subarray(0, 400));
      const blank = join(dir, "blank.png");
      await Deno.writeFile(
        blank,
        encodePng({
          width: 200,
          height: 200,
          colorType: 0,
          bitDepth: 8,
          samples: new Uint8Array(200 * 200).fill(128),
        }),
      );
      const files = [
        lfw("Aaron_Peirsol", 1),
        "/nonexistent/x.jpg",
        text,
        truncated,
        blank,
        lfw("Serena_Williams", 1),
      ];
      const { code, stdout, stderr } = await cli("embed", ...files);
      assert.equal(code, 1);
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((line) => line.file), files);
      const codes = lines.map((line) => line.error?.code);
      assert.deepEqual(codes, [
        undefined,
        "not_found",
        "unsupported_format",
        "truncated_image",
        "no_face",
        undefined,
      ]);
      for (const line of [lines[0], lines[5]]) {
        assert.ok(line.faces.length >= 1);
        const [face] = line.faces;
        assert.equal(face.embedding.length, 512);
        const norm = Math.hypot(...face.embedding);
        assert.ok(Math.abs(norm - 1) < 1e-4);
        assert.deepEqual(Object.keys(face.box), ["x", "y", "width", "height"]);
        assert.equal(face.landmarks.length, 5);
        const areas = line.faces.map((
          f: { box: { width: number; height: number } },
        ) => f.box.width * f.box.height);
        assert.deepEqual(areas, [...areas].sort((a, b) => b - a));
      }
      for (const file of files.slice(1, 5)) {
        assert.ok(stderr.includes(file), `stderr names ${file}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("usage errors exit with status 2", async () => {
  for (const args of [[], ["frobnicate"], ["verify", "one.jpg"], ["embed"]]) {
    const { code, stderr } = await cli(...args);
    assert.equal(code, 2, `args ${JSON.stringify(args)}`);
    assert.match(stderr, /Usage:/);
  }
});
