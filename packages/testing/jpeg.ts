/**
 * A baseline JPEG writer for tests: a real one (forward DCT, the standard
 * quantisation tables scaled by quality, Huffman tables made for the data
 * as ITU T.81 Annex K.2 describes), with the choices MozJPEG's encoder
 * does not offer: 4:2:2, restart markers, gray, any extra segments.
 *
 * @module
 */

/** What {@linkcode encodeBaselineJpeg} writes. */
export interface BaselineJpegOptions {
  width: number;
  height: number;
  /** RGB samples (3 per pixel), row by row; for `"gray"`, their luma is kept. */
  samples: Uint8Array;
  /** 1..100, as libjpeg scales the Annex K tables; default 90. */
  quality?: number;
  /** Chroma sampling, or one gray component; default `"4:2:0"`. */
  sampling?: "4:4:4" | "4:2:2" | "4:2:0" | "gray";
  /** MCUs between restart markers (a DRI segment is written); 0: none. */
  restartInterval?: number;
  /** Complete segments (with marker) placed right after SOI. */
  segments?: Uint8Array[];
}

/** ITU T.81 Annex K.1's tables, row by row (natural order). */
const LUMA_QUANT = numbers(
  "16 11 10 16 24 40 51 61  12 12 14 19 26 58 60 55  14 13 16 24 40 57 69 56 " +
    "14 17 22 29 51 87 80 62  18 22 37 56 68 109 103 77  " +
    "24 35 55 64 81 104 113 92  49 64 78 87 103 121 120 101  " +
    "72 92 95 98 112 100 103 99",
);
const CHROMA_QUANT = numbers(
  "17 18 24 47 99 99 99 99  18 21 26 66 99 99 99 99  24 26 56 99 99 99 99 99 " +
    "47 66 99 99 99 99 99 99 " + "99 ".repeat(32),
);

function numbers(text: string): number[] {
  return text.trim().split(/\s+/).map(Number);
}

/** Natural position of each zigzag index: the anti-diagonals, alternating. */
const ZIGZAG = Array.from({ length: 15 }, (_, d) => {
  const cells = [];
  for (let y = Math.max(0, d - 7); y <= Math.min(7, d); y++) {
    cells.push(y * 8 + d - y);
  }
  // Even diagonals run up and to the right, odd ones down and to the left.
  return d % 2 === 0 ? cells.reverse() : cells;
}).flat();

function scaledTable(base: number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, quality));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return base.map((v) =>
    Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100)))
  );
}

/** 8-point DCT-II basis as JPEG scales it: C(u) cos((2x + 1)uπ / 16) / 2. */
const BASIS = Array.from({ length: 8 }, (_, u) =>
  Array.from(
    { length: 8 },
    (_, x) =>
      (u === 0 ? Math.SQRT1_2 : 1) * Math.cos((2 * x + 1) * u * Math.PI / 16) /
      2,
  ));

/** Forward DCT of an 8×8 block of level-shifted samples, quantised, in zigzag order. */
function quantisedBlock(block: Float64Array, quant: number[]): Int32Array {
  const rows = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += BASIS[u][x] * block[y * 8 + x];
      rows[y * 8 + u] = sum;
    }
  }
  const out = new Int32Array(64);
  for (let k = 0; k < 64; k++) {
    const v = ZIGZAG[k] >> 3, u = ZIGZAG[k] & 7;
    let sum = 0;
    for (let y = 0; y < 8; y++) sum += BASIS[v][y] * rows[y * 8 + u];
    out[k] = Math.round(sum / quant[ZIGZAG[k]]);
  }
  return out;
}

/** Magnitude category of a coefficient difference (bits of its value). */
function category(value: number): number {
  let abs = Math.abs(value), bits = 0;
  while (abs > 0) {
    abs >>= 1;
    bits++;
  }
  return bits;
}

/**
 * Code lengths for symbol `frequencies` (256 entries), as libjpeg's
 * optimised tables: Annex K.2's procedure with a reserved code point, so
 * that no code is all 1-bits, and lengths limited to 16.
 */
