/**
 * TIFF pixel decoder, loaded on first use: `utif2` (pure JS) undoes the
 * compression (LZW, Deflate, PackBits, JPEG) and the predictor of the
 * first image, described by the directory our own parser read; the
 * samples are turned into RGB here. Private.
 *
 * @module
 */
import type { RgbImage } from "./types.ts";
import { first, type TiffHeader } from "./_tiff_header.ts";
import { applyOrientation } from "./_orient.ts";
import { quietly } from "./_quiet.ts";
import { CodecError, describe, exactBuffer } from "./_wasm.ts";

/** The parts of UTIF used here. */
interface Utif {
  decodeImage(
    buffer: ArrayBuffer,
    ifd: Record<string, unknown>,
    ifds: unknown[],
  ): void;
}

/** Sample layout the structure check established. */
export interface TiffLayout {
  depth: number;
  samples: number;
  photometric: number;
}

/**
 * UTIF keeps whatever a damaged Deflate strip inflates to and leaves the
 * rest of the strip zero, so each strip is inflated here first (by the
 * platform's zlib, which checks the Adler-32 of the data) and must yield
 * its full size.
 */
async function checkDeflate(
  bytes: Uint8Array,
  header: TiffHeader,
  layout: TiffLayout,
): Promise<void> {
  const { tags, width, height } = header;
  const tiled = tags.t322 !== undefined;
  const offsets = tags[tiled ? "t324" : "t273"] as number[];
  const counts = tags[tiled ? "t325" : "t279"] as number[];
  const rowBytes = (w: number) =>
    Math.ceil(w * layout.depth * layout.samples / 8);
  const rows = tiled ? first(tags, 323) ?? 0 : first(tags, 278) ?? height;
  const pieceWidth = tiled ? first(tags, 322) ?? 0 : width;
  for (let i = 0; i < counts.length; i++) {
    const expected = rowBytes(pieceWidth) *
      (tiled ? rows : Math.min(rows, height - i * rows));
    if (expected <= 0) break;
    const piece = bytes.slice(offsets[i], offsets[i] + counts[i]);
    let produced = 0;
    try {
      const stream = new Blob([piece]).stream().pipeThrough(
        new DecompressionStream("deflate"),
      );
      for await (const chunk of stream) produced += chunk.length;
    } catch (cause) {
      throw new CodecError(`TIFF Deflate strip ${i}: ${describe(cause)}`, {
        cause,
      });
    }
    if (produced < expected) {
      throw new CodecError(
        `TIFF Deflate strip ${i} holds ${produced} of its ${expected} bytes`,
      );
    }
  }
}

/** The first image of a TIFF to upright RGB. */
export async function decodeTiff(
  bytes: Uint8Array,
  header: TiffHeader,
  layout: TiffLayout,
): Promise<RgbImage> {
  const compression = first(header.tags, 259);
  if (compression === 8 || compression === 32946) {
    await checkDeflate(bytes, header, layout);
  }
  const { default: utif } = await import("utif2") as unknown as {
    default: Utif;
  };
  const ifd: Record<string, unknown> = { ...header.tags };
  const { result, logged } = quietly(() => {
    try {
      utif.decodeImage(exactBuffer(bytes), ifd, [ifd]);
      return undefined;
    } catch (cause) {
      return new CodecError(describe(cause), { cause });
    }
  });
  if (result) throw result;
  const data = ifd.data;
  const rows = Math.ceil(header.width * layout.depth * layout.samples / 8);
  if (!(data instanceof Uint8Array) || data.length < rows * header.height) {
    throw new CodecError(
      logged.join("; ") || "the TIFF data decoded to too few samples",
    );
  }
  const plain = layout.photometric === 2 && layout.depth === 8 &&
    layout.samples === 3;
  const rgb = plain
    ? {
      width: header.width,
      height: header.height,
      data: data.subarray(0, rows * header.height),
    }
    : samplesToRgb(data, header, layout, rows);
  return applyOrientation(rgb, header.orientation);
}

/** round((c·a + 255·(255 − a)) / 255). */
function over(c: number, a: number): number {
  return ((c * a + 255 * (255 - a) + 127) / 255) | 0;
}

/**
 * Samples (rows of `rowBytes`, 16-bit ones little-endian after UTIF) to
 * 8-bit RGB. An extra sample marked as alpha is composited over white.
 */
function samplesToRgb(
  data: Uint8Array,
  header: TiffHeader,
  layout: TiffLayout,
  rowBytes: number,
): RgbImage {
  const { width, height, tags } = header;
  const { depth, samples, photometric } = layout;
  const out = new Uint8Array(width * height * 3);
  const colours = photometric === 2 || photometric === 6
    ? 3
    : photometric === 5
    ? 4
    : 1;
  const extra = first(tags, 338) ?? 0;
  const alpha = samples > colours && (extra === 1 || extra === 2);
  const premultiplied = extra === 1;
  const map = tags.t320 as number[] | undefined;
  const levels = (1 << Math.min(depth, 8)) - 1;
  const sample = (row: number, index: number): number => {
    if (depth === 16) {
      const at = row + index * 2;
      return Math.round((data[at] | (data[at + 1] << 8)) / 257);
    }
    if (depth === 8) return data[row + index];
    const bit = index * depth;
    const v = (data[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & levels;
    return photometric === 3 ? v : Math.round(v * 255 / levels);
  };
  for (let y = 0, o = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++, o += 3) {
      const s = x * samples;
      let r: number, g: number, b: number;
      if (photometric === 3 && map) {
        const v = sample(row, s);
        const n = 1 << depth;
        r = Math.round(map[v] / 257);
        g = Math.round(map[n + v] / 257);
        b = Math.round(map[2 * n + v] / 257);
      } else if (colours === 3) {
        r = sample(row, s);
        g = sample(row, s + 1);
        b = sample(row, s + 2);
      } else if (colours === 4) {
        const k = 255 - sample(row, s + 3);
        r = Math.round((255 - sample(row, s)) * k / 255);
        g = Math.round((255 - sample(row, s + 1)) * k / 255);
        b = Math.round((255 - sample(row, s + 2)) * k / 255);
      } else {
        const v = sample(row, s);
        r = g = b = photometric === 0 ? 255 - v : v;
      }
      if (alpha) {
        const a = sample(row, s + colours);
        if (premultiplied) {
          r = Math.min(255, r + 255 - a);
          g = Math.min(255, g + 255 - a);
          b = Math.min(255, b + 255 - a);
        } else {
          r = over(r, a);
          g = over(g, a);
          b = over(b, a);
        }
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return { width, height, data: out };
}
