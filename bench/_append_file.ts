/**
 * The file under the benchmarks' disk caches: one append-only file per
 * configuration, named by the configuration's sha256 with the
 * configuration beside it, written in the order of the appends, so that a
 * stopped run keeps every result it finished and a rerun only does the
 * rest.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/**
 * The lowercase hex sha256 of `text`: the file name of a cache key.
 *
 * @example
 * ```ts
 * import { sha256 } from "./_append_file.ts";
 * console.log((await sha256("")).slice(0, 8)); // "e3b0c442"
 * ```
 */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * A configuration's file, open for appending.
 *
 * @example
 * ```ts
 * import { AppendFile } from "./_append_file.ts";
 * import { pathToFileURL } from "node:url";
 * const dir = pathToFileURL(`${await Deno.makeTempDir()}/`);
 * const { file, read } = await AppendFile.open({ v: 1 }, dir, "txt", (bytes) => ({
 *   end: bytes.length,
 * }));
 * file.append(new TextEncoder().encode("a\n"));
 * await file.close();
 * console.log(read.end); // 0
 * ```
 */
export class AppendFile {
  readonly #file: Deno.FsFile;
  #writing = Promise.resolve();
  #failure: unknown;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Opens (or creates) the file of the configuration `key` in `dir`, with
   * the given extension, and writes the key beside it. `decode` reads what
   * the file holds and says where its whole records end: anything after
   * (a record cut short by a stopped run) is cut off.
   */
  static async open<R extends { readonly end: number }>(
    key: Readonly<Record<string, unknown>>,
    dir: URL,
    extension: string,
    decode: (bytes: Uint8Array) => R,
  ): Promise<{ file: AppendFile; read: R }> {
    const name = await sha256(JSON.stringify(key));
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      new URL(`${name}.json`, dir),
      JSON.stringify(key, null, 2) + "\n",
    );
    const path = fileURLToPath(new URL(`${name}.${extension}`, dir));
    let bytes = new Uint8Array();
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const read = decode(bytes);
    const file = await Deno.open(path, { create: true, write: true });
    await file.truncate(read.end);
    await file.seek(read.end, Deno.SeekMode.Start);
    return { file: new AppendFile(file), read };
  }

  /**
   * Writes `bytes` after those appended before. A failed write is reported
   * by {@linkcode AppendFile.close}.
   */
  append(bytes: Uint8Array): void {
    this.#writing = this.#writing.then(async () => {
      if (this.#failure) return;
      try {
        for (let done = 0; done < bytes.length;) {
          done += await this.#file.write(bytes.subarray(done));
        }
      } catch (error) {
        this.#failure = error;
      }
    });
  }

  /**
   * Waits for the writes and closes the file.
   *
   * @throws The error of the first write that failed; what was appended
   * before it is on disk.
   */
  async close(): Promise<void> {
    await this.#writing;
    this.#file.close();
    if (this.#failure) throw this.#failure;
  }
}
