/**
 * A disk cache of LFW embeddings, so that re-scoring a configuration already
 * embedded takes no model run. One append-only file per configuration under
 * `.cache/lfw-embeddings/` (gitignored): a run that is stopped keeps every
 * image it finished.
 *
 * @module
 */

import { AppendFile } from "./_append_file.ts";
import { MANIFEST_URL } from "@facever/weights";
import type { ImageEmbedding } from "./_lfw_types.ts";

const CACHE_DIR = new URL("../.cache/lfw-embeddings/", import.meta.url);
/** Limits far above any real record, to tell a damaged file from a short one. */
const MAX_PATH_BYTES = 4096, MAX_FLOATS = 65536;
const MANIFEST = MANIFEST_URL;
/**
 * An embedding file ended in the middle of a record, or held something that
 * is not a record.
 */
export class CacheFormatError extends Error {
  override name = "CacheFormatError";
}

/**
 * What an LFW embedding depends on besides the image and the code: the
 * sha256 of every model in `weights/manifest.json` (which of them runs
 * depends on the backend, and new weights deserve a new measurement) and
 * the options that change embeddings. The code is not part of the key:
 * unrelated edits in a shared checkout would throw the cache away every few
 * minutes. After changing how the pipeline computes, delete
 * `.cache/lfw-embeddings/`.
 *
 * @example
 * ```ts
 * import { cacheKey } from "./_cache.ts";
 * const key = await cacheKey({ channelOrder: "bgr", mirror: false, pick: "central" });
 * console.log(Object.keys(key)); // ["models", "options"]
 * ```
 */
export async function cacheKey(
  options: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const manifest = JSON.parse(await Deno.readTextFile(MANIFEST)) as {
    models: { file: string; sha256: string }[];
  };
  const models = Object.fromEntries(
    manifest.models.map(({ file, sha256 }) => [file, sha256])
      .sort(([a], [b]) => a < b ? -1 : 1),
  );
  return { models, options };
}

/**
 * Embeddings of images for one configuration, by image path.
 *
 * Each record is: path length (u32), path (UTF-8), milliseconds (f64),
 * embedding length (u32, 0 when no face was found), embedding (f32), all
 * little-endian.
 *
 * @example
 * ```ts
 * import { EmbeddingCache } from "./_cache.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const cache = await EmbeddingCache.open({ options: { mirror: false } }, dir);
 * cache.put("a.jpg", { embedding: new Float32Array([0.6, 0.8]), ms: 41 });
 * console.log(cache.get("a.jpg")?.ms); // 41
 * await cache.close();
 * ```
 */
export class EmbeddingCache {
  readonly #entries: Map<string, ImageEmbedding>;
  readonly #file: AppendFile;

  private constructor(entries: Map<string, ImageEmbedding>, file: AppendFile) {
    this.#entries = entries;
    this.#file = file;
  }

  /**
   * Opens (or creates) the file of the configuration `key` in `dir`
   * (default `.cache/lfw-embeddings/` of the repository). A record cut short
   * by a stopped run is dropped, and the file truncated to the records
   * before it.
   */
  static async open(
    key: Readonly<Record<string, unknown>>,
    dir: URL = CACHE_DIR,
  ): Promise<EmbeddingCache> {
    const { file, read } = await AppendFile.open(
      key,
      dir,
      "bin",
      decodeRecords,
    );
    return new EmbeddingCache(read.entries, file);
  }

  /** How many images the cache holds. */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached result for `file`, if any. */
  get(file: string): ImageEmbedding | undefined {
    return this.#entries.get(file);
  }

  /**
   * Records `value` for `file`: in memory at once, on disk in the order of
   * the calls. A failed write is reported by {@linkcode close}.
   */
  put(file: string, value: ImageEmbedding): void {
    this.#entries.set(file, value);
    this.#file.append(encodeRecord(file, value));
  }

  /**
   * Waits for pending writes and closes the file.
   *
   * @throws The error of the first write that failed; the records before it
   * are on disk.
   */
  async close(): Promise<void> {
    await this.#file.close();
  }
}

function encodeRecord(file: string, value: ImageEmbedding): Uint8Array {
  const path = new TextEncoder().encode(file);
  const length = value.embedding?.length ?? 0;
  const record = new Uint8Array(4 + path.length + 8 + 4 + 4 * length);
  const view = new DataView(record.buffer);
  view.setUint32(0, path.length, true);
  record.set(path, 4);
  let at = 4 + path.length;
  view.setFloat64(at, value.ms, true);
  view.setUint32(at + 8, length, true);
  at += 12;
  for (let i = 0; i < length; i++) {
    view.setFloat32(at + 4 * i, value.embedding![i], true);
  }
  return record;
}

/**
 * Every whole record of `bytes`, and where the last one ends.
 *
 * @throws {CacheFormatError} When a record is not one: a length runs past
 * any plausible size.
 */
export function decodeRecords(
  bytes: Uint8Array,
): { entries: Map<string, ImageEmbedding>; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const entries = new Map<string, ImageEmbedding>();
  let end = 0;
  const corrupt = (what: string) =>
    new CacheFormatError(
      `embedding cache record at byte ${end} is corrupt (${what}); delete the .bin file to rebuild it`,
    );
  while (end + 4 <= bytes.length) {
    const pathLength = view.getUint32(end, true);
    if (pathLength > MAX_PATH_BYTES) {
      throw corrupt(`path of ${pathLength} bytes`);
    }
    const header = end + 4 + pathLength + 12;
    if (header > bytes.length) break;
    const length = view.getUint32(header - 4, true);
    if (length > MAX_FLOATS) throw corrupt(`embedding of ${length} floats`);
    if (header + 4 * length > bytes.length) break;
    const file = decoder.decode(bytes.subarray(end + 4, end + 4 + pathLength));
    const ms = view.getFloat64(end + 4 + pathLength, true);
    let embedding: Float32Array | undefined;
    if (length > 0) {
      embedding = new Float32Array(length);
      for (let i = 0; i < length; i++) {
        embedding[i] = view.getFloat32(header + 4 * i, true);
      }
    }
    entries.set(file, { embedding, ms });
    end = header + 4 * length;
  }
  return { entries, end };
}
