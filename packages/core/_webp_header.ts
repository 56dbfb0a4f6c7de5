/**
 * WebP container parsing (RIFF): canvas size, EXIF orientation, the first
 * frame of an animation, and a check that every chunk lies inside the
 * file. Private.
 *
 * @module
 */
import { readExifOrientation } from "./_exif.ts";
import { ascii, corrupt, truncated, u16le, u24le, u32le } from "./_bytes.ts";

/** The first frame of an animated WebP, placed on the canvas. */
export interface WebpFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The frame's ALPH and VP8/VP8L chunks, as a still WebP. */
  still: Uint8Array;
}

/** What the decoder needs from a WebP header. */
export interface WebpHeader {
  format: "webp";
  /** Canvas size. */
  width: number;
  height: number;
  orientation: number;
  /** Set for an animation: only its first frame is decoded. */
  frame?: WebpFrame;
}

interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** Whether the bytes start like a WebP file. */
export function isWebp(bytes: Uint8Array): boolean {
  return ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP";
}

/**
 * The chunks in `[start, end)`. With `strict`, a chunk past `end` is
 * truncation; without, the walk stops there (the header can be read from
 * a file whose tail is missing).
 */
function chunks(
  bytes: Uint8Array,
  start: number,
  end: number,
  strict: boolean,
): Chunk[] {
  const out: Chunk[] = [];
  let pos = start;
  while (pos < end) {
    if (pos + 8 > end) {
      if (strict) throw truncated("a WebP chunk header is cut off");
      break;
    }
    const type = ascii(bytes, pos, 4);
    const size = u32le(bytes, pos + 4);
    if (pos + 8 + size > end) {
      if (strict) throw truncated(`WebP chunk "${type}" is cut off`);
      out.push({ type, start: pos + 8, end });
      break;
    }
    out.push({ type, start: pos + 8, end: pos + 8 + size });
    pos += 8 + size + (size & 1);
  }
  return out;
}

/** The end of the RIFF payload, checked against the file. */
function riffEnd(bytes: Uint8Array, strict: boolean): number {
  if (bytes.length < 12) throw truncated("the WebP header is incomplete");
  const size = u32le(bytes, 4);
  if (size < 4 || size & 1) throw corrupt(`WebP RIFF size ${size}`);
  if (8 + size > bytes.length) {
    if (strict) throw truncated(`the WebP file needs ${8 + size} bytes`);
    return bytes.length;
  }
  return 8 + size;
}

