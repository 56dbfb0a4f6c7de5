/**
 * The judge of an active liveness challenge: a short burst of camera
 * frames in which the person does what the server asked, in the order it
 * asked (blink, turn the head left, turn it right). The burst is split into
 * one equal window of frames per step; each step must be seen in its own
 * window, and the opposite of it must not (a video that cycles through
 * every move fails). Every frame must hold one usable face, the same person
 * throughout, mostly passing the passive liveness check.
 *
 * It raises the cost of an attack; it does not make one impossible: a
 * still photo, a photo moved, zoomed or turned in front of the camera and
 * a video of a still photo fail (a flat photo turned about its vertical
 * axis keeps the landmarks' ratios, so the pose does not change), but a
 * slideshow or video of the real person doing the moves, in the asked
 * order, passes.
 *
 * @module
 */

import { cosineSimilarity, type Pose } from "@facever/core";
import { checkFaces, DEFAULT_GATES, type EnrolmentGates } from "./gates.ts";
import type { GatedFace, RefusalReason } from "./gates.ts";

/**
 * Every move a challenge can ask for: `turn_left` is the person's own
 * left, which a camera facing them sees as the nose pointing to the
 * image's right (a positive yaw).
 *
 * @example
 * ```ts
 * import { CHALLENGE_STEPS } from "@facever/gallery";
 * console.log(CHALLENGE_STEPS); // ["blink", "turn_left", "turn_right"]
 * ```
 */
export const CHALLENGE_STEPS = ["blink", "turn_left", "turn_right"] as const;

/**
 * One move of a challenge.
 *
 * @example
 * ```ts
 * import type { ChallengeStep } from "@facever/gallery";
 * const step: ChallengeStep = "blink";
 * console.log(step);
 * ```
 */
export type ChallengeStep = typeof CHALLENGE_STEPS[number];

/**
 * The limits a burst must keep, with the measured reasons in their
 * comments.
 *
 * @example
 * ```ts
 * import { CHALLENGE_LIMITS } from "@facever/gallery";
 * console.log(CHALLENGE_LIMITS.minFramesPerStep, CHALLENGE_LIMITS.maxFramesPerStep); // 3 12
 * ```
 */
export const CHALLENGE_LIMITS = Object.freeze({
  /** A blink needs an open, a closed and an open frame. */
  minFramesPerStep: 3,
  /** 12 frames of 640×480 JPEG are about half a megabyte per step. */
  maxFramesPerStep: 12,
  /**
   * Least time from the challenge to its answer, per step, in ms: a
   * deliberate blink or turn takes a person at least this long, and an
   * answer sooner was not filmed after the challenge was issued.
   */
  minMsPerStep: 400,
  /**
   * Yaw, in degrees, that counts as a turn: people asked to turn reach
   * 25–45°; on George W. Bush's 530 LFW photos 94 % are within 20° of
   * frontal (`estimatePose` is good to about ten degrees there).
   */
  turnYaw: 20,
  /**
   * An eye is open at or above this openness (the eye net's probability,
   * the more open eye of the two): the median LFW face scores 0.99.
   */
  openEyes: 0.7,
  /**
   * Both eyes are closed at or below this: 15 of George W. Bush's 530 LFW
   * photos, all with the eyes shut or nearly, score under 0.2.
   */
  closedEyes: 0.25,
});

/**
 * What the judge needs of each face of a frame: the gates' figures, the
 * embedding, the eyes' openness and the passive liveness check, as
 * `FaceEngine.analyze` gives them with `{ embed: "largest", liveness:
 * true, eyes: true }`.
 *
 * @example
 * ```ts
 * import type { ChallengeFace } from "@facever/gallery";
 * const embedded = (face: ChallengeFace) => face.embedding !== undefined;
 * console.log(typeof embedded);
 * ```
 */
export interface ChallengeFace extends GatedFace {
  readonly quality: { readonly sharpness: number; readonly pose: Pose };
  readonly embedding?: ArrayLike<number>;
  readonly eyes?: { readonly left: number; readonly right: number };
}

/**
 * Why a challenge failed: the burst's size or timing, a frame without one
 * usable face, faces of more than one person, the passive check, or the
 * first step not seen in its window.
 *
 * @example
 * ```ts
 * import type { ChallengeFailure } from "@facever/gallery";
 * const retry: ChallengeFailure[] = ["blink", "turn_left", "face"];
 * console.log(retry.length);
 * ```
 */
