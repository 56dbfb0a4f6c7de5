// The cool-down: one person standing in front of the camera is one event,
// not one per frame. Each person in view is a presence, kept while they are
// seen again within the cool-down; a face belongs to a presence of its
// subject, or to one whose last face it resembles (so an unknown person,
// and a known one whose similarity dips under the threshold for a frame,
// stay one presence). A recognised person is reported at once; an unknown
// one once seen in two frames, so that one bad frame of a known person is
// not reported as a stranger. A presence first unknown and then recognised
// is reported again, as recognised: that is news.

import { cosineSimilarity } from "@facever/core";

/** One face in one frame, after the gallery was asked who it is. */
export interface Sighting {
  readonly embedding: ArrayLike<number>;
  /** The subject it was recognised as, or `null` for nobody. */
  readonly subjectId: string | null;
}

/** Frames an unknown face must be seen in before it is reported. */
export const UNKNOWN_FRAMES = 2;

interface Presence {
  subjectId: string | null;
  embedding: ArrayLike<number>;
  lastSeen: number;
  sightings: number;
  reported: boolean;
}

/**
 * The people in view, and which sightings are news.
 *
 * @example
 * ```ts
 * import { Presences } from "./_presence.ts";
 * const presences = new Presences({ cooldownMs: 10_000, sameFace: 0.282 });
 * const ada = { embedding: [1, 0], subjectId: "ada" };
 * console.log(presences.observe([ada], 0).length); // 1
 * console.log(presences.observe([ada], 500).length); // 0: still Ada
 * console.log(presences.observe([ada], 20_000).length); // 1: back later
 * ```
 */
export class Presences {
  readonly #cooldownMs: number;
  readonly #sameFace: number;
  #presences: Presence[] = [];

  /**
   * `cooldownMs`: how long a person may be out of sight and still be the
   * same presence. `sameFace`: the cosine similarity at which two faces
   * are taken for one person.
   */
  constructor(options: { cooldownMs: number; sameFace: number }) {
    this.#cooldownMs = options.cooldownMs;
    this.#sameFace = options.sameFace;
  }

  /**
   * Takes the sightings of one frame seen at `now` (milliseconds) and
   * returns those to report, in the same order.
   */
  observe<T extends Sighting>(sightings: readonly T[], now: number): T[] {
    this.#presences = this.#presences.filter(
      (presence) => now - presence.lastSeen <= this.#cooldownMs,
    );
    const news: T[] = [];
    const claimed = new Set<Presence>();
    for (const sighting of sightings) {
      const presence = this.#match(sighting, claimed);
      if (!presence) {
        const fresh: Presence = {
          subjectId: sighting.subjectId,
          embedding: sighting.embedding,
          lastSeen: now,
          sightings: 1,
          reported: sighting.subjectId !== null,
        };
        this.#presences.push(fresh);
        claimed.add(fresh);
        if (fresh.reported) news.push(sighting);
        continue;
      }
      claimed.add(presence);
      presence.lastSeen = now;
      presence.embedding = sighting.embedding;
      presence.sightings++;
      if (sighting.subjectId !== null && presence.subjectId === null) {
        presence.subjectId = sighting.subjectId;
        presence.reported = true;
        news.push(sighting);
      } else if (!presence.reported && presence.sightings >= UNKNOWN_FRAMES) {
        presence.reported = true;
        news.push(sighting);
      }
    }
    return news;
  }

  /** The presence `sighting` continues, if any; one per face per frame. */
  #match(sighting: Sighting, claimed: Set<Presence>): Presence | undefined {
    const open = this.#presences.filter((presence) => !claimed.has(presence));
    if (sighting.subjectId !== null) {
      const same = open.find((p) => p.subjectId === sighting.subjectId);
      if (same) return same;
    }
    let best: Presence | undefined;
    let bestSimilarity = this.#sameFace;
    for (const presence of open) {
      // A face recognised as someone does not join another's presence.
      if (
        sighting.subjectId !== null && presence.subjectId !== null
      ) continue;
      const similarity = cosineSimilarity(
        sighting.embedding,
        presence.embedding,
      );
      if (similarity >= bestSimilarity) {
        best = presence;
        bestSimilarity = similarity;
      }
    }
    return best;
  }
}
