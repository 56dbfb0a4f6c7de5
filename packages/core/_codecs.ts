/**
 * The pixel decoders behind `decodeImage`, loaded lazily on first use.
 * Private: swap a decoder here and nothing else changes.
 *
 * - JPEG (1 or 3 components): `@jsquash/jpeg` (MozJPEG / libjpeg-turbo in
 *   WebAssembly).
 * - JPEG (4 components, CMYK / YCCK): `jpeg-js` (pure JS), because the
 *   MozJPEG build cannot convert CMYK to RGB.
 * - PNG: `fast-png` (pure JS). `@jsquash/png` is as fast, but a failed
 *   decode leaks its wasm heap (hundreds of MB after a few hundred damaged
 *   files) and its instance cannot be replaced through its API.
 *
 * MozJPEG's `.wasm` is read from the npm package itself (never from the
 * network): `fetch` of the package-relative URL, which Deno serves from disk
 * with only read permission, or `node:fs` under Node, where `fetch` cannot
 * read `file:` URLs. When libjpeg aborts (it `exit`s, leaving the wasm stack
 * unwound) the instance is thrown away and a fresh one is made from the
 * compiled module; so is an instance whose heap grew for a large image.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import { pngSamplesToRgb } from "./_png.ts";

/** A decoder failure that carries the decoder's own diagnostic. */
export class CodecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodecError";
  }
}

type JpegModule = typeof import("@jsquash/jpeg/decode.js");

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

/** Messages MozJPEG printed during the current decode. */
let jpegMessages: string[] = [];
/** The compiled MozJPEG module (undefined: the package loads its own). */
let jpegWasm: WebAssembly.Module | undefined;
let jpegModule: Promise<JpegModule> | undefined;
/** Whether the current MozJPEG instance must be replaced before next use. */
let jpegStale = false;

/** After an image this large the instance is replaced to free its heap. */
const LARGE_IMAGE_PIXELS = 16_000_000;

async function initJpeg(module: JpegModule): Promise<void> {
  const overrides = {
    print: (text: string) => jpegMessages.push(text),
    printErr: (text: string) => jpegMessages.push(text),
  };
  // The published typings omit the (module, overrides) form.
  const init = module.init as (
    wasm?: WebAssembly.Module,
    overrides?: unknown,
  ) => Promise<void>;
  if (jpegWasm) await init(jpegWasm, overrides);
  else await init(overrides);
}

function loadJpeg(): Promise<JpegModule> {
  jpegModule ??= (async () => {
    const module = await import("@jsquash/jpeg/decode.js");
    jpegWasm = await loadWasm("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm");
    await initJpeg(module);
    return module;
  })();
  jpegModule.catch(() => (jpegModule = undefined));
  return jpegModule;
}

/** One MozJPEG decode at a time, so its messages belong to one image. */
let jpegQueue: Promise<unknown> = Promise.resolve();

/** The decoder's messages that mean pixels were lost or invented. */
function isDamageWarning(message: string): boolean {
  return /premature end|corrupt jpeg data|bogus|invalid|huffman|ran out/i
    .test(message) && !/extraneous bytes before marker/i.test(message);
}

/** MozJPEG: 1- and 3-component JPEG to RGB. */
export function decodeJpegMozjpeg(bytes: Uint8Array): Promise<RgbImage> {
  const run = async (): Promise<RgbImage> => {
    const module = await loadJpeg();
    if (jpegStale) {
      await initJpeg(module);
      jpegStale = false;
    }
    jpegMessages = [];
    let image: ImageData;
    try {
      image = await module.default(exactBuffer(bytes), {
        preserveOrientation: false,
      });
    } catch (cause) {
      jpegStale = true;
      throw new CodecError(
        jpegMessages.join("; ") || describe(cause),
        { cause },
      );
    }
    if (image.width * image.height > LARGE_IMAGE_PIXELS) jpegStale = true;
    const damage = jpegMessages.filter(isDamageWarning);
    if (damage.length > 0) throw new CodecError(damage.join("; "));
    return rgbaToRgb(
      image.width,
      image.height,
      image.data as Uint8ClampedArray,
    );
  };
  const result = jpegQueue.then(run, run);
  jpegQueue = result.catch(() => undefined);
  return result;
}

/** jpeg-js: CMYK / YCCK JPEG (Adobe APP14) to RGB. */
export async function decodeJpegCmyk(bytes: Uint8Array): Promise<RgbImage> {
  const { default: jpeg } = await import("jpeg-js");
  try {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Infinity,
      maxMemoryUsageInMB: Infinity,
    });
    return { width: image.width, height: image.height, data: image.data };
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
}

/** fast-png: any PNG to RGB, transparency composited over white. */
export async function decodePng(bytes: Uint8Array): Promise<RgbImage> {
  const { decode } = await import("fast-png");
  try {
    return pngSamplesToRgb(decode(bytes, { checkCrc: false }));
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
}

/** Drops the alpha channel of an opaque RGBA buffer. */
function rgbaToRgb(
  width: number,
  height: number,
  rgba: Uint8Array | Uint8ClampedArray,
): RgbImage {
  const n = width * height;
  if (rgba.length !== n * 4) {
    throw new CodecError(
      `decoder returned ${rgba.length} bytes for ${width}x${height} RGBA`,
    );
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
    out[o] = rgba[s];
    out[o + 1] = rgba[s + 1];
    out[o + 2] = rgba[s + 2];
  }
  return { width, height, data: out };
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
