/**
 * The words on the screen: what the person in front of the camera should
 * do, from the gates' verdict on the frame (or the server's refusal of an
 * enrolment photo).
 *
 * @module
 */

import type { Refusal, RefusalReason } from "@facever/gallery";

/**
 * How the guidance is shown: `"good"` (the frame passes every gate),
 * `"adjust"` (a face is there, but something must change) or `"waiting"`
 * (nobody in front of the camera).
 *
 * @example
 * ```ts
 * import type { Tone } from "./_guidance.ts";
 * const tones: Tone[] = ["good", "adjust", "waiting"];
 * console.log(tones.length); // 3
 * ```
 */
export type Tone = "good" | "adjust" | "waiting";

/**
 * One line of guidance and why.
 *
 * @example
 * ```ts
 * import type { Guidance } from "./_guidance.ts";
 * const closer: Guidance = { tone: "adjust", text: "Come closer", reason: "face_too_small" };
 * console.log(closer.text);
 * ```
 */
export interface Guidance {
  readonly tone: Tone;
  readonly text: string;
  /** The gate that failed, if one did. */
  readonly reason?: RefusalReason;
}

/** An instruction a person can follow for each gate, not the measurement. */
const INSTRUCTIONS: Readonly<Record<RefusalReason, string>> = {
  no_face: "Step in front of the camera",
  multiple_faces: "One person at a time",
  face_too_small: "Come closer",
  // A doubtful face is mostly a turned, hidden or badly lit one.
  low_score: "Face the camera",
  blurry: "Hold still",
  pose: "Face the camera",
  // The passive check found a print or a screen, as far as it can tell.
  spoof: "Show your own face, not a photo or a screen",
  duplicate: "Turn your head a little",
};

/**
 * The guidance for a verdict of the gates: a face that passes, or a
 * refusal.
 *
 * @example
 * ```ts
 * import { guidanceFor } from "./_guidance.ts";
 * console.log(guidanceFor({ reason: "blurry", message: "…" }).text); // "Hold still"
 * ```
 */
export function guidanceFor(
  verdict: { readonly face: unknown } | Refusal,
): Guidance {
  if ("face" in verdict) return { tone: "good", text: "Good, stay there" };
  const { reason } = verdict;
  return {
    tone: reason === "no_face" ? "waiting" : "adjust",
    text: INSTRUCTIONS[reason],
    reason,
  };
}
