/**
 * Huffman tables of a baseline JPEG and the lookup tables the entropy
 * decoders use: a 9-bit table of whole codes, a 10-bit table that also
 * holds an AC coefficient's value, and a 12-bit table that skips up to two
 * AC coefficients at once (the DC-only pass reads every coefficient but
 * keeps none). Building a table checks it as libjpeg does: a code space
 * overflowed or a code of all 1-bits is `corrupt_image`. Private.
 *
 * @module
 */
import { corrupt } from "./_bytes.ts";

/** Bits looked at at once to find a whole code (longer codes go slow). */
export const LOOKUP_BITS = 9;
/** Bits of the table that decodes an AC code and its value together. */
export const FAST_AC_BITS = 10;
/** Bits of the table that skips one or two AC coefficients. */
export const SKIP_BITS = 12;

/** A decoding table of one DHT entry. */
export interface HuffmanTable {
  /**
   * Indexed by the next {@linkcode LOOKUP_BITS} bits: `(length << 8) |
   * symbol` of a code that fits, 0 when the code is longer.
   */
  readonly lookup: Int32Array;
  /** Largest code of each length 1..16 (-1 when none), then a sentinel. */
  readonly maxCode: Int32Array;
  /** For length l, `values[code + valueOffset[l]]` is the code's symbol. */
  readonly valueOffset: Int32Array;
  readonly values: Uint8Array;
}

/** Entry fields of {@linkcode skipTable}. */
export const SKIP = {
  /** Bits of the first symbol (code and value): `entry & 31`. */
  firstBits: 31,
  /** Shift of the bits of both symbols. */
  bothShift: 5,
  /** Shift of the first symbol's advance in coefficients (0 for EOB). */
  firstAdvanceShift: 10,
  /** Shift of the second symbol's advance. */
  secondAdvanceShift: 17,
  firstEob: 1 << 24,
  secondEob: 1 << 25,
  hasSecond: 1 << 26,
} as const;

/**
 * Builds the canonical code of a DHT entry (`counts[l - 1]` codes of length
 * l, then their symbols). DC symbols above 15 are refused, as libjpeg does.
 */
export function buildHuffmanTable(
  counts: Uint8Array,
  values: Uint8Array,
  isDc: boolean,
): HuffmanTable {
  const lookup = new Int32Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    valueOffset[length] = k - code;
    for (let i = 0; i < n; i++, code++, k++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        lookup.fill(
          (length << 8) | values[k],
          code << shift,
          (code + 1) << shift,
        );
      }
    }
    if (n > 0) maxCode[length] = code - 1;
    // libjpeg's check: the codes of this length overflow it, or the last
    // one is all 1-bits (which would look like a marker's fill).
    if (code >= 1 << length) {
      throw corrupt(`a Huffman table's codes of ${length} bits overflow`);
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  if (isDc) {
    for (const symbol of values) {
      if (symbol > 15) {
        throw corrupt(`a DC Huffman table holds the symbol ${symbol}`);
      }
    }
  }
  return { lookup, maxCode, valueOffset, values };
}

/**
 * The symbol of the code at the top of `bits` (a left-aligned window of
 * `available` bits, at most 16 looked at), and its length; `undefined`
 * when no code of the table starts there.
 */
function codeAt(
  table: HuffmanTable,
  bits: number,
  available: number,
): { length: number; symbol: number } | undefined {
  for (let length = 1; length <= Math.min(16, available); length++) {
    const code = bits >>> (available - length);
    if (code <= table.maxCode[length]) {
      return {
        length,
        symbol: table.values[code + table.valueOffset[length]],
      };
    }
  }
  return undefined;
}

/**
 * For each {@linkcode FAST_AC_BITS}-bit window: `(value << 16) | (run << 8)
 * | bits` when an AC code with a non-zero value (code and value bits
 * together) fits the window, else 0.
 */
export function fastAcTable(table: HuffmanTable): Int32Array {
  const out = new Int32Array(1 << FAST_AC_BITS);
  for (let window = 0; window < out.length; window++) {
    const found = codeAt(table, window, FAST_AC_BITS);
    if (!found) continue;
    const size = found.symbol & 15;
    const total = found.length + size;
    if (size === 0 || total > FAST_AC_BITS) continue;
    let value = (window >>> (FAST_AC_BITS - total)) & ((1 << size) - 1);
    if (value < 1 << (size - 1)) value += 1 - (1 << size);
    out[window] = (value << 16) | ((found.symbol >> 4) << 8) | total;
  }
  return out;
}

/** One AC symbol's bits and advance, when code and value fit `available`. */
function skipOne(
  table: HuffmanTable,
  bits: number,
  available: number,
): { bits: number; advance: number; eob: boolean } | undefined {
  const found = codeAt(table, bits, available);
  if (!found) return undefined;
  const run = found.symbol >> 4, size = found.symbol & 15;
  const total = found.length + size;
  if (total > available) return undefined;
  if (size === 0) {
    // 0x00 ends the block; 0xF0 skips 16 zeros; other runs without a
    // value are not in the standard, and libjpeg treats them as EOB too.
    return run === 15
      ? { bits: total, advance: 16, eob: false }
      : { bits: total, advance: 0, eob: true };
  }
  return { bits: total, advance: run + 1, eob: false };
}

/**
 * For each {@linkcode SKIP_BITS}-bit window, one or two AC symbols to skip
 * at once (see {@linkcode SKIP} for the fields), or 0 when the first does
 * not fit the window.
 */
export function skipTable(table: HuffmanTable): Int32Array {
  const out = new Int32Array(1 << SKIP_BITS);
  const mask = (1 << SKIP_BITS) - 1;
  for (let window = 0; window <= mask; window++) {
    const first = skipOne(table, window, SKIP_BITS);
    if (!first) continue;
    let entry = first.bits | (first.advance << SKIP.firstAdvanceShift) |
      (first.eob ? SKIP.firstEob : 0);
    const rest = SKIP_BITS - first.bits;
    const second = first.eob || rest === 0
      ? undefined
      : skipOne(table, window & ((1 << rest) - 1), rest);
    if (second) {
      entry |= ((first.bits + second.bits) << SKIP.bothShift) |
        (second.advance << SKIP.secondAdvanceShift) |
        (second.eob ? SKIP.secondEob : 0) | SKIP.hasSecond;
    }
    out[window] = entry;
  }
  return out;
}
