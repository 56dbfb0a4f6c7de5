/**
 * LZW code walkers for GIF and TIFF: they follow a stream's codes without
 * writing pixels, and count what it would make. Each code must be one the
 * table holds (omggif chases an undefined code around a loop forever), and
 * the stream must make all the data its frame or strip needs (decoders
 * leave the rest empty without a word). Private.
 *
 * @module
 */
import { corrupt } from "./_bytes.ts";

/**
 * A GIF frame's LZW data (sub-blocks from `start`; codes least significant
 * bit first, widths growing when the table fills a width) must make
 * exactly `pixels` indices.
 */
export function checkGifLzw(
  bytes: Uint8Array,
  start: number,
  codeSize: number,
  pixels: number,
): void {
  const clear = 1 << codeSize, end = clear + 1;
  const lengths = new Uint16Array(4096);
  lengths.fill(1, 0, clear);
  let next = end + 1, size = codeSize + 1;
  let previous = -1;
  let produced = 0;
  let bits = 0, held = 0;
  let block = start, left = bytes[start], pos = start + 1;
  for (;;) {
    while (held < size && left > 0) {
      bits |= bytes[pos++] << held;
      held += 8;
      if (--left === 0) {
        block = pos;
        left = bytes[block];
        pos = block + 1;
      }
    }
    if (held < size) break; // the data ran out before an end code
    const code = bits & ((1 << size) - 1);
    bits >>>= size;
    held -= size;
    if (code === clear) {
      next = end + 1;
      size = codeSize + 1;
      previous = -1;
      continue;
    }
    if (code === end) break;
    if (code > next || (code === next && previous < 0) || code === end) {
      throw corrupt(`GIF LZW code ${code} where at most ${next} is defined`);
    }
    const length = code < next ? lengths[code] : lengths[previous] + 1;
    produced += length;
    if (produced > pixels) {
      throw corrupt("GIF frame data makes too many pixels");
    }
    if (previous >= 0 && next < 4096) {
      lengths[next] = lengths[previous] + 1;
      if (++next === 1 << size && size < 12) size++;
    }
    previous = code;
  }
  if (produced < pixels) {
    throw corrupt(`GIF frame data makes ${produced} of its ${pixels} pixels`);
  }
}

/**
 * A TIFF LZW strip (codes most significant bit first, widths growing one
 * code early, 256 clear, 257 end) must start with a clear code, as libtiff
 * and every writer since it make them, and make at least `needed` bytes.
 * UTIF loops forever on an undefined code, as omggif does.
 */
export function checkTiffLzw(
  bytes: Uint8Array,
  start: number,
  length: number,
  needed: number,
): void {
  // The first 9 bits hold 256: 0x80 then a byte whose top bit is clear.
  if (length < 2 || bytes[start] !== 0x80 || (bytes[start + 1] & 0x80)) {
    throw corrupt("a TIFF LZW strip does not start with a clear code");
  }
  const end = start + length;
  const lengths = new Uint16Array(4096);
  lengths.fill(1, 0, 256);
  let next = 258, size = 9, previous = -1;
  let produced = 0;
  let bits = 0, held = 0, pos = start;
  for (;;) {
    while (held < size && pos < end) {
      bits = ((bits << 8) | bytes[pos++]) & 0xffffff;
      held += 8;
    }
    if (held < size) break; // the strip ran out before an end code
    const code = (bits >>> (held - size)) & ((1 << size) - 1);
    held -= size;
    if (code === 256) {
      next = 258;
      size = 9;
      previous = -1;
      continue;
    }
    if (code === 257) break;
    if (code > next || (code === next && previous < 0)) {
      throw corrupt(`TIFF LZW code ${code} where at most ${next} is defined`);
    }
    produced += code < next ? lengths[code] : lengths[previous] + 1;
    if (previous >= 0 && next < 4096) {
      lengths[next] = lengths[previous] + 1;
      if (++next >= (1 << size) - 1 && size < 12) size++;
    }
    previous = code;
  }
  if (produced < needed) {
    throw corrupt(`a TIFF LZW strip makes ${produced} of its ${needed} bytes`);
  }
}
