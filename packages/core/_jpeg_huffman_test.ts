import assert from "node:assert/strict";
import { ImageDecodeError } from "./errors.ts";
import {
  buildHuffmanTable,
  FAST_AC_BITS,
  fastAcTable,
  type HuffmanTable,
  LOOKUP_BITS,
  SKIP,
  SKIP_BITS,
  skipTable,
} from "./_jpeg_huffman.ts";

/** The AC luminance table of ITU T.81 Annex K.3 (counts, then symbols). */
function annexTable(): HuffmanTable {
  const counts = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
  // Symbols in Annex K order up to 0x0a (the first 20), then every other
  // (run, size) pair in order: any 162 distinct symbols make a valid table.
  const values = [
    0x01,
    0x02,
    0x03,
    0x00,
    0x04,
    0x11,
    0x05,
    0x12,
    0x21,
    0x31,
    0x41,
    0x06,
    0x13,
    0x51,
    0x61,
    0x07,
    0x22,
    0x71,
    0x14,
    0x32,
  ];
  for (let run = 0; run < 16; run++) {
    for (let size = 1; size <= 10; size++) {
      const symbol = (run << 4) | size;
      if (!values.includes(symbol)) values.push(symbol);
    }
  }
  values.push(0xf0);
  assert.equal(values.length, 162);
  return buildHuffmanTable(
    Uint8Array.from(counts),
    Uint8Array.from(values),
    false,
  );
}

/** Every (code, length, symbol) of a table, by brute force over its counts. */
function codesOf(counts: number[], values: number[]) {
  const out: { code: number; length: number; symbol: number }[] = [];
  let code = 0, k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts[length - 1]; i++) {
      out.push({ code: code++, length, symbol: values[k++] });
    }
    code <<= 1;
  }
  return out;
}

Deno.test("Huffman tables: canonical codes and the checks libjpeg makes", async (t) => {
  await t.step("the decoders' literal sizes are the tables' sizes", () => {
    // _jpeg_scan.ts and _jpeg_blocks.ts write these numbers out.
    const table = annexTable();
    assert.equal(LOOKUP_BITS, 9);
    assert.equal(table.lookup.length, 512);
    assert.equal(SKIP_BITS, 12);
    assert.equal(skipTable(table).length, 4096);
    assert.equal(FAST_AC_BITS, 10);
    assert.equal(fastAcTable(table).length, 1024);
    assert.deepEqual(
      [SKIP.firstEob, SKIP.secondEob, SKIP.hasSecond],
      [0x1000000, 0x2000000, 0x4000000],
    );
    assert.deepEqual(
      [SKIP.bothShift, SKIP.firstAdvanceShift, SKIP.secondAdvanceShift],
      [5, 10, 17],
    );
  });

  await t.step("every code is found, by the look-up or the slow path", () => {
    const counts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const table = buildHuffmanTable(
      Uint8Array.from(counts),
      Uint8Array.from(values),
      true,
    );
    for (const { code, length, symbol } of codesOf(counts, values)) {
      const window = code << (LOOKUP_BITS - length);
      assert.equal(table.lookup[window], (length << 8) | symbol);
      assert.ok(code <= table.maxCode[length]);
      assert.equal(table.values[code + table.valueOffset[length]], symbol);
    }
  });

  await t.step("codes longer than the look-up go the slow way", () => {
    const table = annexTable();
    // The 16-bit codes: the look-up has nothing for their 9-bit prefix.
    assert.equal(table.lookup[511], 0);
    assert.equal(table.maxCode[16], 0xfffe);
  });

  await t.step("an overflowing or all-ones code is corrupt_image", () => {
    const bad = [
      [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // 3 codes of 1 bit
      [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // "1" is all ones
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2], // ends in 16 ones
    ];
    for (const counts of bad) {
      const n = counts.reduce((a, b) => a + b, 0);
      assert.throws(
        () =>
          buildHuffmanTable(
            Uint8Array.from(counts),
            Uint8Array.from({ length: n }, (_, i) => i),
            false,
          ),
        (e: unknown) =>
          e instanceof ImageDecodeError && e.code === "corrupt_image",
      );
    }
  });

  await t.step("a DC symbol above 15 is corrupt_image", () => {
    assert.throws(
      () =>
        buildHuffmanTable(
          Uint8Array.from([1, ...new Array(15).fill(0)]),
          Uint8Array.from([16]),
          true,
        ),
      (e: unknown) =>
        e instanceof ImageDecodeError && e.code === "corrupt_image",
    );
  });
});

Deno.test("AC look-ups agree with decoding the bits one code at a time", async (t) => {
  const counts = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
  const table = annexTable();
  const codes = codesOf(counts, Array.from(table.values));
  /** The code at the top of a `bits`-wide window, if one fits. */
  const first = (window: number, bits: number) =>
    codes.find(({ code, length }) =>
      length <= bits && window >>> (bits - length) === code
    );

  await t.step("the 10-bit table: code and value together", () => {
    const fast = fastAcTable(table);
    for (let window = 0; window < 1 << FAST_AC_BITS; window++) {
      const found = first(window, FAST_AC_BITS);
      const size = (found?.symbol ?? 0) & 15;
      if (!found || size === 0 || found.length + size > FAST_AC_BITS) {
        assert.equal(fast[window], 0, `window ${window}`);
        continue;
      }
      const raw = (window >>> (FAST_AC_BITS - found.length - size)) &
        ((1 << size) - 1);
      const value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
      assert.equal(fast[window] >> 16, value);
      assert.equal((fast[window] >> 8) & 255, found.symbol >> 4);
      assert.equal(fast[window] & 255, found.length + size);
    }
  });

  await t.step("the 12-bit table: one or two codes skipped", () => {
    const skip = skipTable(table);
    /** Bits and advance of one code and its value, if they fit. */
    const one = (window: number, bits: number) => {
      const found = first(window, bits);
      if (!found) return undefined;
      const size = found.symbol & 15, run = found.symbol >> 4;
      if (found.length + size > bits) return undefined;
      const eob = size === 0 && run !== 15;
      const advance = size === 0 ? (eob ? 0 : 16) : run + 1;
      return { bits: found.length + size, advance, eob };
    };
    for (let window = 0; window < 1 << SKIP_BITS; window++) {
      const entry = skip[window];
      const a = one(window, SKIP_BITS);
      if (!a) {
        assert.equal(entry, 0);
        continue;
      }
      assert.equal(entry & SKIP.firstBits, a.bits);
      assert.equal((entry >> SKIP.firstAdvanceShift) & 127, a.advance);
      assert.equal((entry & SKIP.firstEob) !== 0, a.eob);
      const rest = SKIP_BITS - a.bits;
      const b = a.eob || rest === 0
        ? undefined
        : one(window & ((1 << rest) - 1), rest);
      assert.equal((entry & SKIP.hasSecond) !== 0, b !== undefined);
      if (b) {
        assert.equal((entry >> SKIP.bothShift) & 31, a.bits + b.bits);
        assert.equal((entry >> SKIP.secondAdvanceShift) & 127, b.advance);
        assert.equal((entry & SKIP.secondEob) !== 0, b.eob);
      }
    }
  });
});
