import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  alignFace,
  cosineSimilarity,
  decodeImage,
  FaceError,
} from "@facever/core";
import { FaceEmbedder } from "./embedder.ts";
import { FaceEngine } from "./engine.ts";
import { loadModelBytes, OnnxModel, resolveBackend } from "./runner.ts";
import { LANDMARKER_URL } from "@facever/weights";
import { lfwRoot } from "@facever/testing";

// A smooth, non-constant 64×64 grey face-sized input.
const input = new Float32Array(64 * 64).map((_, i) =>
  0.5 + 0.4 * Math.sin(i / 37) * Math.cos(i / 301)
);

async function landmarksOf(model: OnnxModel): Promise<Float32Array> {
  const { output } = await model.run({
    input: { data: input, dims: [1, 1, 64, 64] },
  });
  assert.deepEqual(output.dims, [1, 136]);
  return output.data;
}

Deno.test("OnnxModel loads from bytes, a path, a file URL and an http URL", async (t) => {
  const bytes = await Deno.readFile(LANDMARKER_URL);
  const expected = await landmarksOf(await OnnxModel.load(bytes));

  await t.step("path", async () => {
    const model = await OnnxModel.load(fileURLToPath(LANDMARKER_URL));
    assert.deepEqual(await landmarksOf(model), expected);
  });
  await t.step("file URL", async () => {
    assert.deepEqual(
      await landmarksOf(await OnnxModel.load(LANDMARKER_URL)),
      expected,
    );
  });
  await t.step(
    "http URL, and an HTTP error is a model_load_failed",
    async () => {
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (request) =>
          new URL(request.url).pathname === "/landmarks.onnx"
            ? new Response(bytes)
            : new Response("missing", { status: 404 }),
      );
      try {
        const base = `http://127.0.0.1:${server.addr.port}`;
        const model = await OnnxModel.load(new URL(`${base}/landmarks.onnx`));
        assert.deepEqual(await landmarksOf(model), expected);
        await assert.rejects(
          () => loadModelBytes(new URL(`${base}/nothing.onnx`)),
          (error: unknown) =>
            error instanceof FaceError && error.code === "model_load_failed" &&
            error.message.includes("HTTP 404"),
        );
      } finally {
        await server.shutdown();
      }
    },
  );
});

Deno.test("bytes that are not a model are a model_load_failed error", async () => {
  await assert.rejects(
    () => OnnxModel.load(new TextEncoder().encode("not an onnx model")),
    (error: unknown) =>
      error instanceof FaceError && error.code === "model_load_failed",
  );
});

Deno.test("OnnxModel runs a batch like single inputs", async () => {
  const model = await OnnxModel.load(LANDMARKER_URL);
  const batch = new Float32Array(2 * 64 * 64);
  batch.set(input);
  batch.set(input.map((v) => 1 - v), 64 * 64);
  const { output } = await model.run({
    input: { data: batch, dims: [2, 1, 64, 64] },
  });
  const first = await landmarksOf(model);
  const diff = Math.max(...first.map((v, i) => Math.abs(v - output.data[i])));
  assert.ok(diff <= 1e-5, `batch item 0 differs by ${diff}`);
  assert.equal(output.data.length, 2 * 136);
});

