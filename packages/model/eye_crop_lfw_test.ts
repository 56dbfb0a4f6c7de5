import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, imageSource } from "@facever/core";
import { FaceDetector } from "@facever/model";
import { lfwImagePath, lfwRoot } from "@facever/testing";
import { LANDMARKER_WASM_URL } from "@facever/weights";
import { WasmModel } from "./_compiled.ts";
import { EYE_CROP } from "./_eye_crop.ts";
import {
  LANDMARK_INPUT_SIZE,
  landmarkRegion,
  writeLandmarkInput,
} from "./_landmarks68.ts";

const root = lfwRoot();

Deno.test({
  name: "EYE_CROP is the package's 68-point eye crop, in eye distances, on LFW",
  ignore: !root,
  fn: async () => {
    const detector = await FaceDetector.load({ backend: "wasm" });
    const landmarks68 = await WasmModel.load(LANDMARKER_WASM_URL);
    const list = await Deno.readTextFile(join(root!, "pairsDevTest.txt"));
    const people = [
      ...new Set(
        list.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]),
      ),
    ].slice(0, 60);
    const ratios: number[] = [];
    for (const name of people) {
      const image = await decodeImage(
        await Deno.readFile(lfwImagePath(root!, name, 1)),
      );
      const [face] = await detector.detectFaces(image, { maxFaces: 1 });
      const region = landmarkRegion(image, face.box);
      const input = new Float32Array(LANDMARK_INPUT_SIZE ** 2);
      writeLandmarkInput(imageSource(image), region, input, 0);
      const { output } = await landmarks68.run({
        input: {
          data: input,
          dims: [1, 1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE],
        },
      });
      const x = (i: number) => output.data[2 * i] * region.width;
      const [left, right] = face.landmarks;
      const distance = Math.hypot(right.x - left.x, right.y - left.y);
      // The package: 1.6 times the width between each eye's corners
      // (points 36-39 and 42-45 of the iBUG 68).
      ratios.push(1.6 * (x(39) - x(36)) / distance);
      ratios.push(1.6 * (x(45) - x(42)) / distance);
    }
    const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
    assert.ok(Math.abs(mean - EYE_CROP) < 0.02, `mean ${mean}`);
  },
});
