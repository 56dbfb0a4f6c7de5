import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeImage,
  DEFAULT_MAX_PIXELS,
  FaceError,
  resizeImage,
  type RgbImage,
} from "@facever/core";
import { FaceEngine } from "@facever/model";
import {
  encodePng,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
} from "@facever/testing";
import { main as runCli } from "./main.ts";

const root = lfwRoot();
if (!root) console.log(`skipping CLI tests on real faces: ${LFW_MISSING}`);
const main = new URL("./main.ts", import.meta.url).pathname;

function lfw(name: string, index: number): string {
  return lfwImagePath(root!, name, index);
}

/**
 * A 900×400 PNG of three people: Aaron Peirsol large on the left, Serena
 * Williams in the middle, Aaron Eckhart small on the right.
 */
async function groupPng(): Promise<Uint8Array> {
  const width = 900, height = 400;
  const data = new Uint8Array(width * height * 3).fill(90);
  const place = (image: RgbImage, left: number, top: number) => {
    for (let y = 0; y < image.height; y++) {
      data.set(
        image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3),
        ((top + y) * width + left) * 3,
      );
    }
  };
  const read = async (name: string) =>
    decodeImage(await Deno.readFile(lfw(name, 1)));
  place(resizeImage(await read("Aaron_Peirsol"), 380, 380), 0, 10);
  place(await read("Serena_Williams"), 325, 75);
  place(resizeImage(await read("Aaron_Eckhart"), 200, 200), 690, 100);
  return encodePng({ width, height, colorType: 2, bitDepth: 8, samples: data });
}

async function cli(...args: string[]) {
  return await cliWithInput(undefined, ...args);
}

