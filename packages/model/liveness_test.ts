import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage, type RgbImage } from "@facever/core";
import {
  DEFAULT_LIVENESS_THRESHOLD,
  FaceDetector,
  LivenessChecker,
} from "@facever/model";
import { lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
const samples = fileURLToPath(
  new URL("../../../shared/datasets/spoof-samples/", import.meta.url),
);
const hasSamples = (() => {
  try {
    return Deno.statSync(join(samples, "README.md")).isFile;
  } catch {
    return false;
  }
})();
if (!root) console.log("skipping liveness tests on LFW: LFW not found");
if (!hasSamples) {
  console.log(
    `skipping liveness tests on the spoof samples: ${samples} not found`,
  );
}

/** The largest face's box, as the engine would use it. */
async function largest(detector: FaceDetector, image: RgbImage) {
  const [face] = await detector.detectFaces(image, { maxFaces: 1 });
  assert.ok(face, "a face is found");
  return face.box;
}

Deno.test({
  name: "LFW photos, bona fide presentations, score live",
  ignore: !root,
  fn: async () => {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const checker = await LivenessChecker.load({ backend: "wasm" });
    const people = [
      "Aaron_Peirsol",
      "Serena_Williams",
      "George_W_Bush",
      "Colin_Powell",
      "Tony_Blair",
      "Gloria_Macapagal_Arroyo",
      "Jennifer_Aniston",
      "Vladimir_Putin",
    ];
    let live = 0;
    for (const name of people) {
      const image = await decodeImage(
        await Deno.readFile(lfwImagePath(root!, name, 1)),
      );
      const [verdict] = await checker.check(image, [
        await largest(detector, image),
      ]);
      assert.ok(verdict.score >= 0 && verdict.score <= 1);
      assert.equal(verdict.live, verdict.score >= checker.threshold);
      if (verdict.live) live++;
    }
    // About 5 % of LFW photos are refused at the default threshold.
    assert.ok(live >= people.length - 2, `${live} of ${people.length} live`);
  },
});

Deno.test({
  name: "the spoof samples: prints and screens score low, live people high",
  ignore: !hasSamples,
  fn: async () => {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const checker = await LivenessChecker.load({ backend: "wasm" });
    const score = async (file: string) => {
      const image = await decodeImage(await Deno.readFile(join(samples, file)));
      const [verdict] = await checker.check(image, [
        await largest(detector, image),
      ]);
      return verdict.score;
    };
    // fake_001 (a close-up replay) passes as live: a known miss, in the
    // README's smoke-test table.
    for (
      const file of [
        "minivision/image_F1.jpg",
        "minivision/image_F2.jpg",
        "vietmoney/fake_002.jpg",
        "vietmoney/fake_003.jpg",
      ]
    ) {
      const value = await score(file);
      assert.ok(value < 0.05, `${file}: ${value}`);
    }
    for (
      const file of [
        "minivision/image_T1.jpg",
        "vietmoney/true_001.jpg",
        "vietmoney/true_002.jpg",
        "vietmoney/true_003.png",
      ]
    ) {
      const value = await score(file);
      assert.ok(value > 0.9, `${file}: ${value}`);
    }
  },
});

Deno.test({
  name: "the compiled net and onnxruntime-node give the same scores",
  ignore: !root,
  permissions: { ffi: true, read: true, env: true },
  fn: async () => {
    const image = await decodeImage(
      await Deno.readFile(lfwImagePath(root!, "Aaron_Peirsol", 1)),
    );
    const detector = await FaceDetector.load({ backend: "wasm" });
    const box = await largest(detector, image);
    const boxes = [box, { ...box, x: box.x + 9, width: box.width * 0.8 }];
    const wasm = await LivenessChecker.load({ backend: "wasm" });
    const native = await LivenessChecker.load({ backend: "native" });
    const [a, b] = [
      await wasm.check(image, boxes),
      await native.check(image, boxes),
    ];
    a.forEach((verdict, i) =>
      assert.ok(Math.abs(verdict.score - b[i].score) < 1e-4)
    );
  },
});

Deno.test("a threshold outside [0, 1] is refused", async () => {
  for (const threshold of [-0.1, 1.5, NaN]) {
    await assert.rejects(
      () => LivenessChecker.load({ threshold }),
      RangeError,
    );
  }
  const checker = await LivenessChecker.load();
  assert.equal(checker.threshold, DEFAULT_LIVENESS_THRESHOLD);
  assert.deepEqual(
    await checker.check({ width: 1, height: 1, data: new Uint8Array(3) }, []),
    [],
  );
});
