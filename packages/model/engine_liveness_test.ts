import assert from "node:assert/strict";
import { decodeImage } from "@facever/core";
import {
  DEFAULT_LIVENESS_THRESHOLD,
  EyeState,
  FaceEngine,
  FacePool,
  LivenessChecker,
} from "@facever/model";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
if (!root) console.log("skipping liveness in FaceEngine on real faces: no LFW");

Deno.test({
  name: "FaceEngine checks liveness only when asked, on the faces it embeds",
  ignore: !root,
  fn: async (t) => {
    const bytes = await Deno.readFile(lfwImagePath(root!, "Aaron_Peirsol", 1));
    const plain = await FaceEngine.create({ backend: "wasm" });
    const checking = await FaceEngine.create({
      backend: "wasm",
      liveness: true,
    });

    await t.step("off by default", async () => {
      assert.equal(plain.livenessThreshold, undefined);
      assert.equal((await plain.embedImage(bytes)).liveness, undefined);
    });

    await t.step("embedImage and analyze carry it when asked", async () => {
      assert.equal(checking.livenessThreshold, DEFAULT_LIVENESS_THRESHOLD);
      const face = await checking.embedImage(bytes);
      assert.ok(face.liveness);
      const image = await decodeImage(bytes);
      const checker = await LivenessChecker.load({ backend: "wasm" });
      assert.deepEqual([face.liveness], await checker.check(image, [face.box]));
      // The embedding is the plain engine's: liveness changes nothing else.
      assert.deepEqual(
        face.embedding,
        (await plain.embedImage(bytes)).embedding,
      );
      const { faces } = await checking.analyze(bytes, { embed: "central" });
      for (const f of faces) {
        assert.equal(f.liveness !== undefined, f.embedding !== undefined);
      }
      const none = await checking.analyze(bytes, { embed: "none" });
      assert.ok(none.faces.every((f) => f.liveness === undefined));
    });

    await t.step("its threshold decides live", async () => {
      const strict = await FaceEngine.create({
        backend: "wasm",
        liveness: { threshold: 1 },
      });
      const face = await strict.embedImage(bytes);
      assert.equal(face.liveness?.live, face.liveness?.score === 1);
    });

    await t.step("a call may ask for liveness and the eyes", async () => {
      const { faces: [face] } = await plain.analyze(bytes, {
        embed: "largest",
        liveness: true,
        eyes: true,
      });
      const image = await decodeImage(bytes);
      const checker = await LivenessChecker.load({ backend: "wasm" });
      assert.deepEqual([face.liveness], await checker.check(image, [face.box]));
      const eyes = await EyeState.load({ backend: "wasm" });
      assert.deepEqual(face.eyes, await eyes.openness(image, face.landmarks));
      // A call may also turn off the engine's own check.
      const { faces: [unchecked] } = await checking.analyze(bytes, {
        embed: "largest",
        liveness: false,
      });
      assert.equal(unchecked.liveness, undefined);
      assert.equal(unchecked.eyes, undefined);
    });

    await t.step("a FacePool does the same", async () => {
      await using pool = await FacePool.create({ workers: 1, liveness: true });
      assert.equal(pool.livenessThreshold, DEFAULT_LIVENESS_THRESHOLD);
      assert.deepEqual(
        await pool.embedImage(bytes.slice()),
        await checking.embedImage(bytes),
      );
      const options = { embed: "largest", eyes: true } as const;
      assert.deepEqual(
        await pool.analyze(bytes.slice(), options),
        await checking.analyze(bytes, options),
      );
    });
  },
});

Deno.test("liveness options of the wrong type or range are refused", async () => {
  await assert.rejects(
    () => FaceEngine.create({ liveness: "yes" as unknown as boolean }),
    TypeError,
  );
  await assert.rejects(
    () => FaceEngine.create({ liveness: { threshold: 2 } }),
    RangeError,
    "the liveness threshold must be a probability in [0, 1], got 2",
  );
});
