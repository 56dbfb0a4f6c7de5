/**
 * The pixel decoders behind `decodeImage`, one file each, every npm
 * decoder imported only when its format is first seen (a JPEG-only caller
 * loads no other). Each returns the upright RGB image. Private: swap a
 * decoder there and nothing else changes.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import type { CheckedStream } from "./_header.ts";
import { decodeJpegCmyk, decodeJpegMozjpeg } from "./_codec_jpeg.ts";
import { decodePng } from "./_codec_png.ts";
import { decodeWebp } from "./_codec_webp.ts";
import { decodeAvif } from "./_codec_avif.ts";
import { decodeHeic } from "./_codec_heif.ts";
import { decodeGif } from "./_codec_gif.ts";
import { decodeTiff } from "./_codec_tiff.ts";
import { decodeBmp } from "./_bmp.ts";
import { applyOrientation } from "./_orient.ts";

/** Decodes a checked stream to upright RGB. */
export function decodePixels(
  bytes: Uint8Array,
  checked: CheckedStream,
): Promise<RgbImage> {
  if ("compact" in checked) {
    return decodePng(checked.compact, checked.header.orientation);
  }
  if ("layout" in checked) {
    return decodeTiff(bytes, checked.header, checked.layout);
  }
  const header = checked.header;
  switch (header.format) {
    case "jpeg":
      return header.components === 4
        ? decodeJpegCmyk(bytes, header.orientation)
        : decodeJpegMozjpeg(
          bytes,
          header.width * header.height,
          header.orientation,
        );
    case "webp":
      return decodeWebp(bytes, header);
    case "avif":
      return decodeAvif(bytes, header);
    case "heic":
      return decodeHeic(bytes, header);
    case "gif":
      return decodeGif(bytes, header);
    case "bmp":
      return Promise.resolve(
        applyOrientation(decodeBmp(bytes, header), header.orientation),
      );
  }
}
