import assert from "node:assert/strict";
import { alignFace, decodeImage } from "@facever/core";
import { FaceDetector, FaceEmbedder } from "@facever/model";
import { EMBEDDER_URL } from "@facever/weights";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
if (!root) {
  console.log(
    "skipping FaceEmbedder tests on real faces: LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)",
  );
}

Deno.test({
  name: "the compiled wasm embedder gives onnxruntime-web's embeddings",
  ignore: !root,
  fn: async () => {
    const detector = await FaceDetector.load();
    const faces = [];
    for (const name of ["Aaron_Peirsol", "Serena_Williams", "Colin_Powell"]) {
      const image = await decodeImage(
        await Deno.readFile(lfwImagePath(root!, name, 1)),
      );
      const [face] = await detector.detectFaces(image);
      faces.push(alignFace(image, face.landmarks));
    }
    // Without `model`, the wasm backend runs the compiled net; naming the
    // ONNX file runs it on onnxruntime-web.
    const compiled = await FaceEmbedder.load({ backend: "wasm" });
    const onnx = await FaceEmbedder.load({
      backend: "wasm",
      model: EMBEDDER_URL,
    });
    const a = await compiled.embed(faces);
    const b = await onnx.embed(faces);
    for (let i = 0; i < faces.length; i++) {
      const difference = Math.max(...a[i].map((v, k) => Math.abs(v - b[i][k])));
      assert.ok(difference <= 1e-4, `face ${i} differs by ${difference}`);
    }
  },
});