async function cliWithInput(input: Uint8Array | undefined, ...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", main, ...args],
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
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
        assert.equal(face.faceCount, 1);
        assert.equal(face.faceIndex, 0);
        assert.ok(face.quality.sharpness > 0);
        assert.deepEqual(Object.keys(face.quality.pose), [
          "yaw",
          "pitch",
          "roll",
        ]);
      }
    });
    await t.step('"-" reads an image from standard input', async () => {
      const { code, stdout } = await cliWithInput(
        await Deno.readFile(lfw("Aaron_Peirsol", 2)),
        "verify",
        lfw("Aaron_Peirsol", 1),
        "-",
      );
      assert.equal(code, 0);
      const result = JSON.parse(stdout);
      assert.equal(result.match, true);
      assert.equal(result.faces[1].file, "-");
    });
    await t.step(
      "--face chooses among several faces and says which",
      async () => {
        const dir = await Deno.makeTempDir();
        try {
          const group = join(dir, "group.png");
          await Deno.writeFile(group, await groupPng());
          const portrait = lfw("Serena_Williams", 1);
          const central = JSON.parse(
            (await cli(
              "verify",
              "--face",
              "central",
              group,
              portrait,
            )).stdout,
          );
          assert.equal(central.faces[0].faceCount, 3);
          assert.equal(central.match, true, "the middle face is Serena's");
          const largest = JSON.parse(
            (await cli("verify", group, portrait)).stdout,
          );
          assert.equal(largest.faces[0].faceIndex, 0);
          assert.equal(largest.faces[0].faceCount, 3);
          assert.equal(largest.match, false, "the largest face is Aaron's");
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
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
      // Valid, 87 bytes, and once the end of a whole batch.
      const sliver = join(dir, "sliver.png");
      await Deno.writeFile(
        sliver,
        encodePng({
          width: 1921,
          height: 1,
          colorType: 0,
          bitDepth: 1,
          samples: new Uint8Array(1921),
        }),
      );
      const files = [
        lfw("Aaron_Peirsol", 1),
        "/nonexistent/x.jpg",
        text,
        sliver,
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
        "no_face",
        "truncated_image",
        "no_face",
        undefined,
      ]);
      for (const line of [lines[0], lines[6]]) {
        assert.equal(line.faceCount, line.faces.length);
        assert.deepEqual(
          line.faces.map((face: { faceIndex: number }) => face.faceIndex),
          line.faces.map((_: unknown, i: number) => i),
        );
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
      for (const file of files.slice(1, 6)) {
        assert.ok(stderr.includes(file), `stderr names ${file}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "liveness: each face's passive check, one line per file",
  ignore: !root,
  fn: async () => {
    // George W. Bush's LFW photo 2 fails the passive check (a press photo
    // the net takes for a print), photo 7 passes it.
    const files = [
      lfw("George_W_Bush", 2),
      lfw("George_W_Bush", 7),
      "/nonexistent/x.jpg",
    ];
    const { code, stdout, stderr } = await cli("liveness", ...files);
    assert.equal(code, 1);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.file), files);
    assert.equal(lines[0].faces[0].liveness.live, false);
    assert.ok(lines[0].faces[0].liveness.score < 0.1);
    assert.equal(lines[1].faces[0].liveness.live, true);
    assert.deepEqual(Object.keys(lines[1].faces[0]), ["box", "liveness"]);
    assert.equal(lines[2].error.code, "not_found");
    assert.ok(stderr.includes(files[2]));
    // A threshold of 0 calls every face live; the input may be stdin.
    const piped = await cliWithInput(
      await Deno.readFile(files[0]),
      "liveness",
      "--threshold",
      "0",
      "-",
    );
    assert.equal(piped.code, 0);
    assert.equal(JSON.parse(piped.stdout).faces[0].liveness.live, true);
  },
});

Deno.test("usage errors exit with status 2 and show the usage", async () => {
  for (
    const args of [
      [],
      ["frobnicate"],
      ["verify", "one.jpg"],
      ["embed"],
      ["verify", "--face", "left", "a.jpg", "b.jpg"],
      ["embed", "--face", "every", "a.jpg"],
      ["verify", "--threshold", "2", "a.jpg", "b.jpg"],
      ["embed", "--max-pixels", "lots", "a.jpg"],
      ["verify", "-", "-"],
      ["embed", "--colour", "a.jpg"],
      ["liveness"],
      ["liveness", "--threshold", "2", "a.jpg"],
      ["liveness", "--face", "all", "a.jpg"],
    ]
  ) {
    const { code, stderr } = await cli(...args);
    assert.equal(code, 2, `args ${JSON.stringify(args)}`);
    assert.match(stderr, /^error: .*\nUsage:/, stderr);
  }
});

Deno.test("--help explains each command, its defaults and exit codes", async () => {
  for (
    const args of [
      ["--help"],
      ["-h"],
      ["verify", "--help"],
      ["embed", "-h"],
      ["liveness", "--help"],
    ]
  ) {
    const { code, stdout } = await cli(...args);
    assert.equal(code, 0);
    assert.match(stdout, /Usage:/);
    assert.match(stdout, /3 +internal error/);
  }
  const { stdout } = await cli("verify", "--help");
  assert.match(stdout, /default 0\.282/);
  assert.match(stdout, new RegExp(`default\\s+${DEFAULT_MAX_PIXELS}\\)`));
});

Deno.test("an internal error exits 3, is named a bug, and the batch goes on", async () => {
  const dir = await Deno.makeTempDir();
  const bug = join(dir, "bug.jpg"), refused = join(dir, "refused.jpg");
  await Deno.writeFile(bug, new Uint8Array([1]));
  await Deno.writeFile(refused, new Uint8Array([2]));
  const errors: string[] = [];
  const lines: string[] = [];
  const { error, log } = console;
  console.error = (text: string) => errors.push(text);
  console.log = (text: string) => lines.push(text);
  try {
    const engine = await FaceEngine.create({ backend: "wasm" });
    const status = await runCli(["embed", bug, refused], {
      createEngine: () =>
        Promise.resolve({
          analyze: (bytes: Uint8Array) =>
            bytes[0] === 1
              ? Promise.reject(new TypeError("x is undefined"))
              : Promise.reject(new FaceError("corrupt_image", "damaged")),
          compare: engine.compare.bind(engine),
        }),
      stdin: () => Promise.resolve(new Uint8Array()),
    }).catch((cause) => {
      throw new Error("main must not reject", { cause });
    });
    assert.equal(status, 1 + 2, "3: an internal error outranks a refusal");
  } finally {
    console.error = error;
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(lines.length, 2);
  const [first, second] = lines.map((line) => JSON.parse(line));
  assert.equal(first.error.code, "internal_error");
  assert.match(first.error.message, /a bug in facever/);
  assert.equal(second.error.code, "corrupt_image");
  assert.equal(errors.length, 2);
});
