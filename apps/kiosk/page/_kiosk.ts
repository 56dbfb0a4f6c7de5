/**
 * The kiosk's behaviour, apart from the DOM: from each analysed camera
 * frame it updates the guidance, and it sends the frames that pass the
 * gates to the server, paced and one at a time, to enrol a person from
 * several photos or to identify whoever stands there. The page renders
 * its {@linkcode KioskView}.
 *
 * @module
 */

import type { RgbImage } from "@facever/core";
import type { FrameAnalysis } from "./_analysis.ts";
import type { ChallengeStep } from "@facever/gallery";
import type { ChallengeResult, KioskApi } from "./_api.ts";
import { type Guidance, guidanceFor } from "./_guidance.ts";

/**
 * Frames the page films of each move of a liveness challenge, one every
 * {@linkcode CHALLENGE_FRAME_MS}: 1.4 s per move, time for a deliberate
 * blink or turn, and a blink's closed eyes are caught in a frame or two.
 *
 * @example
 * ```ts
 * import { CHALLENGE_FRAMES } from "./_kiosk.ts";
 * console.log(CHALLENGE_FRAMES); // 8
 * ```
 */
export const CHALLENGE_FRAMES = 8;

/**
 * Least time between two filmed frames of a challenge, in ms.
 *
 * @example
 * ```ts
 * import { CHALLENGE_FRAME_MS } from "./_kiosk.ts";
 * console.log(CHALLENGE_FRAME_MS); // 175
 * ```
 */
export const CHALLENGE_FRAME_MS = 175;

const SPOOF_GUIDANCE = guidanceFor({ reason: "spoof", message: "" });

/** What the page says for each move. */
const MOVES: Readonly<Record<ChallengeStep, string>> = {
  blink: "Blink",
  turn_left: "Turn your head to your left",
  turn_right: "Turn your head to your right",
};

/**
 * A liveness challenge under way or done.
 *
 * @example
 * ```ts
 * import type { ChallengeView } from "./_kiosk.ts";
 * const line = (c: ChallengeView) => c.state === "passed" ? "Live" : c.text;
 * console.log(typeof line);
 * ```
 */
export interface ChallengeView {
  readonly state: "filming" | "judging" | "passed" | "failed";
  /** The move to do now, or the verdict in words. */
  readonly text: string;
  /** Why it failed, as the server says (`reason`), when it did. */
  readonly reason?: string;
}

/**
 * Default {@linkcode KioskOptions.enrolFaces}: three views of a person, so
 * that one poor photo does not decide every later identification.
 *
 * @example
 * ```ts
 * import { ENROL_FACES } from "./_kiosk.ts";
 * console.log(ENROL_FACES); // 3
 * ```
 */
export const ENROL_FACES = 3;

/**
 * Options of a {@linkcode Kiosk}.
 *
 * @example
 * ```ts
 * import type { KioskOptions } from "./_kiosk.ts";
 * const patient: KioskOptions = { enrolFaces: 5, requestIntervalMs: 500 };
 * console.log(patient.enrolFaces);
 * ```
 */
export interface KioskOptions {
  /** Faces an enrolment keeps; default {@linkcode ENROL_FACES}. */
  readonly enrolFaces?: number;
  /**
   * Least time between two requests, in ms; default 250. The guidance runs
   * on every frame; the server needs far fewer, and each costs it a full
   * analysis and embedding.
   */
  readonly requestIntervalMs?: number;
  /** How long a name stays on screen after its frame, in ms; default 2000. */
  readonly identityTtlMs?: number;
  /** The clock, in ms; default `performance.now`. */
  readonly now?: () => number;
}

/**
 * An enrolment under way (or just finished).
 *
 * @example
 * ```ts
 * import type { EnrolmentView } from "./_kiosk.ts";
 * const progress = (e: EnrolmentView) => `${e.accepted} of ${e.target}`;
 * console.log(typeof progress);
 * ```
 */
export interface EnrolmentView {
  /** The subject's id: the name as typed, trimmed. */
  readonly name: string;
  /** Faces the server kept. */
  readonly accepted: number;
  readonly target: number;
  readonly done: boolean;
  /** The last word on it, e.g. "Turn your head a little". */
  readonly note: string;
}

/**
 * Who was last recognised, and from which face.
 *
 * @example
 * ```ts
 * import type { IdentityView } from "./_kiosk.ts";
 * const label = (i: IdentityView) => i.name ?? "unknown";
 * console.log(typeof label);
 * ```
 */
export interface IdentityView {
  /** The subject, or `null`: nobody enrolled reaches the threshold. */
  readonly name: string | null;
  readonly similarity: number | null;
  readonly threshold: number;
  /** The aligned 112×112 face of the frame that was identified. */
  readonly crop: RgbImage;
}

/**
 * What the page shows.
 *
 * @example
 * ```ts
 * import type { KioskView } from "./_kiosk.ts";
 * const headline = (view: KioskView) => view.identity?.name ?? view.guidance.text;
 * console.log(typeof headline);
 * ```
 */