function huffmanTable(
  frequencies: number[],
): { bits: number[]; values: number[] } {
  const freq = [...frequencies, 1];
  const size = new Array(257).fill(0);
  const others = new Array(257).fill(-1);
  for (;;) {
    let c1 = -1, c2 = -1;
    for (let i = 0; i < 257; i++) {
      if (freq[i] > 0 && (c1 < 0 || freq[i] <= freq[c1])) c1 = i;
    }
    for (let i = 0; i < 257; i++) {
      if (freq[i] > 0 && i !== c1 && (c2 < 0 || freq[i] <= freq[c2])) c2 = i;
    }
    if (c2 < 0) break;
    freq[c1] += freq[c2];
    freq[c2] = 0;
    size[c1]++;
    while (others[c1] >= 0) {
      c1 = others[c1];
      size[c1]++;
    }
    others[c1] = c2;
    size[c2]++;
    while (others[c2] >= 0) {
      c2 = others[c2];
      size[c2]++;
    }
  }
  const bits = new Array(33).fill(0);
  for (let i = 0; i < 257; i++) {
    if (size[i] > 32) throw new RangeError("a Huffman code of over 32 bits");
    if (size[i] > 0) bits[size[i]]++;
  }
  for (let i = 32; i > 16; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  let longest = 16;
  while (bits[longest] === 0) longest--;
  bits[longest]--; // the reserved code point
  const values: number[] = [];
  for (let length = 1; length <= 32; length++) {
    for (let s = 0; s < 256; s++) if (size[s] === length) values.push(s);
  }
  return { bits: bits.slice(1, 17), values };
}

/** Canonical codes of a table, by symbol. */
function codes(table: { bits: number[]; values: number[] }) {
  const code = new Array(256).fill(0), length = new Array(256).fill(0);
  let next = 0, k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let i = 0; i < table.bits[l - 1]; i++, k++) {
      code[table.values[k]] = next++;
      length[table.values[k]] = l;
    }
    next <<= 1;
  }
  return { code, length };
}

class Bits {
  readonly bytes: number[] = [];
  #acc = 0;
  #count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >> i) & 1);
      if (++this.#count === 8) {
        this.bytes.push(this.#acc);
        if (this.#acc === 0xff) this.bytes.push(0);
        this.#acc = 0;
        this.#count = 0;
      }
    }
  }
  /** Pads the last byte with 1-bits. */
  flush(): void {
    while (this.#count !== 0) this.write(1, 1);
  }
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 255, ...body];
}

/**
 * Encodes a baseline (SOF0) JPEG.
 *
 * @example
 * ```ts
 * import { encodeBaselineJpeg, syntheticPicture } from "@facever/testing";
 * const picture = syntheticPicture(40, 24);
 * const jpeg = encodeBaselineJpeg({
 *   width: 40,
 *   height: 24,
 *   samples: picture.data,
 *   sampling: "4:2:2",
 *   restartInterval: 2,
 * });
 * console.log(jpeg[0] === 0xff && jpeg[1] === 0xd8); // true
 * ```
 */
