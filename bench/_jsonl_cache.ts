/**
 * The disk cache the benchmarks share for results by id: one append-only
 * file of JSON lines per configuration, named by the configuration's
 * sha256 with the configuration beside it, so a stopped run keeps every
 * result it finished and a rerun only does the rest.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { sha256 } from "./_cache.ts";

/**
 * How a value becomes the fields of its line and back (`id` is added and
 * taken away by the cache).
 *
 * @example
 * ```ts
 * import type { LineCodec } from "./_jsonl_cache.ts";
 * const plain: LineCodec<{ n: number }> = {
 *   toLine: (value) => value,
 *   fromLine: (fields) => fields as { n: number },
 * };
 * console.log(plain.toLine({ n: 1 }).n); // 1
 * ```
 */
export interface LineCodec<T> {
  toLine(value: T): Record<string, unknown>;
  fromLine(fields: Record<string, unknown>): T;
}

/**
 * Values by id, in memory and on disk as JSON lines `{"id", …}`.
 *
 * @example
 * ```ts
 * import { JsonLinesCache } from "./_jsonl_cache.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await JsonLinesCache.open<{ n: number }>({ version: 1 }, dir, {
 *   toLine: (value) => value,
 *   fromLine: (fields) => fields as { n: number },
 * });
 * cache.put("a", { n: 1 });
 * console.log(cache.get("a")?.n); // 1
 * await cache.close();
 * ```
 */
export class JsonLinesCache<T> {
  readonly #entries: Map<string, T>;
  readonly #file: Deno.FsFile;
  readonly #codec: LineCodec<T>;
  #writing = Promise.resolve();
  #failure: unknown;

  private constructor(
    entries: Map<string, T>,
    file: Deno.FsFile,
    codec: LineCodec<T>,
  ) {
    this.#entries = entries;
    this.#file = file;
    this.#codec = codec;
  }

  /**
   * Opens (or creates) the file of the configuration `key` in `dir`. A
   * last line cut short by a stopped run is dropped and the file
   * truncated before it.
   *
   * @throws {SyntaxError} When a whole line is not JSON.
   */
  static async open<T>(
    key: Readonly<Record<string, unknown>>,
    dir: URL,
    codec: LineCodec<T>,
  ): Promise<JsonLinesCache<T>> {
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
    const entries = new Map<string, T>();
    for (const line of text.slice(0, end).split("\n")) {
      if (line === "") continue;
      const { id, ...fields } = JSON.parse(line);
      entries.set(id, codec.fromLine(fields));
    }
    const file = await Deno.open(path, { create: true, write: true });
    const bytes = new TextEncoder().encode(text.slice(0, end)).length;
    await file.truncate(bytes);
    await file.seek(bytes, Deno.SeekMode.Start);
    return new JsonLinesCache(entries, file, codec);
  }

  /** The value of `id`, if any. */
  get(id: string): T | undefined {
    return this.#entries.get(id);
  }

  /**
   * Records `id`: in memory at once, on disk in the order of the calls. A
   * failed write is reported by {@linkcode JsonLinesCache.close}.
   */
  put(id: string, value: T): void {
    this.#entries.set(id, value);
    const line = new TextEncoder().encode(
      JSON.stringify({ id, ...this.#codec.toLine(value) }) + "\n",
    );
    this.#writing = this.#writing.then(async () => {
      if (this.#failure) return;
      try {
        for (let done = 0; done < line.length;) {
          done += await this.#file.write(line.subarray(done));
        }
      } catch (error) {
        this.#failure = error;
      }
    });
  }

  /**
   * Waits for the writes and closes the file.
   *
   * @throws The error of the first write that failed.
   */
  async close(): Promise<void> {
    await this.#writing;
    this.#file.close();
    if (this.#failure) throw this.#failure;
  }
}
