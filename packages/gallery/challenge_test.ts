import assert from "node:assert/strict";
import {
  CHALLENGE_LIMITS,
  CHALLENGE_STEPS,
  type ChallengeFace,
  type ChallengeStep,
  challengeSteps,
  type ChallengeTerms,
  judgeChallenge,
} from "./mod.ts";

/** One person's face: a fixed embedding, nudged a little per frame. */
function face(
  { yaw = 0, eyes = 0.98, live = 0.97, person = 0, side = 120, nudge = 0 } = {},
): ChallengeFace {
  const embedding = new Float32Array(8);
  embedding[person] = 1;
  embedding[7] = 0.05 * nudge;
  return {
    box: { x: 100, y: 80, width: side, height: side * 1.2 },
    score: 0.99,
    quality: { sharpness: 120, pose: { yaw, pitch: 0, roll: 0 } },
    embedding,
    eyes: { left: eyes, right: eyes },
    liveness: { score: live, live: live >= 0.5 },
  };
}

/** Four frames that do `step`, from and back to a frontal, open face. */
function doing(step: ChallengeStep): ChallengeFace[][] {
  switch (step) {
    case "blink":
      return [[face()], [face({ eyes: 0.02 })], [face()], [face()]];
    case "turn_left":
      return [[face()], [face({ yaw: 15 })], [face({ yaw: 32 })], [face()]];
    case "turn_right":
      return [[face()], [face({ yaw: -18 })], [face({ yaw: -35 })], [
        face(),
      ]];
  }
}

const TERMS: ChallengeTerms = {
  steps: ["turn_right", "blink", "turn_left"],
  elapsedMs: 4000,
  sameFace: 0.35,
};

const burst = (steps: readonly ChallengeStep[]) => steps.flatMap(doing);

Deno.test("judgeChallenge", async (t) => {
  await t.step("the moves asked, in order, pass", () => {
    const verdict = judgeChallenge(burst(TERMS.steps), TERMS);
    assert.equal(verdict.reason, null);
    assert.equal(verdict.passed, true);
    assert.deepEqual(verdict.steps.map((s) => [s.step, s.passed]), [
      ["turn_right", true],
      ["blink", true],
      ["turn_left", true],
    ]);
    assert.deepEqual(verdict.steps[0].evidence.window, [0, 3]);
    assert.deepEqual(verdict.steps[0].evidence.frames, [2]);
    assert.equal(verdict.steps[0].evidence.yaw, -35);
    assert.deepEqual(verdict.steps[1].evidence.frames, [4, 5, 6]);
    assert.equal(verdict.frames.length, 12);
  });

  await t.step("a still face fails at its first step", () => {
    const still = Array.from({ length: 12 }, () => [face()]);
    const verdict = judgeChallenge(still, TERMS);
    assert.equal(verdict.passed, false);
    assert.equal(verdict.reason, "turn_right");
    assert.ok(verdict.steps.every((step) => !step.passed));
    assert.match(verdict.message!, /no turn to the person's right/);
  });

  await t.step("the moves in another order fail", () => {
    const verdict = judgeChallenge(
      burst(["blink", "turn_left", "turn_right"]),
      TERMS,
    );
    assert.equal(verdict.passed, false);
    assert.equal(verdict.reason, "turn_right");
  });

  await t.step("a video that cycles through every move fails", () => {
    const cycle = [
      [face()],
      [face({ eyes: 0.01 })],
      [face()],
      [face({ yaw: 30 })],
      [face({ yaw: -30 })],
      [face()],
    ];
    const verdict = judgeChallenge([...cycle, ...cycle, ...cycle], {
      ...TERMS,
      steps: ["blink", "turn_left", "turn_right"],
    });
    assert.equal(verdict.passed, false);
    assert.ok(verdict.steps.every((step) => !step.passed));
    assert.equal(verdict.steps[1].evidence.opposite, 10);
    assert.match(verdict.message!, /does another move/);
  });

  await t.step("a blink needs the eyes open on both sides", () => {
    const shut = [[face()], [face({ eyes: 0.02 })], [face({ eyes: 0.03 })], [
      face({ eyes: 0.02 }),
    ]];
    const verdict = judgeChallenge(
      [...doing("turn_right"), ...shut, ...doing("turn_left")],
      TERMS,
    );
    assert.equal(verdict.reason, "blink");
    assert.equal(verdict.steps[1].evidence.closed, 0.02);
  });

  await t.step("a burst of the wrong size fails", () => {
    const { minFramesPerStep: min, maxFramesPerStep: max } = CHALLENGE_LIMITS;
    for (const count of [0, 3 * min - 3, 3 * min + 1, 3 * max + 3]) {
      const frames = Array.from({ length: count }, () => [face()]);
      assert.equal(judgeChallenge(frames, TERMS).reason, "frames", `${count}`);
    }
  });

  await t.step("an answer too soon fails", () => {
    const verdict = judgeChallenge(burst(TERMS.steps), {
      ...TERMS,
      elapsedMs: 3 * CHALLENGE_LIMITS.minMsPerStep - 1,
    });
    assert.equal(verdict.reason, "timing");
  });

  await t.step("every frame needs one usable face", () => {
    const frames = burst(TERMS.steps);
    frames[5] = [];
    assert.equal(judgeChallenge(frames, TERMS).reason, "face");
    frames[5] = [face(), face({ person: 1, side: 110 })];
    const verdict = judgeChallenge(frames, TERMS);
    assert.equal(verdict.reason, "face");
    assert.equal(verdict.frames[5].refusal, "multiple_faces");
    // A bystander far behind is no second person.
    frames[5] = [face({ eyes: 0.02 }), face({ person: 1, side: 40 })];
    assert.equal(judgeChallenge(frames, TERMS).passed, true);
    frames[5] = [face({ eyes: 0.02, side: 40 })];
    assert.equal(
      judgeChallenge(frames, TERMS).frames[5].refusal,
      "face_too_small",
    );
  });

  await t.step("one person throughout", () => {
    const frames = burst(TERMS.steps);
    frames[6] = [face({ person: 2 })];
    const verdict = judgeChallenge(frames, TERMS);
    assert.equal(verdict.reason, "identity");
    assert.equal(verdict.frames[6].similarity, 0);
    assert.match(verdict.message!, /frame 6 shows another person/);
  });

  await t.step("most frames must pass the passive check", () => {
    const frames = burst(TERMS.steps);
    frames[0] = [face({ live: 0.1 })];
    assert.equal(judgeChallenge(frames, TERMS).passed, true);
    const printed = frames.map(([f]) => [{
      ...f,
      liveness: { score: 0.1, live: false },
    }]);
    assert.equal(judgeChallenge(printed, TERMS).reason, "spoof");
  });

  await t.step("faces not analysed for a challenge are a TypeError", () => {
    const frames = burst(TERMS.steps);
    const { eyes: _, ...blind } = face();
    frames[0] = [blind];
    assert.throws(() => judgeChallenge(frames, TERMS), TypeError);
  });
});

Deno.test("challengeSteps: every move once, in any order", () => {
  const seen = new Set<string>();
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 200; i++) {
    const steps = challengeSteps(random);
    assert.deepEqual([...steps].sort(), [...CHALLENGE_STEPS].sort());
    seen.add(steps.join());
  }
  assert.equal(seen.size, 6);
});
