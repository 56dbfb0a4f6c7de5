/**
 * The pixel decoders behind `decodeImage`, loaded lazily on first use.
 * Private: swap a decoder here and nothing else changes.
 *
 * - JPEG (1 or 3 components): `@jsquash/jpeg` (MozJPEG / libjpeg-turbo in
 *   WebAssembly).
 * - JPEG (4 components, CMYK / YCCK): `jpeg-js` (pure JS), because the
 *   MozJPEG build cannot convert CMYK to RGB.
 * - PNG: `@jsquash/png` (the Rust `png` crate in WebAssembly).
 *
 * The `.wasm` files are read from the npm packages themselves (never from
 * the network): `fetch` of the package-relative URL, which Deno serves from
 * disk with only read permission, or `node:fs` under Node, where `fetch`
 * cannot read `file:` URLs.
 *
 * @module
 */

/** Output of a decoder: 4 channels (RGBA) or 3 (RGB), 8 or 16 bits. */
export interface RawPixels {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint16Array | Uint8ClampedArray;
}

/** A decoder failure that carries the decoder's own diagnostic. */
export class CodecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodecError";
  }
}

type JpegModule = typeof import("@jsquash/jpeg/decode.js");
type PngModule = typeof import("@jsquash/png/decode.js");

/**
 * Loads a `.wasm` file shipped inside an npm package and compiles it.
 * Returns undefined when it cannot be located, so the package falls back to
 * its own loader.
 */
async function loadWasm(
  specifier: string,
): Promise<WebAssembly.Module | undefined> {
  let url: URL;
  try {
    url = new URL(import.meta.resolve(specifier));
  } catch {
    return undefined;
  }
  if (
    url.protocol !== "file:" && url.protocol !== "http:" &&
    url.protocol !== "https:"
  ) {
    return undefined;
  }
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

/** Messages MozJPEG printed during the current decode. */
let jpegMessages: string[] = [];
let jpegModule: Promise<JpegModule> | undefined;
let pngModule: Promise<PngModule> | undefined;

function loadJpeg(): Promise<JpegModule> {
  jpegModule ??= (async () => {
    const module = await import("@jsquash/jpeg/decode.js");
    const wasm = await loadWasm("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm");
    const overrides = {
      print: (text: string) => jpegMessages.push(text),
      printErr: (text: string) => jpegMessages.push(text),
    };
    // The published typings omit the (module, overrides) form.
    const init = module.init as (
      wasm?: WebAssembly.Module,
      overrides?: unknown,
    ) => Promise<void>;
    if (wasm) await init(wasm, overrides);
    else await init(overrides);
    return module;
  })();
  jpegModule.catch(() => (jpegModule = undefined));
  return jpegModule;
}

function loadPng(): Promise<PngModule> {
  pngModule ??= (async () => {
    const module = await import("@jsquash/png/decode.js");
    const wasm = await loadWasm("@jsquash/png/codec/pkg/squoosh_png_bg.wasm");
    await module.init(wasm);
    return module;
  })();
  pngModule.catch(() => (pngModule = undefined));
  return pngModule;
}

/** One MozJPEG decode at a time, so its messages belong to one image. */
let jpegQueue: Promise<unknown> = Promise.resolve();

/** The decoder's messages that mean pixels were lost or invented. */
function isDamageWarning(message: string): boolean {
  return /premature end|corrupt jpeg data|bogus|invalid|huffman|ran out/i
    .test(message) && !/extraneous bytes before marker/i.test(message);
}

/** MozJPEG: 1- and 3-component JPEG to RGBA. */
export function decodeJpegMozjpeg(bytes: Uint8Array): Promise<RawPixels> {
  const run = async (): Promise<RawPixels> => {
    const module = await loadJpeg();
    jpegMessages = [];
    let image: ImageData;
    try {
      image = await module.default(exactBuffer(bytes), {
        preserveOrientation: false,
      });
    } catch (cause) {
      throw new CodecError(
        jpegMessages.join("; ") || describe(cause),
        { cause },
      );
    }
    const damage = jpegMessages.filter(isDamageWarning);
    if (damage.length > 0) throw new CodecError(damage.join("; "));
    return {
      width: image.width,
      height: image.height,
      channels: 4,
      data: image.data as Uint8ClampedArray,
    };
  };
  const result = jpegQueue.then(run, run);
  jpegQueue = result.catch(() => undefined);
  return result;
}

/** jpeg-js: CMYK / YCCK JPEG (Adobe APP14) to RGB. */
export async function decodeJpegCmyk(bytes: Uint8Array): Promise<RawPixels> {
  const { default: jpeg } = await import("jpeg-js");
  try {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Infinity,
      maxMemoryUsageInMB: Infinity,
    });
    return {
      width: image.width,
      height: image.height,
      channels: 3,
      data: image.data,
    };
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
}

/** @jsquash/png: any PNG to RGBA, 8 or 16 bits per channel. */
export async function decodePng(
  bytes: Uint8Array,
  bitDepth: 8 | 16,
): Promise<RawPixels> {
  const module = await loadPng();
  try {
    if (bitDepth === 16) {
      const image = await module.decode(exactBuffer(bytes), {
        bitDepth: 16,
      });
      try {
        return {
          width: image.width,
          height: image.height,
          channels: 4,
          data: image.data.slice(),
        };
      } finally {
        (image as { free?: () => void }).free?.();
      }
    }
    const image = await module.decode(exactBuffer(bytes));
    return {
      width: image.width,
      height: image.height,
      channels: 4,
      data: image.data as Uint8ClampedArray,
    };
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
}

/** The decoders take an ArrayBuffer holding exactly the image bytes. */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
