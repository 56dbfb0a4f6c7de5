/**
 * PNG pixel decoder, loaded on first use: `fast-png` (pure JS). Private.
 *
 * `@jsquash/png` is as fast, but a failed decode leaks its wasm heap
 * (hundreds of MB after a few hundred damaged files) and its instance
 * cannot be replaced through its API.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import { pngSamplesToRgb } from "./_png.ts";
import { applyOrientation } from "./_orient.ts";
import { CodecError, describe } from "./_wasm.ts";

/**
 * Any PNG to upright RGB, transparency composited over white. `bytes` is
 * the compact stream the structure check made (one IDAT, CRCs unset).
 */
export async function decodePng(
  bytes: Uint8Array,
  orientation: number,
): Promise<RgbImage> {
  const { decode } = await import("fast-png");
  let image: RgbImage;
  try {
    image = pngSamplesToRgb(decode(bytes, { checkCrc: false }));
  } catch (cause) {
    throw new CodecError(describe(cause), { cause });
  }
  return applyOrientation(image, orientation);
}
