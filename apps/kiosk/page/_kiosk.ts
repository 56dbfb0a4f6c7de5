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
import type { KioskApi } from "./_api.ts";
import { type Guidance, guidanceFor } from "./_guidance.ts";

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
  /** The last failure, in words. */
  readonly error?: string;
}

interface Enrolment {
  readonly name: string;
  accepted: number;
  note: string;
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
   * Takes the analysis of a new frame: the guidance follows it at once;
   * when the frame passes the gates, no request is waiting and the last
   * one is old enough, `encode` is called at once (the frame must still be
   * the one analysed) and the image is sent to enrol or identify.
   */
  frame(analysis: FrameAnalysis, encode: () => Promise<Blob>): void {
    const { verdict } = analysis;
    this.#guidance = guidanceFor(verdict);
    const now = this.#now();
    if (
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
      if (identity) {
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
