import assert from "node:assert/strict";
import { join } from "node:path";
import {
  alignFace,
  cosineSimilarity,
  decodeImage,
  FaceError,
  resizeImage,
  type RgbImage,
} from "@facever/core";
import { FaceEmbedder, FaceEngine, OnnxModel } from "@facever/model";
import { EMBEDDER_URL } from "@facever/weights";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping FaceEngine tests on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}

function lfw(name: string, index: number): Promise<RgbImage> {
  return Deno.readFile(lfwImagePath(root!, name, index)).then((bytes) =>
    decodeImage(bytes)
  );
}

/** Places images side by side on a grey canvas, vertically centred. */
function sideBySide(images: readonly RgbImage[], gap: number): RgbImage {
  const width = images.reduce((sum, image) => sum + image.width + gap, gap);
  const height = Math.max(...images.map((image) => image.height)) + 2 * gap;
  const data = new Uint8Array(width * height * 3).fill(90);
  let left = gap;
  for (const image of images) {
    const top = Math.floor((height - image.height) / 2);
    for (let y = 0; y < image.height; y++) {
      data.set(
        image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3),
        ((top + y) * width + left) * 3,
      );
    }
    left += image.width + gap;
  }
  return { width, height, data };
}

function grayscale(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const luma = Math.round(
      0.299 * image.data[i] + 0.587 * image.data[i + 1] +
        0.114 * image.data[i + 2],
    );
    data[i] = data[i + 1] = data[i + 2] = luma;
  }
  return { ...image, data };
}

