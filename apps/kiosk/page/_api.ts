/**
 * The page's client of the kiosk's own `/v1` API: create a subject, enrol
 * a face from a frame, identify a frame. The page runs on the kiosk, so
 * its requests come from a loopback address and carry no key (the app's
 * `loopbackTenant`).
 *
 * @module
 */

import type { ChallengeStep, Refusal } from "@facever/gallery";

/**
 * How the client sends requests: `fetch` in the browser, `app.request` in
 * tests.
 *
 * @example
 * ```ts
 * import type { Fetch } from "./_api.ts";
 * const browser: Fetch = (url, init) => fetch(url, init);
 * console.log(typeof browser);
 * ```
 */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * An answer of the API other than the one expected: its status and the
 * code and message of its error envelope.
 *
 * @example
 * ```ts
 * import { ApiFailure } from "./_api.ts";
 * const failure = new ApiFailure(404, "not_found", "no subject \"ada\"");
 * console.log(failure.message); // no subject "ada"
 * ```
 */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  /** Creates the failure from the envelope's fields. */
  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
  ) {
    super(message);
    this.name = "ApiFailure";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * What an enrolment photo came to: a face kept, or the gate it failed.
 *
 * @example
 * ```ts
 * import type { EnrolOutcome } from "./_api.ts";
 * const kept = (outcome: EnrolOutcome) => "faceId" in outcome;
 * console.log(typeof kept);
 * ```
 */
export type EnrolOutcome =
  | { readonly faceId: string }
  | { readonly refusal: Refusal };

/**
 * Who the largest face of a frame is: a subject, or `null` (unknown), with
 * the similarity and the threshold it was decided with.
 *
 * @example
 * ```ts
 * import type { Identity } from "./_api.ts";
 * const stranger: Identity = { subjectId: null, similarity: null, threshold: 0.35 };
 * console.log(stranger.subjectId); // null
 * ```
 */
export interface Identity {
  readonly subjectId: string | null;
  readonly similarity: number | null;
  readonly threshold: number;
  /** Whether the face passed the passive liveness check. */
  readonly live: boolean;
}

/**
 * A liveness challenge from the server: the moves to film, in order.
 *
 * @example
 * ```ts
 * import type { Challenge } from "./_api.ts";
 * const challenge: Challenge = { id: "c1", steps: ["blink", "turn_left", "turn_right"] };
 * console.log(challenge.steps[0]);
 * ```
 */
export interface Challenge {
  readonly id: string;
  readonly steps: readonly ChallengeStep[];
}

/**
 * The server's verdict on a challenge's burst.
 *
 * @example
 * ```ts
 * import type { ChallengeResult } from "./_api.ts";
 * const failed: ChallengeResult = { passed: false, reason: "blink", message: "no blink seen" };
 * console.log(failed.reason);
 * ```
 */
export interface ChallengeResult {
  readonly passed: boolean;
  readonly reason: string | null;
  readonly message: string | null;
}

/**
 * The decision rule of identification: the calibrated point where 1 in
 * 1,000 impostor pairs matches. A kiosk that greets or admits people
 * should rather call someone unknown than by another's name; the
 * accuracy-maximising point lets 1 in 200 through.
 */
const IDENTIFY_QUERY = "faces=largest&far=far-1e-3";

/**
 * The calls the page makes, over any {@linkcode Fetch}.
 *
 * @example
 * ```ts
 * import { KioskApi } from "./_api.ts";
 * const api = new KioskApi(() => Promise.resolve(Response.json({}, { status: 201 })));
 * console.log(await api.createSubject("ada")); // true
 * ```
 */
export class KioskApi {
  readonly #fetch: Fetch;
  readonly #liveness: string;

  /**
   * A client sending through `fetcher` (default: the global `fetch`).
   * `liveness` (default `true`): the server runs the passive liveness
   * check on every enrolment photo and identified face, refusing a spoof
   * and reporting it; `false` where the check refuses too many people
   * (it is a deterrent, not proof).
   */
  constructor(
    fetcher: Fetch = (url, init) => fetch(url, init),
    options: { readonly liveness?: boolean } = {},
  ) {
    this.#fetch = fetcher;
    this.#liveness = `liveness=${options.liveness ?? true}`;
  }

  /**
   * Creates the subject `id`: `true`, or `false` when it already exists
   * (enrolling again adds faces to it).
   *
   * @throws {ApiFailure} When the API refuses the id or fails.
   */
  async createSubject(id: string): Promise<boolean> {
    const response = await this.#fetch("/v1/subjects", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id }),
    });
    if (response.status === 201) {
      // Read to the end: a cancelled body aborts the request in a browser.
      await response.arrayBuffer();
      return true;
    }
    const failure = await failureOf(response);
    if (failure.code === "already_exists") return false;
    throw failure;
  }

  /**
   * Enrols the largest face of `image` (an encoded frame) as a face of
   * subject `id`, through the server's gates and its passive liveness
   * check (refused as `spoof`).
   *
   * @throws {ApiFailure} For any answer but a kept face or a refusal.
   */
  async enrolFace(id: string, image: Blob): Promise<EnrolOutcome> {
    const response = await this.#fetch(
      `/v1/subjects/${encodeURIComponent(id)}/faces?${this.#liveness}`,
      { method: "POST", headers: { "content-type": image.type }, body: image },
    );
    if (response.status === 201) {
      const { faceId } = await response.json() as { faceId: string };
      return { faceId };
    }
    const failure = await failureOf(response);
    if (failure.code === "enrolment_refused") {
      return { refusal: failure.details as Refusal };
    }
    throw failure;
  }

  /**
   * Who the largest face of `image` is; `undefined` when the server finds
   * no face in it.
   *
   * @throws {ApiFailure} When the API refuses the image or fails.
   */
  async identify(image: Blob): Promise<Identity | undefined> {
    const query = `${IDENTIFY_QUERY}&${this.#liveness}`;
    const response = await this.#fetch(`/v1/identify?${query}`, {
      method: "POST",
      headers: { "content-type": image.type },
      body: image,
    });
    if (response.status !== 200) throw await failureOf(response);
    const { threshold, results } = await response.json() as {
      threshold: number;
      results: {
        subjectId: string | null;
        similarity: number | null;
        face: { liveness?: { live: boolean } };
      }[];
    };
    const [best] = results;
    return best && {
      subjectId: best.subjectId,
      similarity: best.similarity,
      threshold,
      live: best.face.liveness?.live ?? true,
    };
  }

  /**
   * A new liveness challenge.
   *
   * @throws {ApiFailure} When the API fails.
   */
  async challenge(): Promise<Challenge> {
    const response = await this.#fetch("/v1/liveness/challenges", {
      method: "POST",
    });
    if (response.status !== 201) throw await failureOf(response);
    const { id, steps } = await response.json() as Challenge;
    return { id, steps };
  }

  /**
   * Sends the burst of `frames` (each step's frames in turn) as the
   * answer to challenge `id`.
   *
   * @throws {ApiFailure} When the API refuses the answer or fails.
   */
  async answer(
    id: string,
    frames: readonly Blob[],
  ): Promise<ChallengeResult> {
    const form = new FormData();
    for (const frame of frames) form.append("frame", frame, "frame.jpg");
    const response = await this.#fetch(
      `/v1/liveness/challenges/${encodeURIComponent(id)}`,
      { method: "POST", body: form },
    );
    if (response.status !== 200) throw await failureOf(response);
    const { passed, reason, message } = await response
      .json() as ChallengeResult;
    return { passed, reason, message };
  }
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as {
      error: { code: string; message: string; details?: unknown };
    };
    return new ApiFailure(
      response.status,
      error.code,
      error.message,
      error.details,
    );
  } catch {
    // Not the API's envelope: a proxy, or the server going away.
    return new ApiFailure(
      response.status,
      "unexpected_answer",
      `HTTP ${response.status}: ${text.slice(0, 200)}`,
    );
  }
}
