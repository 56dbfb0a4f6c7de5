import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FaceError } from "@facever/core";
import { loadModelBytes, OnnxModel } from "./runner.ts";
import { LANDMARKER_URL } from "./_weights.ts";

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
