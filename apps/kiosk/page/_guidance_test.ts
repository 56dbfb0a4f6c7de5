import assert from "node:assert/strict";
import type { RefusalReason } from "@facever/gallery";
import { guidanceFor } from "./_guidance.ts";

Deno.test("guidance from the gates' verdict", async (t) => {
  const refused = (reason: RefusalReason) =>
    guidanceFor({ reason, message: "measured" });

  await t.step("a face that passes is good", () => {
    assert.deepEqual(guidanceFor({ face: {} }), {
      tone: "good",
      text: "Good, stay there",
    });
  });

  await t.step("each refusal asks for what fixes it", () => {
    assert.equal(refused("face_too_small").text, "Come closer");
    assert.equal(refused("blurry").text, "Hold still");
    assert.equal(refused("pose").text, "Face the camera");
    assert.equal(refused("low_score").text, "Face the camera");
    assert.equal(refused("multiple_faces").text, "One person at a time");
    assert.equal(refused("duplicate").text, "Turn your head a little");
    assert.equal(refused("pose").reason, "pose");
  });

  await t.step("nobody there is waiting, a face to adjust is not", () => {
    assert.equal(refused("no_face").tone, "waiting");
    assert.equal(refused("no_face").text, "Step in front of the camera");
    for (
      const reason of [
        "multiple_faces",
        "face_too_small",
        "low_score",
        "blurry",
        "pose",
        "duplicate",
      ] as const
    ) {
      assert.equal(refused(reason).tone, "adjust", reason);
    }
  });
});
