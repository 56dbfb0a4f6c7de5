/**
 * GIF container parsing: the logical screen, the first frame, and a walk
 * over every block to the trailer, so that a cut or damaged file fails
 * here instead of decoding as a partly empty picture. Private.
 *
 * @module
 */
import { ascii, corrupt, truncated, u16le } from "./_bytes.ts";
import { checkGifLzw } from "./_lzw.ts";

/** What the decoder needs from a GIF header. */
export interface GifHeader {
  format: "gif";
  /** Logical screen size. */
  width: number;
  height: number;
  orientation: number;
}

/** Whether the bytes start like a GIF. */
export function isGif(bytes: Uint8Array): boolean {
  const magic = ascii(bytes, 0, 6);
  return magic === "GIF87a" || magic === "GIF89a";
}

/**
 * An LZW code of at most 12 bits stands for at most 4096 pixels, so one
 * byte of frame data yields at most 4096 / 1.5 pixels.
 */
const MAX_PIXELS_PER_BYTE = 2730;

/** Parses the logical screen descriptor. */
export function parseGifHeader(bytes: Uint8Array): GifHeader {
  if (bytes.length < 13) throw truncated("the GIF header is incomplete");
  const width = u16le(bytes, 6), height = u16le(bytes, 8);
  if (width === 0 || height === 0) {
    throw corrupt(`GIF screen size is ${width}x${height}`);
  }
  return { format: "gif", width, height, orientation: 1 };
}

/** Skips a chain of data sub-blocks; returns the position after it. */
function skipSubBlocks(bytes: Uint8Array, pos: number): [number, number] {
  let data = 0;
  for (;;) {
    if (pos >= bytes.length) throw truncated("a GIF data block is cut off");
    const size = bytes[pos];
    if (size === 0) return [pos + 1, data];
    pos += 1 + size;
    data += size;
  }
}

/**
 * Walks every block to the trailer. The first frame must lie on the
 * screen, hold enough data for its size, and decode to all its pixels.
 */
export function checkGifStructure(bytes: Uint8Array, header: GifHeader) {
  const packed = bytes[10];
  let pos = 13 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  let frames = 0;
  for (;;) {
    if (pos >= bytes.length) throw truncated("the GIF stops before its end");
    const block = bytes[pos];
    if (block === 0x3b) break;
    if (block === 0x21) {
      if (pos + 2 > bytes.length) throw truncated("a GIF extension is cut off");
      pos = skipSubBlocks(bytes, pos + 2)[0];
      continue;
    }
    if (block !== 0x2c) {
      throw corrupt(`unknown GIF block 0x${block.toString(16)}`);
    }
    if (pos + 10 > bytes.length) {
      throw truncated("a GIF image descriptor is cut off");
    }
    const x = u16le(bytes, pos + 1), y = u16le(bytes, pos + 3);
    const w = u16le(bytes, pos + 5), h = u16le(bytes, pos + 7);
    const flags = bytes[pos + 9];
    pos += 10 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
    if (!(flags & 0x80) && !(packed & 0x80)) {
      throw corrupt("GIF frame without a colour table");
    }
    if (pos >= bytes.length) throw truncated("a GIF frame is cut off");
    const codeSize = bytes[pos];
    if (codeSize < 2 || codeSize > 8) {
      throw corrupt(`GIF LZW code size ${codeSize}`);
    }
    const [next, data] = skipSubBlocks(bytes, pos + 1);
    if (frames++ === 0) {
      if (w === 0 || h === 0) throw corrupt(`GIF frame size is ${w}x${h}`);
      if (x + w > header.width || y + h > header.height) {
        throw corrupt("the first GIF frame lies outside the screen");
      }
      if (data < Math.floor(w * h / MAX_PIXELS_PER_BYTE)) {
        throw truncated(`${data} bytes cannot hold a ${w}x${h} GIF frame`);
      }
      checkGifLzw(bytes, pos + 1, codeSize, w * h);
    }
    pos = next;
  }
  if (frames === 0) throw corrupt("the GIF has no image");
}
