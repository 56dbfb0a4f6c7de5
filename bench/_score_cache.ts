/**
 * Liveness scores by presentation id, kept on disk (`_jsonl_cache.ts`)
 * under `.cache/liveness/` (gitignored), so a stopped run keeps every
 * presentation it finished and a rerun only re-reports.
 *
 * @module
 */

import { JsonLinesCache } from "./_jsonl_cache.ts";

const CACHE_DIR = new URL("../.cache/liveness/", import.meta.url);

/**
 * What the benchmark keeps of one presentation.
 *
 * @example
 * ```ts
 * import type { ScoreRecord } from "./_score_cache.ts";
 * const record: ScoreRecord = { score: 0.97, variants: { "RGB, 2.7× box": 0.4 } };
 * console.log(record.score);
 * ```
 */
export interface ScoreRecord {
  /** The shipped check's score of the face used; none when no face was found. */
  readonly score?: number;
  /** The score of each variant, by name, for development presentations. */
  readonly variants?: Readonly<Record<string, number>>;
}

/**
 * Scores by id, on disk as JSON lines `{"id", "score", "variants"}`.
 *
 * @example
 * ```ts
 * import type { ScoreCache } from "./_score_cache.ts";
 * const scoreOf = (cache: ScoreCache, id: string) => cache.get(id)?.score;
 * console.log(typeof scoreOf);
 * ```
 */
export type ScoreCache = JsonLinesCache<ScoreRecord>;

/**
 * Opens the scores of the configuration `key` in `dir` (default
 * `.cache/liveness/`).
 *
 * @example
 * ```ts
 * import { ScoreCache } from "./_score_cache.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await ScoreCache.open({ version: 1 }, dir);
 * cache.put("a", { score: 0.5 });
 * console.log(cache.get("a")?.score); // 0.5
 * await cache.close();
 * ```
 */
export const ScoreCache = {
  open(
    key: Readonly<Record<string, unknown>>,
    dir: URL = CACHE_DIR,
  ): Promise<ScoreCache> {
    return JsonLinesCache.open<ScoreRecord>(key, dir, {
      toLine: (record) => ({ ...record }),
      fromLine: (fields) => fields as ScoreRecord,
    });
  },
};
