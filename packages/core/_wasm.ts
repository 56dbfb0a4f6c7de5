/**
 * Loading and running the WebAssembly decoders. Private.
 *
 * A `.wasm` file is read from its npm package (never from the network):
 * `fetch` of the package-relative URL, which Deno serves from disk with
 * only read permission (and from the embedded files under
 * `deno compile`), or `node:fs` under Node, where `fetch` cannot read
 * `file:` URLs. Each decoder's instance is used by one decode at a time,
 * and thrown away after a failure (an aborted C decoder leaves its stack
 * and heap unwound) or after a large image (a wasm heap never shrinks), so
 * that one hostile file cannot make every later decode slow or large.
 *
 * @module
 */

/** A decoder failure that carries the decoder's own diagnostic. */
export class CodecError extends Error {
  /** Creates the error from the decoder's message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodecError";
  }
}

/** The message of anything a decoder threw. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/**
 * Loads a `.wasm` file shipped inside an npm package and compiles it.
 * Returns undefined when it cannot be located, so the package falls back to
 * its own loader.
 */
export async function loadWasm(
  specifier: string,
): Promise<WebAssembly.Module | undefined> {
  let url: URL;
  try {
    url = new URL(import.meta.resolve(specifier));
  } catch {
    return undefined;
  }
  if (!["file:", "http:", "https:"].includes(url.protocol)) return undefined;
  let bytes: ArrayBuffer | Uint8Array | undefined;
  try {
    const response = await fetch(url);
    if (response.ok) bytes = await response.arrayBuffer();
  } catch {
    bytes = undefined;
  }
  if (!bytes && url.protocol === "file:") {
    // Node's fetch does not read file: URLs; its fs module does.
    const getBuiltin = (globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown };
    }).process?.getBuiltinModule;
    const fs = getBuiltin?.("node:fs") as
      | { readFileSync(path: URL): Uint8Array }
      | undefined;
    try {
      bytes = fs?.readFileSync(url);
    } catch {
      bytes = undefined;
    }
  }
  if (!bytes) return undefined;
  return await WebAssembly.compile(bytes as BufferSource);
}

/** After an image this large its instance is replaced to free its heap. */
export const LARGE_IMAGE_PIXELS = 4_000_000;

/**
 * One decoder instance, made on first use by `create`, used by one decode
 * at a time, and replaced after a failure or a large image.
 */
export class WasmCodec<M> {
  #create: () => Promise<M>;
  #instance: Promise<M> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** `create` makes a fresh, initialised instance. */
  constructor(create: () => Promise<M>) {
    this.#create = create;
  }

  /**
   * Runs `decode` on the instance once the decodes before it are done.
   * `pixels` is the image's size, to know whether to replace the instance
   * afterwards.
   */
  run<T>(pixels: number, decode: (instance: M) => Promise<T> | T): Promise<T> {
    const task = async () => {
      this.#instance ??= this.#create();
      let instance: M;
      try {
        instance = await this.#instance;
      } catch (cause) {
        this.#instance = undefined;
        throw cause;
      }
      let ok = false;
      try {
        const result = await decode(instance);
        ok = true;
        return result;
      } finally {
        if (!ok || pixels > LARGE_IMAGE_PIXELS) this.#instance = undefined;
      }
    };
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** The decoders take an ArrayBuffer holding exactly the image bytes. */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}