/** Size of a VP8 (lossy) or VP8L (lossless) bitstream. */
function bitstreamSize(bytes: Uint8Array, chunk: Chunk) {
  const p = chunk.start;
  const length = chunk.end - p;
  if (chunk.type === "VP8 ") {
    if (length < 10) throw truncated("the WebP VP8 frame header is cut off");
    const tag = u24le(bytes, p);
    if (tag & 1) throw corrupt("WebP VP8 data is not a key frame");
    if (
      bytes[p + 3] !== 0x9d || bytes[p + 4] !== 0x01 || bytes[p + 5] !== 0x2a
    ) {
      throw corrupt("WebP VP8 start code missing");
    }
    if ((tag >>> 5) > length - 10) {
      throw truncated("the WebP VP8 first partition is cut off");
    }
    return {
      width: u16le(bytes, p + 6) & 0x3fff,
      height: u16le(bytes, p + 8) & 0x3fff,
    };
  }
  if (length < 5) throw truncated("the WebP VP8L header is cut off");
  if (bytes[p] !== 0x2f) throw corrupt("WebP VP8L signature missing");
  const bits = u32le(bytes, p + 1);
  if (bits >>> 29 !== 0) throw corrupt("unknown WebP VP8L version");
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

function isBitstream(type: string): boolean {
  return type === "VP8 " || type === "VP8L";
}

function exifOrientation(bytes: Uint8Array, chunk: Chunk): number {
  const start = ascii(bytes, chunk.start, 6) === "Exif\0\0"
    ? chunk.start + 6
    : chunk.start;
  return readExifOrientation(bytes, start, chunk.end);
}

/** Parses a WebP header; `strict` also checks every chunk is complete. */
export function parseWebpHeader(
  bytes: Uint8Array,
  strict = false,
): WebpHeader {
  const list = chunks(bytes, 12, riffEnd(bytes, strict), strict);
  const first = list[0];
  if (!first) throw truncated("the WebP file has no chunks");
  if (isBitstream(first.type)) {
    const { width, height } = bitstreamSize(bytes, first);
    if (width === 0 || height === 0) {
      throw corrupt(`WebP size is ${width}x${height}`);
    }
    return { format: "webp", width, height, orientation: 1 };
  }
  if (first.type !== "VP8X") {
    throw corrupt(`WebP starts with an unknown chunk "${first.type}"`);
  }
  if (first.end - first.start < 10) throw corrupt("WebP VP8X chunk too short");
  const flags = bytes[first.start];
  const width = u24le(bytes, first.start + 4) + 1;
  const height = u24le(bytes, first.start + 7) + 1;
  let orientation = 1;
  const exif = list.find((c) => c.type === "EXIF");
  if (exif && flags & 0x08) orientation = exifOrientation(bytes, exif);
  if (!(flags & 0x02)) {
    const image = list.find((c) => isBitstream(c.type));
    if (!image) {
      if (strict) throw corrupt("WebP file without image data");
    } else {
      const size = bitstreamSize(bytes, image);
      if (size.width !== width || size.height !== height) {
        throw corrupt(
          `WebP image is ${size.width}x${size.height} on a ${width}x${height} canvas`,
        );
      }
    }
    return { format: "webp", width, height, orientation };
  }
  const anmf = list.find((c) => c.type === "ANMF");
  if (!anmf) {
    throw strict
      ? corrupt("animated WebP without frames")
      : truncated("the first WebP frame is missing");
  }
  return {
    format: "webp",
    width,
    height,
    orientation,
    frame: firstFrame(bytes, anmf, width, height, strict),
  };
}

function firstFrame(
  bytes: Uint8Array,
  anmf: Chunk,
  canvasWidth: number,
  canvasHeight: number,
  strict: boolean,
): WebpFrame {
  const p = anmf.start;
  if (anmf.end - p < 16) throw truncated("the WebP frame header is cut off");
  const x = u24le(bytes, p) * 2, y = u24le(bytes, p + 3) * 2;
  const width = u24le(bytes, p + 6) + 1, height = u24le(bytes, p + 9) + 1;
  if (x + width > canvasWidth || y + height > canvasHeight) {
    throw corrupt("the first WebP frame lies outside the canvas");
  }
  const parts = chunks(bytes, p + 16, anmf.end, strict);
  const image = parts.find((c) => isBitstream(c.type));
  if (!image) throw truncated("the first WebP frame has no image data");
  const size = bitstreamSize(bytes, image);
  if (size.width !== width || size.height !== height) {
    throw corrupt("the first WebP frame's image does not fit its frame");
  }
  const alpha = parts.find((c) => c.type === "ALPH");
  return { x, y, width, height, still: stillWebp(bytes, image, alpha) };
}

/** A still WebP of one bitstream chunk and, for lossy data, its alpha. */
function stillWebp(bytes: Uint8Array, image: Chunk, alpha?: Chunk) {
  const parts: Uint8Array[] = [];
  const chunk = (type: string, data: Uint8Array) => {
    const head = new Uint8Array(8);
    for (let i = 0; i < 4; i++) head[i] = type.charCodeAt(i);
    new DataView(head.buffer).setUint32(4, data.length, true);
    parts.push(head, data);
    if (data.length & 1) parts.push(new Uint8Array(1));
  };
  const data = bytes.subarray(image.start, image.end);
  if (alpha && image.type === "VP8 ") {
    const { width, height } = bitstreamSize(bytes, image);
    const vp8x = new Uint8Array(10);
    vp8x[0] = 0x10; // alpha
    vp8x.set([(width - 1) & 255, (width - 1) >> 8, 0], 4);
    vp8x.set([(height - 1) & 255, (height - 1) >> 8, 0], 7);
    chunk("VP8X", vp8x);
    chunk("ALPH", bytes.subarray(alpha.start, alpha.end));
  }
  chunk(image.type, data);
  const size = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(12 + size);
  out.set([0x52, 0x49, 0x46, 0x46]); // RIFF
  new DataView(out.buffer).setUint32(4, size + 4, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8); // WEBP
  let at = 12;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