export type ChallengeFailure =
  | "frames"
  | "timing"
  | "face"
  | "identity"
  | "spoof"
  | ChallengeStep;

/**
 * What was measured of one frame; `null`s where the frame had no usable
 * face.
 *
 * @example
 * ```ts
 * import type { ChallengeFrameEvidence } from "@facever/gallery";
 * const frame: ChallengeFrameEvidence = {
 *   refusal: null, yaw: 3.2, eyes: 0.98, liveness: 0.97, similarity: 1,
 * };
 * console.log(frame.yaw);
 * ```
 */
export interface ChallengeFrameEvidence {
  /** Why the frame has no usable face (the gates' reason), or `null`. */
  readonly refusal: RefusalReason | null;
  /** Degrees, positive: turned to the person's left. */
  readonly yaw: number | null;
  /** The more open eye's openness, 0 to 1. */
  readonly eyes: number | null;
  /** The passive liveness score, 0 to 1. */
  readonly liveness: number | null;
  /** Cosine similarity with the burst's most frontal face. */
  readonly similarity: number | null;
}

/**
 * The verdict on one step, with the frames (indices into the burst) that
 * showed it, or what came closest.
 *
 * @example
 * ```ts
 * import type { StepVerdict } from "@facever/gallery";
 * const turned: StepVerdict = {
 *   step: "turn_left", passed: true,
 *   evidence: { window: [5, 9], frames: [7], yaw: 31.5, limit: 20 },
 * };
 * console.log(turned.passed);
 * ```
 */
export interface StepVerdict {
  readonly step: ChallengeStep;
  readonly passed: boolean;
  readonly evidence: {
    /** The step's window of frames, first and last index. */
    readonly window: readonly [number, number];
    /**
     * A blink: the open, closed and open frames; a turn: the most turned
     * frame. Empty when the window has no usable face.
     */
    readonly frames: readonly number[];
    /** A turn: the most turned yaw in the asked direction, in degrees. */
    readonly yaw?: number;
    /** A blink: the least openness in the window. */
    readonly closed?: number;
    /** A blink: the most openness before and after the closed frame. */
    readonly open?: readonly [number, number];
    /** The yaw a turn needs, or the openness a blink needs. */
    readonly limit?: number;
    /** A frame of the window doing the opposite (turned the other way). */
    readonly opposite?: number;
  };
}

/**
 * The judge's answer.
 *
 * @example
 * ```ts
 * import type { ChallengeVerdict } from "@facever/gallery";
 * const why = (v: ChallengeVerdict) => v.passed ? "live" : v.reason;
 * console.log(typeof why);
 * ```
 */
export interface ChallengeVerdict {
  readonly passed: boolean;
  /** The first reason it failed, or `null` when it passed. */
  readonly reason: ChallengeFailure | null;
  /** Words for the reason, or `null`. */
  readonly message: string | null;
  readonly steps: readonly StepVerdict[];
  readonly frames: readonly ChallengeFrameEvidence[];
}

/**
 * What a burst is judged against: the steps asked, in order, and how long
 * the answer took; the similarity at which two faces are one person.
 */
export interface ChallengeTerms {
  readonly steps: readonly ChallengeStep[];
  /** Time from issuing the challenge to receiving the answer, in ms. */
  readonly elapsedMs: number;
  /**
   * Least cosine similarity of every face with the most frontal one, e.g.
   * the `"far-1e-3"` operating point.
   */
  readonly sameFace: number;
}

/**
 * The gates each frame's face must pass: one person (a second face of
 * similar size fails it), of enrolment size and detector score; any pose
 * and sharpness, since the person is moving.
 */
const FRAME_GATES: EnrolmentGates = {
  ...DEFAULT_GATES,
  face: "only",
  minSharpness: 0,
  maxYaw: 180,
  maxPitch: 180,
};

/**
 * The steps of a new challenge: every move, in random order.
 *
 * @example
 * ```ts
 * import { challengeSteps } from "@facever/gallery";
 * console.log(challengeSteps().length); // 3
 * ```
 */