export interface KioskView {
  /** `"enrol"` while an enrolment collects faces, else `"identify"`. */
  readonly mode: "identify" | "enrol";
  /** From the latest frame. */
  readonly guidance: Guidance;
  readonly enrolment?: EnrolmentView;
  readonly identity?: IdentityView;
  /** The liveness challenge, once one was started. */
  readonly challenge?: ChallengeView;
  /** The last failure, in words. */
  readonly error?: string;
}

interface Enrolment {
  readonly name: string;
  accepted: number;
  note: string;
}

interface Filming {
  readonly id: string;
  readonly steps: readonly ChallengeStep[];
  readonly frames: Promise<Blob>[];
  lastFrame: number;
}

/**
 * The kiosk's state machine. Feed it every analysed frame with
 * {@linkcode Kiosk.frame}; it calls `onChange` whenever its view changes.
 *
 * @example
 * ```ts
 * import { KioskApi } from "./_api.ts";
 * import { Kiosk } from "./_kiosk.ts";
 * const kiosk = new Kiosk(new KioskApi());
 * kiosk.frame(
 *   { width: 640, height: 480, faces: [], verdict: { reason: "no_face", message: "no face" } },
 *   () => Promise.resolve(new Blob()),
 * );
 * console.log(kiosk.view.guidance.text); // "Step in front of the camera"
 * ```
 */
export class Kiosk {
  /** Called after every change of {@linkcode Kiosk.view}. */
  onChange: (() => void) | undefined;

  readonly #api: KioskApi;
  readonly #target: number;
  readonly #interval: number;
  readonly #ttl: number;
  readonly #now: () => number;
  #guidance: Guidance = { tone: "waiting", text: "Starting the camera" };
  #enrolment: Enrolment | undefined;
  #identity: { readonly view: IdentityView; readonly at: number } | undefined;
  #error: string | undefined;
  #filming: Filming | undefined;
  /** When the server last found the face not live. */
  #spoofAt = -Infinity;
  #challenge: ChallengeView | undefined;
  #pending: Promise<void> | undefined;
  #lastRequest = -Infinity;

