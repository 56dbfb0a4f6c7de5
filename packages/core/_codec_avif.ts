/**
 * AVIF pixel decoder, loaded on first use: `@jsquash/avif` (libavif with
 * libaom in WebAssembly). libavif does not apply `irot`/`imir`, so the
 * orientation the header parser derived from them is applied here.
 * Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { HeifHeader } from "./_heif_header.ts";
import { rgbaToUprightRgb } from "./_orient.ts";
import {
  CodecError,
  describe,
  exactBuffer,
  loadWasm,
  WasmCodec,
} from "./_wasm.ts";

type AvifModule = typeof import("@jsquash/avif/decode.js");

const libavif = new WasmCodec(async (): Promise<AvifModule> => {
  const module = await import("@jsquash/avif/decode.js");
  const wasm = await loadWasm("@jsquash/avif/codec/dec/avif_dec.wasm");
  if (wasm) await module.init(wasm);
  return module;
});

/** An AVIF still (or a sequence's first frame) to upright RGB. */
export function decodeAvif(
  bytes: Uint8Array,
  header: HeifHeader,
): Promise<RgbImage> {
  return libavif.run(header.width * header.height, async (module) => {
    let image: ImageData | null;
    try {
      image = await module.default(exactBuffer(bytes), { bitDepth: 8 });
    } catch (cause) {
      throw new CodecError(describe(cause), { cause });
    }
    if (!image) throw new CodecError("libavif decoded no image");
    return rgbaToUprightRgb(
      image.width,
      image.height,
      image.data as Uint8ClampedArray, // 8-bit: asked for bitDepth 8
      header.orientation,
    );
  });
}