const lfwDir = lfwRoot();
if (!lfwDir) {
  console.log(
    "skipping backend comparisons on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}
const ffiGranted = Deno.permissions.querySync({ name: "ffi" }).state ===
  "granted";
if (!ffiGranted) {
  console.log(
    "skipping native backend tests: run with --allow-ffi to load onnxruntime-node",
  );
}

function lfwFile(name: string, index: number): string {
  return join(
    lfwDir!,
    "images_deepfunneled",
    name,
    `${name}_${String(index).padStart(4, "0")}.jpg`,
  );
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

Deno.test("backend selection", async (t) => {
  await t.step("wasm is wasm", async () => {
    assert.equal(await resolveBackend("wasm"), "wasm");
    const model = await OnnxModel.load(LANDMARKER_URL, { backend: "wasm" });
    assert.equal(model.backend, "wasm");
  });
  await t.step(
    "auto is native exactly when --allow-ffi is granted",
    async () => {
      const expected = ffiGranted ? "native" : "wasm";
      assert.equal(await resolveBackend(), expected);
      assert.equal((await OnnxModel.load(LANDMARKER_URL)).backend, expected);
    },
  );
  await t.step({
    name: "native gives the same outputs as wasm",
    ignore: !ffiGranted,
    fn: async () => {
      const native = await OnnxModel.load(LANDMARKER_URL, {
        backend: "native",
      });
      assert.equal(native.backend, "native");
      const wasm = await OnnxModel.load(LANDMARKER_URL, { backend: "wasm" });
      const diff = maxDifference(
        await landmarksOf(native),
        await landmarksOf(wasm),
      );
      assert.ok(diff <= 1e-5, `native and wasm differ by ${diff}`);
    },
  });
  await t.step(
    "an unknown backend is a RangeError naming the allowed ones",
    async () => {
      await assert.rejects(
        // @ts-expect-error: the value a JavaScript caller could pass
        () => OnnxModel.load(LANDMARKER_URL, { backend: "gpu" }),
        (error: unknown) =>
          error instanceof RangeError &&
          error.message.includes('"auto", "wasm" or "native", got "gpu"'),
      );
    },
  );
});

Deno.test({
  name: "native and wasm embed real faces alike",
  ignore: !lfwDir || !ffiGranted,
  fn: async () => {
    const [native, wasm] = await Promise.all([
      FaceEngine.create({ backend: "native" }),
      FaceEngine.create({ backend: "wasm" }),
    ]);
    const [nativeEmbedder, wasmEmbedder] = await Promise.all([
      FaceEmbedder.load({ backend: "native" }),
      FaceEmbedder.load({ backend: "wasm" }),
    ]);
    const files = [
      lfwFile("Aaron_Peirsol", 1),
      lfwFile("Serena_Williams", 1),
      lfwFile("George_W_Bush", 7),
    ];
    for (const file of files) {
      const pixels = await decodeImage(await Deno.readFile(file));
      const a = await native.faces(pixels);
      const b = await wasm.faces(pixels);
      assert.equal(a.length, b.length, file);
      // The same crops give the same embeddings...
      const crops = a.map((face) => alignFace(pixels, face.landmarks));
      const [x, y] = await Promise.all([
        nativeEmbedder.embed(crops),
        wasmEmbedder.embed(crops),
      ]);
      x.forEach((embedding, i) => {
        const diff = maxDifference(embedding, y[i]);
        assert.ok(diff <= 1e-4, `${file} face ${i}: differs by ${diff}`);
      });
      // ...while the compiled detector may run a smaller input, which moves
      // the landmarks by a fraction of a pixel and not the identity.
      a.forEach((face, i) => {
        const similarity = cosineSimilarity(face.embedding, b[i].embedding);
        assert.ok(similarity > 0.98, `${file} face ${i}: ${similarity}`);
        face.landmarks.forEach((point, k) => {
          const other = b[i].landmarks[k];
          const moved = Math.hypot(point.x - other.x, point.y - other.y);
          assert.ok(moved < 2, `${file} face ${i} point ${k}: ${moved} px`);
        });
      });
    }
  },
});

Deno.test({
  name:
    "without --allow-ffi, auto falls back to wasm and embeds alike; native is a FaceError",
  ignore: !lfwDir,
  fn: async () => {
    const file = lfwFile("Aaron_Peirsol", 1);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        fileURLToPath(new URL("./_test_backend_probe.ts", import.meta.url)),
        file,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(code, 0, decoder.decode(stderr));
    const probe = JSON.parse(decoder.decode(stdout));
    assert.equal(probe.backend, "wasm");
    assert.equal(probe.native.name, "FaceError");
    assert.equal(probe.native.code, "model_load_failed");
    assert.match(
      probe.native.message,
      /backend "native" is unavailable.*--allow-ffi/,
    );
    const engine = await FaceEngine.create({ backend: "wasm" });
    const expected = await engine.embedImage(await Deno.readFile(file));
    const diff = maxDifference(probe.embedding, expected.embedding);
    assert.ok(diff <= 1e-6, `the probe's embedding differs by ${diff}`);
  },
});