Deno.test({
  name: "FaceEngine on real faces",
  ignore: !root,
  fn: async (t) => {
    const engine = await FaceEngine.create();
    const aaron1 = await lfw("Aaron_Peirsol", 1);
    const aaron2 = await lfw("Aaron_Peirsol", 2);
    const serena = await lfw("Serena_Williams", 1);

    await t.step("same person matches, different people do not", async () => {
      const same = await engine.verify(aaron1, aaron2);
      assert.equal(same.match, true, `similarity ${same.similarity}`);
      const different = await engine.verify(aaron1, serena);
      assert.equal(
        different.match,
        false,
        `similarity ${different.similarity}`,
      );
      assert.equal(same.threshold, engine.threshold);
    });

    await t.step(
      "encoded bytes give the same answer as decoded pixels",
      async () => {
        const file = join(
          root!,
          "images_deepfunneled/Aaron_Peirsol/Aaron_Peirsol_0001.jpg",
        );
        const fromBytes = await engine.embedImage(await Deno.readFile(file));
        const fromPixels = await engine.embedImage(aaron1);
        assert.deepEqual(fromBytes.embedding, fromPixels.embedding);
      },
    );

    await t.step("embeddings have unit length", async () => {
      const { embedding } = await engine.embedImage(aaron1);
      assert.equal(embedding.length, 512);
      const norm = Math.hypot(...embedding);
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    });

    await t.step(
      "a group photo yields each person's own embedding",
      async () => {
        const group = sideBySide([aaron1, serena], 40);
        const faces = await engine.faces(group);
        assert.ok(faces.length >= 2, `found ${faces.length} faces`);
        const soloAaron = (await engine.embedImage(aaron1)).embedding;
        const soloSerena = (await engine.embedImage(serena)).embedding;
        const best = (solo: Float32Array) =>
          Math.max(...faces.map((f) => cosineSimilarity(f.embedding, solo)));
        assert.ok(best(soloAaron) > 0.9, `Aaron ${best(soloAaron)}`);
        assert.ok(best(soloSerena) > 0.9, `Serena ${best(soloSerena)}`);
      },
    );

    await t.step(
      "analyze reports every face with its quality, embedding the chosen",
      async () => {
        const group = sideBySide([serena, aaron1, serena], 10);
        const all = await engine.analyze(group);
        assert.equal(all.width, group.width);
        assert.equal(all.height, group.height);
        assert.equal(all.faces.length, 3);
        assert.ok(all.faces.every((face) => face.embedding?.length === 512));
        assert.deepEqual(
          all.faces.map((face) => face.embedding),
          (await engine.faces(group)).map((face) => face.embedding),
        );
        const central = await engine.analyze(group, { embed: "central" });
        const embedded = central.faces.filter((face) => face.embedding);
        assert.equal(embedded.length, 1);
        assert.deepEqual(
          embedded[0].embedding,
          (await engine.embedImage(group, { pick: "central" })).embedding,
        );
        const largest = await engine.analyze(group, { embed: "largest" });
        assert.ok(largest.faces[0].embedding);
        assert.ok(largest.faces.slice(1).every((face) => !face.embedding));
        const none = await engine.analyze(group, { embed: "none" });
        assert.equal(none.faces.length, 3);
        assert.ok(none.faces.every((face) => face.embedding === undefined));
        for (const face of none.faces) {
          // LFW's portraits face the camera and are in focus.
          assert.ok(
            Math.abs(face.quality.pose.yaw) < 25,
            `${face.quality.pose.yaw}`,
          );
          assert.ok(Math.abs(face.quality.pose.roll) < 20);
          assert.ok(face.quality.sharpness > 20, `${face.quality.sharpness}`);
        }
        await assert.rejects(
          // deno-lint-ignore no-explicit-any -- a caller without types
          () => engine.analyze(group, { embed: "first" as any }),
          RangeError,
        );
      },
    );

    await t.step(
      "a blurred face is less sharp; a mirrored one has the opposite yaw",
      async () => {
        const face = await engine.embedImage(aaron1);
        const blurred = await engine.embedImage(
          resizeImage(resizeImage(aaron1, 62, 62), 250, 250),
        );
        assert.ok(
          blurred.quality.sharpness < face.quality.sharpness / 2,
          `${blurred.quality.sharpness} vs ${face.quality.sharpness}`,
        );
        assert.deepEqual(
          face.quality,
          (await engine.analyze(aaron1)).faces[0].quality,
        );
        // A face turned well to one side, and its mirror image.
        const turned = await lfw("Alfred_Ford", 1);
        const mirrored = new Uint8Array(turned.data.length);
        for (let y = 0; y < turned.height; y++) {
          for (let x = 0; x < turned.width; x++) {
            const from = (y * turned.width + x) * 3;
            const to = (y * turned.width + turned.width - 1 - x) * 3;
            mirrored.set(turned.data.subarray(from, from + 3), to);
          }
        }
        const { pose } = (await engine.embedImage(turned)).quality;
        const mirror = (await engine.embedImage({ ...turned, data: mirrored }))
          .quality.pose;
        assert.ok(pose.yaw > 25, `yaw ${pose.yaw}`);
        assert.ok(
          Math.abs(mirror.yaw + pose.yaw) < 6,
          `${mirror.yaw} vs ${pose.yaw}`,
        );
        assert.ok(Math.abs(mirror.pitch - pose.pitch) < 6);
        assert.ok(Math.abs(face.quality.pose.yaw) < pose.yaw / 2);
      },
    );

    await t.step("central pick chooses the face in the middle", async () => {
      const group = sideBySide([serena, aaron1, serena], 10);
      const central = await engine.embedImage(group, { pick: "central" });
      const soloAaron = (await engine.embedImage(aaron1)).embedding;
      assert.ok(cosineSimilarity(central.embedding, soloAaron) > 0.9);
    });

    await t.step("grayscale and enlarged photos still match", async () => {
      assert.equal(
        (await engine.verify(grayscale(aaron2), aaron1)).match,
        true,
      );
      const large = resizeImage(aaron2, 900, 900);
      assert.equal((await engine.verify(large, aaron1)).match, true);
    });

    await t.step("an image without a face is a no_face error", async () => {
      const blank: RgbImage = {
        width: 320,
        height: 240,
        data: new Uint8Array(320 * 240 * 3).fill(128),
      };
      await assert.rejects(
        () => engine.embedImage(blank),
        (error: unknown) =>
          error instanceof FaceError && error.code === "no_face",
      );
      assert.deepEqual(await engine.faces(blank), []);
    });

    await t.step("a batch embeds like single faces", async () => {
      const embedder = await FaceEmbedder.load({ batchSize: 3 });
      const faces = await Promise.all(
        [aaron1, aaron2, serena, aaron1].map(async (image) => {
          const [face] = await engine.faces(image);
          return face;
        }),
      );
      const aligned = [aaron1, aaron2, serena, aaron1].map((image, i) =>
        alignFace(image, faces[i].landmarks)
      );
      const batched = await embedder.embed(aligned);
      for (const [i, face] of aligned.entries()) {
        const [single] = await embedder.embed([face]);
        const diff = Math.max(
          ...single.map((v, k) => Math.abs(v - batched[i][k])),
        );
        assert.ok(diff <= 1e-5, `face ${i} differs by ${diff}`);
      }
    });
  },
});