  /**
   * A kiosk talking to `api`.
   *
   * @throws {RangeError} For an option out of range.
   */
  constructor(api: KioskApi, options: KioskOptions = {}) {
    const {
      enrolFaces = ENROL_FACES,
      requestIntervalMs = 250,
      identityTtlMs = 2000,
      now = () => performance.now(),
    } = options;
    if (!(Number.isInteger(enrolFaces) && enrolFaces >= 1)) {
      throw new RangeError(
        `enrolFaces must be a whole number of at least 1, got ${enrolFaces}`,
      );
    }
    for (
      const [name, value] of Object.entries({
        requestIntervalMs,
        identityTtlMs,
      })
    ) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(
          `${name} must be a number of ms, at least 0, got ${value}`,
        );
      }
    }
    this.#api = api;
    this.#target = enrolFaces;
    this.#interval = requestIntervalMs;
    this.#ttl = identityTtlMs;
    this.#now = now;
  }

  /** What the page shows now. */
  get view(): KioskView {
    const identity = this.#identity &&
        this.#now() - this.#identity.at <= this.#ttl
      ? this.#identity.view
      : undefined;
    const enrolment = this.#enrolment && {
      name: this.#enrolment.name,
      accepted: this.#enrolment.accepted,
      target: this.#target,
      done: this.#enrolment.accepted >= this.#target,
      note: this.#enrolment.note,
    };
    return {
      mode: enrolment && !enrolment.done ? "enrol" : "identify",
      guidance: this.#guidance,
      ...(enrolment && { enrolment }),
      ...(identity && { identity }),
      ...(this.#challenge && { challenge: this.#challenge }),
      ...(this.#error !== undefined && { error: this.#error }),
    };
  }

  /**
   * Starts enrolling `name` (trimmed; the subject's id): creates the
   * subject, or adds to it when it exists. The next frames that pass the
   * gates are sent as its photos until the server has kept
   * {@linkcode KioskOptions.enrolFaces} of them.
   */
  async enrol(name: string): Promise<void> {
    const id = name.trim();
    if (id === "") {
      this.#error = "Type a name to enrol";
    } else {
      try {
        const created = await this.#api.createSubject(id);
        this.#enrolment = {
          name: id,
          accepted: 0,
          note: created ? `Enrolling ${id}` : `Adding faces to ${id}`,
        };
        this.#identity = undefined;
        this.#error = undefined;
      } catch (error) {
        this.#error = messageOf(error);
      }
    }
    this.#changed();
  }

  /**
   * Starts a liveness challenge: asks the server for the moves, then
   * films {@linkcode CHALLENGE_FRAMES} frames of each as the page says it,
   * and sends them; the view's `challenge` follows it. Enrolment and
   * identification wait meanwhile.
   */
  async startChallenge(): Promise<void> {
    if (this.#filming || this.#challenge?.state === "judging") return;
    try {
      const { id, steps } = await this.#api.challenge();
      this.#filming = { id, steps, frames: [], lastFrame: -Infinity };
      this.#challenge = { state: "filming", text: MOVES[steps[0]] };
      this.#error = undefined;
    } catch (error) {
      this.#error = messageOf(error);
    }
    this.#changed();
  }

  /**
   * Takes the analysis of a new frame: the guidance follows it at once;
   * when the frame passes the gates, no request is waiting and the last
   * one is old enough, `encode` is called at once (the frame must still be
   * the one analysed) and the image is sent to enrol or identify.
   */
  frame(analysis: FrameAnalysis, encode: () => Promise<Blob>): void {
    const { verdict } = analysis;
    const now = this.#now();
    // A face the passive check refused stays refused on screen for as
    // long as a name would stay.
    this.#guidance = "face" in verdict && now - this.#spoofAt <= this.#ttl
      ? SPOOF_GUIDANCE
      : guidanceFor(verdict);
    if (this.#filming) {
      this.#film(this.#filming, encode, now);
    } else if (
      "face" in verdict && this.#pending === undefined &&
      now - this.#lastRequest >= this.#interval
    ) {
      this.#lastRequest = now;
      const image = encode();
      const enrolment = this.#enrolment;
      const request = enrolment && enrolment.accepted < this.#target
        ? this.#enrolFace(enrolment, image)
        : this.#identify(image, verdict.face.aligned);
      this.#pending = request.finally(() => {
        this.#pending = undefined;
        this.#changed();
      });
    }
    this.#changed();
  }

  /** Resolves once no request is waiting for its answer. */
  async settled(): Promise<void> {
    while (this.#pending) await this.#pending;
  }

  /** Films the frame when it is time; sends the burst once complete. */
  #film(filming: Filming, encode: () => Promise<Blob>, now: number): void {
    if (now - filming.lastFrame >= CHALLENGE_FRAME_MS) {
      filming.lastFrame = now;
      filming.frames.push(encode());
    }
    const step = Math.floor(filming.frames.length / CHALLENGE_FRAMES);
    if (step < filming.steps.length) {
      this.#challenge = { state: "filming", text: MOVES[filming.steps[step]] };
    } else {
      this.#filming = undefined;
      this.#challenge = { state: "judging", text: "Checking" };
      this.#pending = this.#judge(filming).finally(() => {
        this.#pending = undefined;
        this.#changed();
      });
    }
    this.#guidance = { tone: "adjust", text: this.#challenge.text };
  }

  async #judge(filming: Filming): Promise<void> {
    try {
      const result = await this.#api.answer(
        filming.id,
        await Promise.all(filming.frames),
      );
      this.#challenge = verdictView(result);
      this.#error = undefined;
    } catch (error) {
      this.#challenge = { state: "failed", text: "Not checked" };
      this.#error = messageOf(error);
    }
  }

  async #enrolFace(enrolment: Enrolment, image: Promise<Blob>): Promise<void> {
    try {
      const outcome = await this.#api.enrolFace(enrolment.name, await image);
      if ("faceId" in outcome) {
        enrolment.accepted++;
        enrolment.note = enrolment.accepted >= this.#target
          ? `Enrolled ${enrolment.name}`
          : `Face ${enrolment.accepted} of ${this.#target} kept`;
      } else {
        enrolment.note = guidanceFor(outcome.refusal).text;
      }
      this.#error = undefined;
    } catch (error) {
      // A failure that is not a refusal (the subject deleted meanwhile, the
      // server gone) ends the enrolment: retrying would fail the same way.
      this.#enrolment = undefined;
      this.#error = messageOf(error);
    }
  }

  async #identify(image: Promise<Blob>, crop: RgbImage): Promise<void> {
    try {
      const identity = await this.#api.identify(await image);
      if (identity && !identity.live) {
        // A print or a screen, as far as the passive check can tell: no
        // name for it, and the guidance says why.
        this.#identity = undefined;
        this.#spoofAt = this.#now();
        this.#guidance = SPOOF_GUIDANCE;
      } else if (identity) {
        this.#spoofAt = -Infinity;
        this.#identity = {
          view: {
            name: identity.subjectId,
            similarity: identity.similarity,
            threshold: identity.threshold,
            crop,
          },
          at: this.#now(),
        };
      }
      this.#error = undefined;
    } catch (error) {
      this.#error = messageOf(error);
    }
  }

  #changed(): void {
    this.onChange?.();
  }
}

function verdictView(result: ChallengeResult): ChallengeView {
  return result.passed ? { state: "passed", text: "Live: every move seen" } : {
    state: "failed",
    text: `Not live: ${result.message ?? result.reason}`,
    reason: result.reason ?? undefined,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