export function encodeBaselineJpeg(options: BaselineJpegOptions): Uint8Array {
  const { width, height, samples } = options;
  const sampling = options.sampling ?? "4:2:0";
  const quality = options.quality ?? 90;
  const gray = sampling === "gray";
  const h = sampling === "4:2:0" || sampling === "4:2:2" ? 2 : 1;
  const v = sampling === "4:2:0" ? 2 : 1;
  const mcuW = 8 * h, mcuH = 8 * v;
  const mcusX = Math.ceil(width / mcuW), mcusY = Math.ceil(height / mcuH);
  // Planes padded to whole MCUs by repeating the last row and column.
  const planeW = mcusX * mcuW, planeH = mcusY * mcuH;
  const planes = (gray ? [0] : [0, 1, 2]).map(() =>
    new Float64Array(planeW * planeH)
  );
  for (let y = 0; y < planeH; y++) {
    for (let x = 0; x < planeW; x++) {
      const i = (Math.min(y, height - 1) * width + Math.min(x, width - 1)) * 3;
      const r = samples[i], g = samples[i + 1], b = samples[i + 2];
      const o = y * planeW + x;
      planes[0][o] = 0.299 * r + 0.587 * g + 0.114 * b;
      if (!gray) {
        planes[1][o] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
        planes[2][o] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
      }
    }
  }
  const quant = [
    scaledTable(LUMA_QUANT, quality),
    scaledTable(CHROMA_QUANT, quality),
  ];
  const components = planes.map((_, c) => ({
    h: c === 0 ? h : 1,
    v: c === 0 ? v : 1,
    table: c === 0 ? 0 : 1,
  }));
  // Every block's quantised coefficients, in coding order.
  const blocks: { table: number; coefficients: Int32Array }[] = [];
  const block = new Float64Array(64);
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      components.forEach((c, ci) => {
        // A chroma block averages the h × v luma-sized pixels it covers.
        const fx = h / c.h, fy = v / c.v;
        for (let by = 0; by < c.v; by++) {
          for (let bx = 0; bx < c.h; bx++) {
            for (let y = 0; y < 8; y++) {
              for (let x = 0; x < 8; x++) {
                let sum = 0;
                for (let dy = 0; dy < fy; dy++) {
                  for (let dx = 0; dx < fx; dx++) {
                    const px = mx * mcuW + (bx * 8 + x) * fx + dx;
                    const py = my * mcuH + (by * 8 + y) * fy + dy;
                    sum += planes[ci][py * planeW + px];
                  }
                }
                block[y * 8 + x] = sum / (fx * fy) - 128;
              }
            }
            blocks.push({
              table: c.table,
              coefficients: quantisedBlock(block, quant[c.table]),
            });
          }
        }
      });
    }
  }
  const perMcu = components.reduce((n, c) => n + c.h * c.v, 0);
  const componentOf = components.flatMap((c, i) =>
    new Array(c.h * c.v).fill(i)
  );
  const interval = options.restartInterval ?? 0;
  const used = gray ? [0] : [0, 1];

  /**
   * Walks every block's symbols in coding order: `emit(class, table,
   * symbol, extra bits, their count)`, and `restart(n)` before the n-th
   * restart interval.
   */
  const walk = (
    emit: (c: number, t: number, s: number, e: number, n: number) => void,
    restart: (n: number) => void,
  ) => {
    const previous = new Array(components.length).fill(0);
    blocks.forEach(({ table, coefficients }, n) => {
      const mcu = Math.floor(n / perMcu);
      if (n % perMcu === 0 && interval > 0 && mcu > 0 && mcu % interval === 0) {
        restart(mcu / interval - 1);
        previous.fill(0);
      }
      const c = componentOf[n % perMcu];
      const diff = coefficients[0] - previous[c];
      previous[c] = coefficients[0];
      const size = category(diff);
      emit(0, table, size, diff < 0 ? diff + (1 << size) - 1 : diff, size);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        const value = coefficients[k];
        if (value === 0) {
          run++;
          continue;
        }
        for (; run > 15; run -= 16) emit(1, table, 0xf0, 0, 0);
        const bits = category(value);
        const extra = value < 0 ? value + (1 << bits) - 1 : value;
        emit(1, table, (run << 4) | bits, extra, bits);
        run = 0;
      }
      if (run > 0) emit(1, table, 0x00, 0, 0);
    });
  };

  const frequencies = [0, 1].map(() => used.map(() => new Array(256).fill(0)));
  walk((c, t, symbol) => frequencies[c][t][symbol]++, () => {});
  const tables = frequencies.map((byTable) => byTable.map(huffmanTable));
  const coded = tables.map((byTable) => byTable.map(codes));
  const bits = new Bits();
  walk((c, t, symbol, extra, extraBits) => {
    const { code, length } = coded[c][t];
    bits.write(code[symbol], length[symbol]);
    if (extraBits > 0) bits.write(extra, extraBits);
  }, (n) => {
    bits.flush();
    bits.bytes.push(0xff, 0xd0 + (n & 7));
  });
  bits.flush();

  const out: number[] = [0xff, 0xd8];
  for (const extra of options.segments ?? []) out.push(...extra);
  for (const t of used) {
    out.push(...segment(0xdb, [t, ...ZIGZAG.map((z) => quant[t][z])]));
  }
  const sof = [
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    components.length,
  ];
  components.forEach((c, i) => sof.push(i + 1, (c.h << 4) | c.v, c.table));
  out.push(...segment(0xc0, sof));
  for (const cls of [0, 1]) {
    for (const t of used) {
      const { bits: counts, values } = tables[cls][t];
      out.push(...segment(0xc4, [(cls << 4) | t, ...counts, ...values]));
    }
  }
  if (interval > 0) out.push(...segment(0xdd, [interval >> 8, interval & 255]));
  const sos = [components.length];
  components.forEach((c, i) => sos.push(i + 1, (c.table << 4) | c.table));
  sos.push(0, 63, 0);
  out.push(...segment(0xda, sos));
  const file = new Uint8Array(out.length + bits.bytes.length + 2);
  file.set(out);
  file.set(bits.bytes, out.length);
  file.set([0xff, 0xd9], out.length + bits.bytes.length);
  return file;
}
