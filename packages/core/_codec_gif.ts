/**
 * GIF pixel decoder, loaded on first use: `omggif` (pure JS). Only the
 * first frame is decoded; the screen around it, and its transparent
 * pixels, are white. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { GifHeader } from "./_gif_header.ts";
import { rgbaToUprightRgb } from "./_orient.ts";
import { quietly } from "./_quiet.ts";
import { CodecError, describe } from "./_wasm.ts";

/** The parts of omggif's reader used here (the package has no types). */
interface GifReader {
  width: number;
  height: number;
  decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void;
}

type Omggif = { GifReader: new (bytes: Uint8Array) => GifReader };

/** The first frame of a GIF to RGB. */
export async function decodeGif(
  bytes: Uint8Array,
  header: GifHeader,
): Promise<RgbImage> {
  const { GifReader } = await import("omggif") as unknown as Omggif;
  const { width, height } = header;
  const { result, logged } = quietly(() => {
    try {
      const reader = new GifReader(bytes);
      // Zero alpha outside the frame and where it is transparent.
      const rgba = new Uint8Array(width * height * 4);
      reader.decodeAndBlitFrameRGBA(0, rgba);
      return rgba;
    } catch (cause) {
      return new CodecError(describe(cause), { cause });
    }
  });
  if (result instanceof CodecError) throw result;
  // omggif's only report of a short or overlong LZW stream.
  if (logged.length > 0) throw new CodecError(logged.join("; "));
  return rgbaToUprightRgb(width, height, result, 1);
}