export function challengeSteps(
  random: () => number = Math.random,
): ChallengeStep[] {
  const steps: ChallengeStep[] = [...CHALLENGE_STEPS];
  for (let i = steps.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [steps[i], steps[j]] = [steps[j], steps[i]];
  }
  return steps;
}

/**
 * Whether `frames` (the faces found in each frame of the burst, in order)
 * answer the challenge `terms`.
 *
 * @throws {TypeError} When a face lacks its embedding, eyes or liveness
 * (the frames were not analysed as {@linkcode ChallengeFace} says).
 *
 * @example
 * ```ts
 * import { judgeChallenge } from "@facever/gallery";
 * const verdict = judgeChallenge([[], [], []], {
 *   steps: ["blink"], elapsedMs: 5000, sameFace: 0.35,
 * });
 * console.log(verdict.passed, verdict.reason); // false "face"
 * ```
 */
export function judgeChallenge(
  frames: readonly (readonly ChallengeFace[])[],
  terms: ChallengeTerms,
): ChallengeVerdict {
  const { steps } = terms;
  const perStep = frames.length / Math.max(steps.length, 1);
  // The passive check is judged over the burst, not frame by frame: one
  // doubtful frame does not fail a person.
  const chosen = frames.map((faces) =>
    checkFaces(faces.map(({ liveness: _, ...face }) => face), FRAME_GATES)
  );
  const faces = chosen.map((c, i) =>
    "face" in c ? frames[i].find((face) => face.box === c.face.box) : undefined
  );
  for (const face of faces) {
    if (face && !(face.embedding && face.eyes && face.liveness)) {
      throw new TypeError(
        "each face of a challenge needs its embedding, eyes and liveness",
      );
    }
  }
  const reference = mostFrontal(faces);
  const evidence = chosen.map((c, i): ChallengeFrameEvidence => {
    const face = faces[i];
    return {
      refusal: "face" in c ? null : c.reason,
      yaw: face ? face.quality.pose.yaw : null,
      eyes: face ? openness(face) : null,
      liveness: face ? face.liveness!.score : null,
      similarity: face && reference
        ? cosineSimilarity(face.embedding!, reference.embedding!)
        : null,
    };
  });
  const span = Math.floor(perStep);
  const windows = steps.map((step, k): StepVerdict =>
    judgeStep(step, [k * span, (k + 1) * span - 1], evidence)
  );
  const fail = (reason: ChallengeFailure, message: string) => ({
    passed: false,
    reason,
    message,
    steps: windows,
    frames: evidence,
  });
  if (
    !Number.isInteger(perStep) ||
    perStep < CHALLENGE_LIMITS.minFramesPerStep ||
    perStep > CHALLENGE_LIMITS.maxFramesPerStep
  ) {
    return fail(
      "frames",
      `send ${CHALLENGE_LIMITS.minFramesPerStep} to ${CHALLENGE_LIMITS.maxFramesPerStep} frames for each of the ${steps.length} steps, the same number for each; got ${frames.length}`,
    );
  }
  const minMs = CHALLENGE_LIMITS.minMsPerStep * steps.length;
  if (terms.elapsedMs < minMs) {
    return fail(
      "timing",
      `answered ${
        Math.round(terms.elapsedMs)
      } ms after the challenge; the moves take at least ${minMs} ms`,
    );
  }
  const bad = evidence.findIndex((frame) => frame.refusal !== null);
  if (bad !== -1) {
    return fail(
      "face",
      `frame ${bad} has no usable face (${evidence[bad].refusal})`,
    );
  }
  const stranger = evidence.findIndex((frame) =>
    frame.similarity! < terms.sameFace
  );
  if (stranger !== -1) {
    return fail(
      "identity",
      `frame ${stranger} shows another person (similarity ${
        evidence[stranger].similarity!.toFixed(3)
      } with the most frontal face, at least ${terms.sameFace})`,
    );
  }
  const live = faces.filter((face) => face!.liveness!.live).length;
  if (2 * live < faces.length) {
    return fail(
      "spoof",
      `${
        faces.length - live
      } of ${faces.length} frames failed the passive liveness check`,
    );
  }
  const missed = windows.find((verdict) => !verdict.passed);
  if (missed) return fail(missed.step, stepMessage(missed));
  return {
    passed: true,
    reason: null,
    message: null,
    steps: windows,
    frames: evidence,
  };
}

