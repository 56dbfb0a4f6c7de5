import assert from "node:assert/strict";
import { decodeImage, resizeImage } from "@facever/core";
import { FaceDetector, FaceEngine } from "@facever/model";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import { analyzeFrame } from "./_analysis.ts";
import { cameraFrame as frame } from "./_test_frames.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the page's frame analysis: ${LFW_MISSING}`);

Deno.test({
  name: "the page's analysis of a camera frame",
  ignore: !root,
  async fn(t) {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const photo = async (name: string, index: number) =>
      await decodeImage(await Deno.readFile(lfwImagePath(root!, name, index)));
    const aaron = await photo("Aaron_Peirsol", 1);
    const serena = await photo("Serena_Williams", 1);

    await t.step(
      "a frontal face near the camera passes the gates",
      async () => {
        const image = frame({ image: aaron, left: 120, top: 40, size: 400 });
        const analysis = await analyzeFrame(detector, image);
        assert.equal(analysis.width, 640);
        assert.equal(analysis.faces.length, 1);
        assert.ok("face" in analysis.verdict, JSON.stringify(analysis.verdict));
        assert.equal(analysis.verdict.face, analysis.faces[0]);
        assert.equal(analysis.faces[0].aligned.width, 112);
        assert.equal(analysis.faces[0].aligned.height, 112);
      },
    );

    await t.step("its figures are those the server measures", async () => {
      const image = frame({ image: aaron, left: 120, top: 40, size: 400 });
      const [page] = (await analyzeFrame(detector, image)).faces;
      const engine = await FaceEngine.create({ backend: "wasm" });
      const [server] = (await engine.analyze(image, { embed: "none" })).faces;
      assert.deepEqual(page.box, server.box);
      assert.deepEqual(page.landmarks, server.landmarks);
      assert.deepEqual(page.quality, server.quality);
    });

    await t.step("nobody in front of the camera: no_face", async () => {
      const { faces, verdict } = await analyzeFrame(detector, frame());
      assert.equal(faces.length, 0);
      assert.ok("reason" in verdict && verdict.reason === "no_face");
    });

    await t.step("a face far from the camera: face_too_small", async () => {
      const image = frame({ image: aaron, left: 250, top: 170, size: 130 });
      const { verdict } = await analyzeFrame(detector, image);
      assert.ok("reason" in verdict, "refused");
      assert.equal(verdict.reason, "face_too_small");
    });

    await t.step("a blurred face: blurry", async () => {
      const blurred = resizeImage(aaron, 40, 40);
      const image = frame({ image: blurred, left: 120, top: 40, size: 400 });
      const { verdict } = await analyzeFrame(detector, image);
      assert.ok("reason" in verdict, "refused");
      assert.equal(verdict.reason, "blurry");
    });

    await t.step("a face looking up: pose", async () => {
      const up = await photo("Antonio_Elias_Saca", 1);
      const image = frame({ image: up, left: 120, top: 40, size: 400 });
      const { verdict } = await analyzeFrame(detector, image);
      assert.ok("reason" in verdict, "refused");
      assert.equal(verdict.reason, "pose");
      assert.ok(Math.abs(verdict.measured!) > 50, verdict.message);
    });

    await t.step("two people of similar size: multiple_faces", async () => {
      const image = frame(
        { image: aaron, left: 10, top: 90, size: 300 },
        { image: serena, left: 330, top: 90, size: 300 },
      );
      const { faces, verdict } = await analyzeFrame(detector, image);
      assert.equal(faces.length, 2);
      assert.ok("reason" in verdict, "refused");
      assert.equal(verdict.reason, "multiple_faces");
    });
  },
});
