import assert from "node:assert/strict";
import { join } from "node:path";
import { FaceError, ImageDecodeError } from "@facever/core";
import { FaceEngine } from "./engine.ts";
import { FacePool, WorkerError } from "./pool.ts";
import { OnnxModel, resolveBackend } from "./runner.ts";
import { LANDMARKER_URL } from "@facever/weights";
import { lfwRoot } from "@facever/testing";

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping FacePool tests on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}

function lfw(name: string, index: number): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(join(
    root!,
    "images_deepfunneled",
    name,
    `${name}_${String(index).padStart(4, "0")}.jpg`,
  ));
}

Deno.test({
  name: "FacePool on real faces",
  ignore: !root,
  fn: async (t) => {
    const engine = await FaceEngine.create({ backend: "wasm" });
    await using pool = await FacePool.create({ workers: 2 });
    const aaron = await lfw("Aaron_Peirsol", 1);
    const aaron2 = await lfw("Aaron_Peirsol", 2);
    const serena = await lfw("Serena_Williams", 1);
    const bush = await lfw("George_W_Bush", 7);

    await t.step(
      "runs the workers on wasm unless told otherwise",
      () => {
        assert.equal(pool.workers, 2);
        assert.equal(pool.backend, "wasm");
        assert.equal(pool.threshold, engine.threshold);
      },
    );

    await t.step("gives the results of a single engine", async () => {
      const images = [aaron, aaron2, serena, bush];
      // Concurrent calls, so that both workers answer some.
      const pooled = await Promise.all(
        images.map((bytes) => pool.faces(bytes.slice())),
      );
      for (const [i, bytes] of images.entries()) {
        assert.deepEqual(pooled[i], await engine.faces(bytes));
      }
      assert.deepEqual(
        await pool.analyze(bush.slice(), { embed: "central" }),
        await engine.analyze(bush, { embed: "central" }),
      );
      assert.deepEqual(
        await pool.embedImage(bush.slice(), { pick: "central" }),
        await engine.embedImage(bush, { pick: "central" }),
      );
      const same = await pool.verify(aaron.slice(), aaron2.slice());
      assert.deepEqual(same, await engine.verify(aaron, aaron2));
      assert.equal(same.match, true);
      assert.equal(
        (await pool.verify(aaron.slice(), serena.slice())).match,
        false,
      );
    });

    await t.step(
      "moves whole buffers, copies views of larger ones",
      async () => {
        const bytes = aaron.slice();
        await pool.embedImage(bytes);
        assert.equal(bytes.byteLength, 0, "the caller's buffer is detached");
        const larger = new Uint8Array(aaron.length + 16);
        larger.set(aaron, 8);
        const view = larger.subarray(8, 8 + aaron.length);
        await pool.embedImage(view);
        assert.deepEqual(view, aaron, "a view of a larger buffer is kept");
        const shared = aaron.slice();
        assert.equal(
          (await pool.verify(shared, shared)).similarity > 0.999,
          true,
        );
      },
    );

    await t.step(
      "errors cross the worker boundary with their class and code",
      async () => {
        const notAnImage = new TextEncoder().encode("not an image");
        const expected = await engine.embedImage(notAnImage).catch((e) => e);
        assert.ok(expected instanceof ImageDecodeError);
        await assert.rejects(
          () => pool.embedImage(notAnImage.slice()),
          (error: unknown) =>
            error instanceof ImageDecodeError &&
            error.code === expected.code && error.message === expected.message,
        );
        const blank = {
          width: 200,
          height: 200,
          data: new Uint8Array(200 * 200 * 3).fill(128),
        };
        await assert.rejects(
          () => pool.embedImage(blank),
          (error: unknown) =>
            error instanceof FaceError && error.code === "no_face" &&
            error.message === "no face found in the image",
        );
      },
    );

    await t.step("close ends the workers and refuses later calls", async () => {
      await pool.close();
      assert.equal(pool.workers, 0);
      await assert.rejects(
        () => pool.embedImage(aaron.slice()),
        (error: unknown) =>
          error instanceof WorkerError && error.reason === "closed",
      );
    });
  },
});

Deno.test({
  name: "a wasm FacePool started after wasm ran on the calling thread",
  ignore: !root,
  fn: async () => {
    // onnxruntime-web replaces the global Worker as it initialises; the
    // pool's workers must still start as web workers. The bundled models
    // run compiled, so an ONNX file is loaded on it here.
    await OnnxModel.load(LANDMARKER_URL, { backend: "wasm" });
    const engine = await FaceEngine.create({ backend: "wasm" });
    const bytes = await lfw("Serena_Williams", 1);
    const expected = await engine.embedImage(bytes);
    await using pool = await FacePool.create({ workers: 1, backend: "wasm" });
    assert.equal(pool.backend, "wasm");
    assert.deepEqual(await pool.embedImage(bytes), expected);
  },
});

Deno.test({
  name: "a native FacePool gives the results of a native engine",
  ignore: !root || await resolveBackend() !== "native",
  fn: async () => {
    const engine = await FaceEngine.create({ backend: "native" });
    const bytes = await lfw("Aaron_Peirsol", 2);
    await using pool = await FacePool.create({ workers: 1, backend: "native" });
    assert.equal(pool.backend, "native");
    assert.deepEqual(
      await pool.faces(bytes.slice()),
      await engine.faces(bytes),
    );
  },
});

Deno.test("FacePool refuses bad options with a RangeError", async () => {
  await assert.rejects(
    () => FacePool.create({ workers: 0 }),
    RangeError,
    "workers must be a whole number of at least 1, got 0",
  );
  await assert.rejects(
    () => FacePool.create({ workers: 1, threshold: 2 }),
    RangeError,
    "threshold must be a cosine similarity in [-1, 1], got 2",
  );
});
