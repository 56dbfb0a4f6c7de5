/**
 * Liveness scores by presentation id, kept on disk like the LFW
 * embeddings: one append-only file of JSON lines per configuration under
 * `.cache/liveness/` (gitignored), so a stopped run keeps every
 * presentation it finished and a rerun only re-reports.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { sha256 } from "./_cache.ts";

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
 * import { ScoreCache } from "./_score_cache.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await ScoreCache.open({ version: 1 }, dir);
 * cache.put("a", { score: 0.5 });
 * console.log(cache.get("a")?.score); // 0.5
 * await cache.close();
 * ```
 */
export class ScoreCache {
  readonly #entries: Map<string, ScoreRecord>;
  readonly #file: Deno.FsFile;
  #writing = Promise.resolve();
  #failure: unknown;

  private constructor(entries: Map<string, ScoreRecord>, file: Deno.FsFile) {
    this.#entries = entries;
    this.#file = file;
  }

  /**
   * Opens (or creates) the file of the configuration `key` in `dir`
   * (default `.cache/liveness/`), named by the key's sha256, with the key
   * beside it. A last line cut short by a stopped run is dropped.
   *
   * @throws {SyntaxError} When a whole line is not a record.
   */
  static async open(
    key: Readonly<Record<string, unknown>>,
    dir: URL = CACHE_DIR,
  ): Promise<ScoreCache> {
    const name = await sha256(JSON.stringify(key));
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      new URL(`${name}.json`, dir),
      JSON.stringify(key, null, 2) + "\n",
    );
    const path = fileURLToPath(new URL(`${name}.jsonl`, dir));
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const end = text.lastIndexOf("\n") + 1;
    const entries = new Map<string, ScoreRecord>();
    for (const line of text.slice(0, end).split("\n")) {
      if (line === "") continue;
      const { id, ...record } = JSON.parse(line);
      entries.set(id, record);
    }
    const file = await Deno.open(path, { create: true, write: true });
    const bytes = new TextEncoder().encode(text.slice(0, end)).length;
    await file.truncate(bytes);
    await file.seek(bytes, Deno.SeekMode.Start);
    return new ScoreCache(entries, file);
  }

  /** The record of `id`, if any. */
  get(id: string): ScoreRecord | undefined {
    return this.#entries.get(id);
  }

  /**
   * Records `id`: in memory at once, on disk in the order of the calls. A
   * failed write is reported by {@linkcode close}.
   */
  put(id: string, record: ScoreRecord): void {
    this.#entries.set(id, record);
    const line = new TextEncoder().encode(
      JSON.stringify({ id, ...record }) + "\n",
    );
    this.#writing = this.#writing.then(async () => {
      if (this.#failure) return;
      try {
        let written = 0;
        while (written < line.length) {
          written += await this.#file.write(line.subarray(written));
        }
      } catch (error) {
        this.#failure = error;
      }
    });
  }

  /** Waits for the writes, closes the file, and throws a write's failure. */
  async close(): Promise<void> {
    await this.#writing;
    this.#file.close();
    if (this.#failure) throw this.#failure;
  }
}
