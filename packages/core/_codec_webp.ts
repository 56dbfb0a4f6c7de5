/**
 * WebP pixel decoder, loaded on first use: `@jsquash/webp` (libwebp in
 * WebAssembly). libwebp refuses a truncated or damaged bitstream instead
 * of painting it. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { WebpHeader } from "./_webp_header.ts";
import { rgbaToUprightRgb } from "./_orient.ts";
import {
  CodecError,
  describe,
  exactBuffer,
  loadWasm,
  WasmCodec,
} from "./_wasm.ts";

type WebpModule = typeof import("@jsquash/webp/decode.js");

const libwebp = new WasmCodec(async (): Promise<WebpModule> => {
  const module = await import("@jsquash/webp/decode.js");
  const wasm = await loadWasm("@jsquash/webp/codec/dec/webp_dec.wasm");
  if (wasm) await module.init(wasm);
  return module;
});

/**
 * A WebP (still, or the first frame of an animation placed on its
 * canvas) to upright RGB, alpha composited over white.
 */
export function decodeWebp(
  bytes: Uint8Array,
  header: WebpHeader,
): Promise<RgbImage> {
  const { width, height, frame } = header;
  return libwebp.run(width * height, async (module) => {
    let image: ImageData;
    try {
      image = await module.default(exactBuffer(frame?.still ?? bytes));
    } catch (cause) {
      throw new CodecError(describe(cause), { cause });
    }
    // 8-bit RGBA: the codec never makes float ImageData.
    let rgba = image.data as Uint8ClampedArray;
    if (frame && (frame.width !== width || frame.height !== height)) {
      // Canvas outside the first frame is transparent: white once composited.
      rgba = new Uint8ClampedArray(width * height * 4);
      for (let y = 0; y < frame.height; y++) {
        const row = (image.data as Uint8ClampedArray).subarray(
          y * frame.width * 4,
          (y + 1) * frame.width * 4,
        );
        rgba.set(row, ((frame.y + y) * width + frame.x) * 4);
      }
    } else if (image.width !== width || image.height !== height) {
      throw new CodecError(
        `libwebp produced ${image.width}x${image.height} for a ${width}x${height} header`,
      );
    }
    return rgbaToUprightRgb(width, height, rgba, header.orientation);
  });
}
