/**
 * HEIC pixel decoder, loaded on first use: `libheif-js` (libheif with
 * libde265 in WebAssembly). libheif applies `irot`, `imir` and `clap`
 * itself; an orientation found only in EXIF is applied here. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { HeifHeader } from "./_heif_header.ts";
import { applyOrientation, rgbaToUprightRgb } from "./_orient.ts";
import { CodecError, loadWasm, WasmCodec } from "./_wasm.ts";

/** The parts of libheif's embind API used here. */
interface Libheif {
  heif_context_alloc(): unknown;
  heif_context_free(context: unknown): void;
  heif_context_read_from_memory(
    context: unknown,
    bytes: Uint8Array,
  ): { code: unknown; message: string };
  heif_js_context_get_primary_image_handle(context: unknown): unknown;
  heif_image_handle_has_alpha_channel(handle: unknown): number;
  heif_image_handle_release(handle: unknown): void;
  heif_js_decode_image2(
    handle: unknown,
    colorspace: unknown,
    chroma: unknown,
  ): HeifDecoded;
  heif_image_release(image: unknown): void;
  heif_error_code: { heif_error_Ok: unknown };
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: {
    heif_chroma_interleaved_RGB: unknown;
    heif_chroma_interleaved_RGBA: unknown;
  };
}

/** A decoded image, or an error object with a `code`. */
interface HeifDecoded {
  code?: unknown;
  message?: string;
  image?: unknown;
  channels?: {
    width: number;
    height: number;
    stride: number;
    data: Uint8Array;
  }[];
}

type Factory = (options: Record<string, unknown>) => Promise<Libheif>;

const libheif = new WasmCodec(async (): Promise<Libheif> => {
  const { default: factory } = await import(
    "libheif-js/libheif-wasm/libheif.js"
  ) as unknown as { default: Factory };
  const wasm = await loadWasm("libheif-js/libheif-wasm/libheif.wasm");
  return await factory({
    // Instantiate from the module compiled here, so the package never
    // looks for its .wasm through `require("fs")` or the network.
    instantiateWasm: wasm
      ? (
        imports: WebAssembly.Imports,
        done: (instance: WebAssembly.Instance) => void,
      ) => {
        const instance = new WebAssembly.Instance(wasm, imports);
        done(instance);
        return instance.exports;
      }
      : undefined,
    print: () => {},
    printErr: () => {},
  });
});

/** A HEIC still to upright RGB, alpha composited over white. */
export function decodeHeic(
  bytes: Uint8Array,
  header: HeifHeader,
): Promise<RgbImage> {
  return libheif.run(header.width * header.height, (lh) => {
    const context = lh.heif_context_alloc();
    let handle: unknown;
    try {
      const read = lh.heif_context_read_from_memory(context, bytes);
      if (read.code !== lh.heif_error_code.heif_error_Ok) {
        throw new CodecError(read.message);
      }
      handle = lh.heif_js_context_get_primary_image_handle(context);
      const alpha = lh.heif_image_handle_has_alpha_channel(handle) !== 0;
      const decoded = lh.heif_js_decode_image2(
        handle,
        lh.heif_colorspace.heif_colorspace_RGB,
        alpha
          ? lh.heif_chroma.heif_chroma_interleaved_RGBA
          : lh.heif_chroma.heif_chroma_interleaved_RGB,
      );
      const plane = decoded.channels?.[0];
      if (!plane) {
        throw new CodecError(decoded.message ?? "libheif decoded no image");
      }
      try {
        const orientation = header.transformed ? 1 : header.orientation;
        return copyPlane(plane, alpha ? 4 : 3, orientation);
      } finally {
        lh.heif_image_release(decoded.image);
      }
    } finally {
      if (handle) lh.heif_image_handle_release(handle);
      lh.heif_context_free(context);
    }
  });
}

/** Copies an interleaved plane out of the wasm heap, dropping row padding. */
function copyPlane(
  plane: NonNullable<HeifDecoded["channels"]>[number],
  channels: number,
  orientation: number,
): RgbImage {
  const { width, height, stride, data } = plane;
  const row = width * channels;
  if (stride < row || data.length < stride * (height - 1) + row) {
    throw new CodecError("libheif returned a plane smaller than its size");
  }
  if (channels === 4) {
    const rgba = stride === row
      ? data.subarray(0, row * height)
      : new Uint8Array(row * height);
    if (stride !== row) {
      for (let y = 0; y < height; y++) {
        rgba.set(data.subarray(y * stride, y * stride + row), y * row);
      }
    }
    return rgbaToUprightRgb(width, height, rgba, orientation);
  }
  const rgb = new Uint8Array(row * height);
  for (let y = 0; y < height; y++) {
    rgb.set(data.subarray(y * stride, y * stride + row), y * row);
  }
  return applyOrientation({ width, height, data: rgb }, orientation);
}
