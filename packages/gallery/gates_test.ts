import assert from "node:assert/strict";
import {
  checkDuplicate,
  checkFaces,
  DEFAULT_GATES,
  type GatedFace,
} from "./mod.ts";

const face = (
  side: number,
  extra: Partial<GatedFace> & {
    sharpness?: number;
    yaw?: number;
    pitch?: number;
  } = {},
): GatedFace => ({
  box: { x: 0, y: 0, width: side, height: side * 1.2 },
  score: extra.score ?? 0.99,
  quality: {
    sharpness: extra.sharpness ?? 150,
    pose: { yaw: extra.yaw ?? 0, pitch: extra.pitch ?? 0, roll: 0 },
  },
  ...(extra.liveness && { liveness: extra.liveness }),
});

const reason = (faces: GatedFace[], gates = DEFAULT_GATES) => {
  const result = checkFaces(faces, gates);
  return "face" in result ? "enrol" : result.reason;
};

Deno.test("checkFaces refuses each kind of bad photo with its reason", () => {
  assert.equal(reason([]), "no_face");
  assert.equal(reason([face(100)]), "enrol");
  assert.equal(reason([face(59)]), "face_too_small");
  assert.equal(reason([face(100, { score: 0.8 })]), "low_score");
  assert.equal(reason([face(100, { sharpness: 19 })]), "blurry");
  assert.equal(reason([face(100, { yaw: -46 })]), "pose");
  assert.equal(reason([face(100, { pitch: 46 })]), "pose");
  assert.equal(reason([face(100, { yaw: 44, pitch: -44 })]), "enrol");
  const spoof = { score: 0.2, live: false };
  assert.equal(reason([face(100, { liveness: spoof })]), "spoof");
  assert.equal(
    reason([face(100, { liveness: { score: 0.9, live: true } })]),
    "enrol",
  );
});

Deno.test("a second face of similar size is a second person; a small one a bystander", () => {
  assert.equal(reason([face(100), face(75)]), "multiple_faces");
  assert.equal(reason([face(100), face(74)]), "enrol");
  assert.equal(
    reason([face(100), face(90)], { ...DEFAULT_GATES, face: "largest" }),
    "enrol",
  );
  // The largest face is chosen whatever the order given.
  const chosen = checkFaces([face(70), face(120)], {
    ...DEFAULT_GATES,
    face: "largest",
  });
  assert.ok("face" in chosen && chosen.face.box.width === 120);
});

Deno.test("without quality figures the sharpness and pose gates pass", () => {
  const plain: GatedFace = {
    box: { x: 0, y: 0, width: 90, height: 100 },
    score: 0.95,
  };
  assert.equal(reason([plain]), "enrol");
});

Deno.test("refusals say what was measured and the limit", () => {
  const result = checkFaces([face(40)], DEFAULT_GATES);
  assert.ok(!("face" in result));
  assert.equal(result.measured, 40);
  assert.equal(result.limit, 60);
  assert.match(result.message, /40 px.*60 px/);
});

Deno.test("checkDuplicate", () => {
  assert.equal(checkDuplicate(undefined, DEFAULT_GATES), undefined);
  assert.equal(checkDuplicate(0.95, DEFAULT_GATES), undefined);
  assert.equal(checkDuplicate(0.951, DEFAULT_GATES)?.reason, "duplicate");
  assert.equal(
    checkDuplicate(0.999, { ...DEFAULT_GATES, maxDuplicateSimilarity: 1 }),
    undefined,
  );
});
