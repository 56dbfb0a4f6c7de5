/**
 * Fetches a pinned npm package tarball with the npm client and reads files
 * out of it: integrity check, gunzip and a small tar reader.
 *
 * @module
 */

/** The npm client failed, or its tarball is not the one pinned. */
export class PackageFetchError extends Error {
  /** Creates the error; `message` says which package and what went wrong. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PackageFetchError";
  }
}

/** The tarball is damaged, or lacks the file asked for. */
export class TarballError extends Error {
  /** Creates the error; `message` says what was wrong in the archive. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TarballError";
  }
}

/** Options for {@linkcode packTarball}. */
export interface PackOptions {
  /**
   * The directory in which to make the temporary directory that `npm pack`
   * writes into. Defaults to the system's temporary directory.
   */
  readonly tempParent?: string;
}

/** Whether the npm client can be run here (and is allowed to be). */
export async function npmAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("npm", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Fetches `spec` (`name@version`) with `npm pack` and returns the tarball's
 * bytes once their sha512 matches `integrity` (an SRI string,
 * `sha512-<base64>`).
 *
 * Why npm pack: it resolves the registry and proxy the way the user set npm
 * up, and keeps the tarball in npm's cache, so reruns need no network.
 */
export async function packTarball(
  spec: string,
  integrity: string,
  options: PackOptions = {},
): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({
    dir: options.tempParent,
    prefix: ".npm-pack-",
  });
  try {
    const output = await new Deno.Command("npm", {
      args: [
        "pack",
        spec,
        "--pack-destination",
        dir,
        "--json",
        "--ignore-scripts",
        // The version is pinned and checked below, so cached metadata is as
        // good as fresh and lets reruns work offline.
        "--prefer-offline",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr).trim();
    if (!output.success) {
      throw new PackageFetchError(
        `npm pack ${spec} exited with code ${output.code}: ${stderr}`,
      );
    }
    const filename = packedFilename(
      spec,
      new TextDecoder().decode(output.stdout),
    );
    const tarball = await Deno.readFile(`${dir}/${filename}`);
    const actual = await sha512Integrity(tarball);
    if (actual !== integrity) {
      throw new PackageFetchError(
        `npm pack ${spec} gave a tarball with integrity ${actual}, but ${integrity} is pinned: refusing it`,
      );
    }
    return tarball;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function packedFilename(spec: string, stdout: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (cause) {
    throw new PackageFetchError(
      `npm pack ${spec} printed no JSON on stdout: ${stdout.slice(0, 200)}`,
      { cause },
    );
  }
  const entry = Array.isArray(parsed) ? parsed[0] : undefined;
  const filename = typeof entry === "object" && entry !== null &&
      "filename" in entry
    ? entry.filename
    : undefined;
  // npm names the file itself; anything with a path in it is not its output.
  if (typeof filename !== "string" || !/^[\w.@+-]+\.tgz$/.test(filename)) {
    throw new PackageFetchError(
      `npm pack ${spec} printed no tarball filename: ${stdout.slice(0, 200)}`,
    );
  }
  return filename;
}

/** Turns a `file:` URL into a path for APIs that take only strings. */
export function pathFromFileUrl(url: URL): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`expected a file: URL, got ${url.href}`);
  }
  const path = decodeURIComponent(url.pathname);
  return Deno.build.os === "windows"
    ? path.slice(1).replaceAll("/", "\\")
    : path;
}

/** Returns the SRI string (`sha512-<base64>`) of `bytes`. */
export async function sha512Integrity(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-512", bytes as Uint8Array<ArrayBuffer>),
  );
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `sha512-${btoa(binary)}`;
}

/** Decompresses gzip data. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    throw new TarballError(
      `tarball is not valid gzip: ${(cause as Error).message}`,
      { cause },
    );
  }
}

const BLOCK = 512;

/**
 * Reads the regular files of a tar archive (ustar, with the pax `path`
 * extension and GNU long names), keyed by path.
 */
export function readTar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | undefined;
  while (offset < tar.length) {
    if (offset + BLOCK > tar.length) {
      throw new TarballError(
        `tar archive ends at byte ${tar.length}, in the middle of the header at byte ${offset}`,
      );
    }
    const header = tar.subarray(offset, offset + BLOCK);
    // Two zero blocks end the archive; one is enough to stop reading.
    if (header.every((byte) => byte === 0)) break;
    verifyChecksum(header, offset);
    const size = octal(header.subarray(124, 136), offset, "size");
    const type = String.fromCharCode(header[156]);
    const start = offset + BLOCK;
    const end = start + size;
    if (end > tar.length) {
      throw new TarballError(
        `tar entry at byte ${offset} claims ${size} bytes, past the end of the ${tar.length}-byte archive`,
      );
    }
    const body = tar.subarray(start, end);
    if (type === "x") {
      longName = paxPath(body) ?? longName;
    } else if (type === "L") {
      longName = text(body);
    } else {
      const prefix = text(header.subarray(345, 500));
      const name = longName ??
        (prefix
          ? `${prefix}/${text(header.subarray(0, 100))}`
          : text(header.subarray(0, 100)));
      longName = undefined;
      if (type === "0" || type === "\0") files.set(name, body);
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

/**
 * Returns files from a gzipped npm package tarball, in the order asked; each
 * path is relative to the package root (npm puts every file under
 * `package/`).
 */
export async function extractFiles(
  tarball: Uint8Array,
  paths: readonly string[],
): Promise<Uint8Array[]> {
  const files = readTar(await gunzip(tarball));
  return paths.map((path) => {
    const file = files.get(`package/${path}`);
    if (!file) {
      throw new TarballError(`tarball has no file package/${path}`);
    }
    return file;
  });
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(bytes: Uint8Array, offset: number, what: string): number {
  const digits = text(bytes).trim();
  if (!/^[0-7]+$/.test(digits)) {
    throw new TarballError(
      `tar header at byte ${offset} has ${what} ${
        JSON.stringify(digits)
      }, which is not octal`,
    );
  }
  return parseInt(digits, 8);
}

function verifyChecksum(header: Uint8Array, offset: number): void {
  const expected = octal(header.subarray(148, 156), offset, "checksum");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum field itself counts as eight spaces.
    sum += i >= 148 && i < 156 ? 0x20 : header[i];
  }
  if (sum !== expected) {
    throw new TarballError(
      `tar header at byte ${offset} has checksum ${expected}, but its bytes sum to ${sum}`,
    );
  }
}

function paxPath(body: Uint8Array): string | undefined {
  // Records are "<length> <key>=<value>\n", the length counting the whole record.
  let offset = 0;
  let path: string | undefined;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(text(body.subarray(offset, space)));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = new TextDecoder().decode(
      body.subarray(space + 1, offset + length - 1),
    );
    const equals = record.indexOf("=");
    if (record.slice(0, equals) === "path") path = record.slice(equals + 1);
    offset += length;
  }
  return path;
}
