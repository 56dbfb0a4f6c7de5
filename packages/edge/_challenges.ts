// The liveness challenges a server has issued, in Deno KV: each belongs to
// the tenant that asked for it, lives until it expires and is answered at
// most once. Several servers on one KV share them, so a challenge issued by
// one can be answered through another, and a second answer through either
// is refused.

import { type ChallengeStep, challengeSteps } from "@facever/gallery";
import { excerpt, FaceError } from "@facever/core";
import { ApiError } from "./errors.ts";

const ROOT = "facever_liveness_challenges";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * How long a used or expired challenge is remembered, so that a late or
 * second answer is told why it is refused; after that its id is unknown.
 */
const REMEMBER_MS = 10 * 60_000;

/** A challenge as stored. */
export interface Challenge {
  readonly id: string;
  readonly steps: readonly ChallengeStep[];
  /** Epoch ms. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly used: boolean;
}

/** The challenges of every tenant in one KV. */
export class Challenges {
  readonly #kv: Deno.Kv;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(kv: Deno.Kv, ttlMs: number, now: () => number = Date.now) {
    this.#kv = kv;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** A new challenge of `tenant`: every move, in random order. */
  async issue(tenant: string): Promise<Challenge> {
    const issuedAt = this.#now();
    const challenge: Challenge = {
      id: crypto.randomUUID(),
      steps: challengeSteps(),
      issuedAt,
      expiresAt: issuedAt + this.#ttlMs,
      used: false,
    };
    await this.#kv.set(key(tenant, challenge.id), challenge, {
      expireIn: this.#ttlMs + REMEMBER_MS,
    });
    return challenge;
  }

  /**
   * The open challenge `id` of `tenant`, not yet consumed: `not_found`
   * for an id the tenant never had (or long gone), `challenge_refused`
   * for one answered before or expired.
   */
  async open(
    tenant: string,
    id: string,
  ): Promise<{ challenge: Challenge; versionstamp: string }> {
    const unknown = () =>
      new FaceError(
        "not_found",
        `there is no liveness challenge ${JSON.stringify(excerpt(id))}`,
      );
    // Every id issued is a UUID; anything else was never one, and need not
    // fit in a KV key (whose reader throws past 2 KiB).
    if (!UUID.test(id)) throw unknown();
    const entry = await this.#kv.get<Challenge>(key(tenant, id));
    const challenge = entry.value;
    if (!challenge) throw unknown();
    if (challenge.used) throw refused("used");
    if (this.#now() > challenge.expiresAt) throw refused("expired");
    return { challenge, versionstamp: entry.versionstamp! };
  }

  /**
   * Marks the challenge answered, atomically: of two answers at once, one
   * consumes it and the other is refused as `used`.
   */
  async consume(
    tenant: string,
    opened: { challenge: Challenge; versionstamp: string },
  ): Promise<void> {
    const { challenge, versionstamp } = opened;
    const at = key(tenant, challenge.id);
    const result = await this.#kv.atomic()
      .check({ key: at, versionstamp })
      .set(at, { ...challenge, used: true }, { expireIn: REMEMBER_MS })
      .commit();
    if (!result.ok) throw refused("used");
  }
}

function key(tenant: string, id: string): Deno.KvKey {
  return [ROOT, tenant, id];
}

function refused(reason: "used" | "expired"): ApiError {
  return new ApiError(
    "challenge_refused",
    reason === "used"
      ? "this challenge was answered already; ask for a new one"
      : "this challenge has expired; ask for a new one",
    { reason },
  );
}
