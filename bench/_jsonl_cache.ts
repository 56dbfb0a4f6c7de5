/**
 * The disk cache the benchmarks share for results by id: JSON lines in an
 * append-only file per configuration (`_append_file.ts`), so a stopped run
 * keeps every result it finished and a rerun only does the rest.
 *
 * @module
 */

import { AppendFile } from "./_append_file.ts";

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
  readonly #file: AppendFile;
  readonly #codec: LineCodec<T>;

  private constructor(
    entries: Map<string, T>,
    file: AppendFile,
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
    const { file, read } = await AppendFile.open(key, dir, "jsonl", (bytes) => {
      // Up to the last newline: a line after it was cut short.
      const end = bytes.lastIndexOf(0x0a) + 1;
      const entries = new Map<string, T>();
      const text = new TextDecoder().decode(bytes.subarray(0, end));
      for (const line of text.split("\n")) {
        if (line === "") continue;
        const { id, ...fields } = JSON.parse(line);
        entries.set(id, codec.fromLine(fields));
      }
      return { entries, end };
    });
    return new JsonLinesCache(read.entries, file, codec);
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
    this.#file.append(
      new TextEncoder().encode(
        JSON.stringify({ id, ...this.#codec.toLine(value) }) + "\n",
      ),
    );
  }

  /**
   * Waits for the writes and closes the file.
   *
   * @throws The error of the first write that failed.
   */
  async close(): Promise<void> {
    await this.#file.close();
  }
}
