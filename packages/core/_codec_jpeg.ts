/**
 * JPEG pixel decoders, loaded on first use. Private.
 *
 * - 1 or 3 components: `@jsquash/jpeg` (MozJPEG / libjpeg-turbo in
 *   WebAssembly).
 * - 4 components (CMYK / YCCK): `jpeg-js` (pure JS), because the MozJPEG
 *   build cannot convert CMYK to RGB.
 *
 * libjpeg reports damage only as a warning (and paints what it lost
 * grey); its first warning is printed, so any warning but a few harmless
 * ones fails the decode.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import { applyOrientation, rgbaToUprightRgb } from "./_orient.ts";
import {
  CodecError,
  describe,
  exactBuffer,
  loadWasm,
  WasmCodec,
} from "./_wasm.ts";

type JpegModule = typeof import("@jsquash/jpeg/decode.js");

/** Messages MozJPEG printed during the current decode. */
let messages: string[] = [];
/** The compiled MozJPEG module (undefined: the package loads its own). */
let compiled: Promise<WebAssembly.Module | undefined> | undefined;

const mozjpeg = new WasmCodec(async (): Promise<JpegModule> => {
  const module = await import("@jsquash/jpeg/decode.js");
  compiled ??= loadWasm("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm");
  const wasm = await compiled;
  const overrides = {
    print: (text: string) => messages.push(text),
    printErr: (text: string) => messages.push(text),
  };
  // The published typings omit the (module, overrides) form.
  const init = module.init as (
    wasm?: WebAssembly.Module,
    overrides?: unknown,
  ) => Promise<void>;
  if (wasm) await init(wasm, overrides);
  else await init(overrides);
  return module;
});

/** libjpeg warnings that lose no pixel. */
function isHarmless(message: string): boolean {
  return /JFIF revision|Adobe color transform|thumbnail/i.test(message);
}

/** MozJPEG: 1- and 3-component JPEG to upright RGB. */
export function decodeJpegMozjpeg(
  bytes: Uint8Array,
  pixels: number,
  orientation: number,
): Promise<RgbImage> {
  return mozjpeg.run(pixels, async (module) => {
    messages = [];
    let image: ImageData;
    try {
      image = await module.default(exactBuffer(bytes), {
        preserveOrientation: false,
      });
    } catch (cause) {
      throw new CodecError(messages.join("; ") || describe(cause), { cause });
    }
    const damage = messages.filter((m) => !isHarmless(m));
    if (damage.length > 0) throw new CodecError(damage.join("; "));
    // 8-bit RGBA: the codec never makes float ImageData.
    const rgba = image.data as Uint8ClampedArray;
    return rgbaToUprightRgb(image.width, image.height, rgba, orientation);
  });
}

/** jpeg-js: CMYK / YCCK JPEG (Adobe APP14) to upright RGB. */
export async function decodeJpegCmyk(
  bytes: Uint8Array,
  orientation: number,
): Promise<RgbImage> {
  const { default: jpeg } = await import("jpeg-js");
  let image: RgbImage;
  try {
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Infinity,
      maxMemoryUsageInMB: Infinity,
    });
    image = {
      width: decoded.width,
      height: decoded.height,
      data: decoded.data,
    };
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
  return applyOrientation(image, orientation);
}