Deno.test("models load once per process", async () => {
  const first = await OnnxModel.load(EMBEDDER_URL);
  const second = await OnnxModel.load(EMBEDDER_URL);
  assert.equal(first, second);
});

Deno.test("bad options are refused with RangeError", async () => {
  await assert.rejects(() => FaceEngine.create({ threshold: 1.5 }), RangeError);
  await assert.rejects(() => FaceEmbedder.load({ batchSize: 0 }), RangeError);
  const embedder = await FaceEmbedder.load();
  const wrongSize: RgbImage = {
    width: 100,
    height: 112,
    data: new Uint8Array(100 * 112 * 3),
  };
  await assert.rejects(() => embedder.embed([wrongSize]), RangeError);
});

Deno.test("a missing model file is a model_load_failed error", async () => {
  await assert.rejects(
    () => OnnxModel.load("/nonexistent/model.onnx"),
    (error: unknown) =>
      error instanceof FaceError && error.code === "model_load_failed" &&
      error.message.includes("/nonexistent/model.onnx"),
  );
});

Deno.test("wasm threads cannot be raised under Deno", async () => {
  await assert.rejects(
    () => OnnxModel.load(EMBEDDER_URL, { backend: "wasm", threads: 2 }),
    (error: unknown) =>
      error instanceof RangeError &&
      /threads must be 1 under Deno/.test(error.message),
  );
  await assert.rejects(
    () => OnnxModel.load(EMBEDDER_URL, { threads: 0 }),
    RangeError,
  );
});

Deno.test("images of any shape give faces or none, never an error", async (t) => {
  const engine = await FaceEngine.create({ backend: "wasm" });
  const shapes = [
    [1921, 1],
    [1, 1921],
    [65535, 1],
    [1, 65535],
    [5000, 3],
    [3, 5000],
    [1, 1],
    [2, 2],
    [400, 7],
    [17, 9000],
  ];
  let seed = 7;
  for (const [width, height] of shapes) {
    await t.step(`${width}x${height}`, async () => {
      const data = Uint8Array.from(
        { length: width * height * 3 },
        () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24,
      );
      const { faces } = await engine.analyze({ width, height, data });
      assert.deepEqual(faces, []);
      await assert.rejects(
        () => engine.embedImage({ width, height, data }),
        (error: unknown) =>
          error instanceof FaceError && error.code === "no_face",
      );
    });
  }
  if (root) {
    await t.step("a face in a 6000x250 panorama is found", async () => {
      const face = await lfw("Aaron_Peirsol", 1);
      const panorama: RgbImage = {
        width: 6000,
        height: 250,
        data: new Uint8Array(6000 * 250 * 3).fill(90),
      };
      for (let y = 0; y < 250; y++) {
        panorama.data.set(
          face.data.subarray(y * 250 * 3, (y + 1) * 250 * 3),
          (y * 6000 + 4100) * 3,
        );
      }
      const [found] = (await engine.analyze(panorama)).faces;
      const alone = await engine.embedImage(face);
      assert.ok(cosineSimilarity(found.embedding!, alone.embedding) > 0.9);
    });
  }
});