function openness(face: ChallengeFace): number {
  return Math.max(face.eyes!.left, face.eyes!.right);
}

function mostFrontal(
  faces: readonly (ChallengeFace | undefined)[],
): ChallengeFace | undefined {
  let best: ChallengeFace | undefined;
  for (const face of faces) {
    if (
      face &&
      (!best ||
        Math.abs(face.quality.pose.yaw) < Math.abs(best.quality.pose.yaw))
    ) best = face;
  }
  return best;
}

function judgeStep(
  step: ChallengeStep,
  window: [number, number],
  frames: readonly ChallengeFrameEvidence[],
): StepVerdict {
  const [first, last] = window;
  const inside: number[] = [];
  for (let i = Math.max(first, 0); i <= last && i < frames.length; i++) {
    if (frames[i].yaw !== null) inside.push(i);
  }
  const yaw = (i: number) => frames[i].yaw!;
  const { turnYaw } = CHALLENGE_LIMITS;
  if (step === "blink") {
    // Turning is not blinking: a video cycling through the moves fails.
    const opposite = inside.find((i) => Math.abs(yaw(i)) >= turnYaw);
    const blink = findBlink(inside, frames);
    return {
      step,
      passed: blink.frames.length === 3 && opposite === undefined,
      evidence: {
        window,
        ...blink,
        limit: CHALLENGE_LIMITS.closedEyes,
        ...(opposite !== undefined && { opposite }),
      },
    };
  }
  const sign = step === "turn_left" ? 1 : -1;
  const most = inside.reduce<number | undefined>(
    (best, i) =>
      best === undefined || sign * yaw(i) > sign * yaw(best) ? i : best,
    undefined,
  );
  const opposite = inside.find((i) => -sign * yaw(i) >= turnYaw);
  return {
    step,
    passed: most !== undefined && sign * yaw(most) >= turnYaw &&
      opposite === undefined,
    evidence: {
      window,
      frames: most === undefined ? [] : [most],
      ...(most !== undefined && { yaw: yaw(most) }),
      limit: sign * turnYaw,
      ...(opposite !== undefined && { opposite }),
    },
  };
}

/**
 * The open, closed and open frames of a blink in `inside` (indices in
 * order), or, without one, the most closed frame's openness.
 */
function findBlink(
  inside: readonly number[],
  frames: readonly ChallengeFrameEvidence[],
): { frames: number[]; closed?: number; open?: [number, number] } {
  const eyes = (i: number) => frames[i].eyes!;
  if (inside.length === 0) return { frames: [] };
  // The most closed frame with the most open frame on each side of it.
  let best: { frames: number[]; closed: number; open?: [number, number] } = {
    frames: [],
    closed: Math.min(...inside.map(eyes)),
  };
  for (let c = 1; c < inside.length - 1; c++) {
    const closed = eyes(inside[c]);
    if (closed > CHALLENGE_LIMITS.closedEyes) continue;
    const before = inside.slice(0, c).reduce((a, b) =>
      eyes(b) > eyes(a) ? b : a
    );
    const after = inside.slice(c + 1).reduce((a, b) =>
      eyes(b) > eyes(a) ? b : a
    );
    const open: [number, number] = [eyes(before), eyes(after)];
    if (Math.min(...open) >= CHALLENGE_LIMITS.openEyes) {
      return { frames: [before, inside[c], after], closed, open };
    }
    if (closed <= best.closed) best = { frames: [], closed, open };
  }
  return best;
}

function stepMessage(verdict: StepVerdict): string {
  const { step, evidence } = verdict;
  if (evidence.frames.length === 0 && evidence.closed === undefined) {
    return `no face in the frames of "${step}"`;
  }
  if (evidence.opposite !== undefined) {
    return `frame ${evidence.opposite} of "${step}" does another move`;
  }
  if (step === "blink") {
    return `no blink seen: the eyes were never shut (least openness ${
      evidence.closed?.toFixed(2)
    }, at most ${CHALLENGE_LIMITS.closedEyes}) between two open frames`;
  }
  return `no turn to the person's ${
    step === "turn_left" ? "left" : "right"
  } seen (yaw ${evidence.yaw?.toFixed(1)}°, needs ${evidence.limit}°)`;
}
