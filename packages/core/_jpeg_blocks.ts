/**
 * The second pass: a rectangle of MCUs decoded whole (every coefficient,
 * dequantised, inverse-transformed) at full, 1/2 or 1/4 scale, starting
 * each row where the first pass's index says it starts, so nothing
 * outside the rectangle is read. Private.
 *
 * @module
 */
import { corrupt } from "./_bytes.ts";
import type { BaselineJpeg } from "./_jpeg_baseline.ts";
import { fastAcTable } from "./_jpeg_huffman.ts";
import { idctBlock, type IdctScratch, idctScratch } from "./_jpeg_idct.ts";
import type { McuIndex, McuLayout, ScanData } from "./_jpeg_scan.ts";

/** Natural (row-major) position of the k-th coefficient in zigzag order. */
const ZIGZAG = Int32Array.from([
  0,
  1,
  8,
  16,
  9,
  2,
  3,
  10,
  17,
  24,
  32,
  25,
  18,
  11,
  4,
  5,
  12,
  19,
  26,
  33,
  40,
  48,
  41,
  34,
  27,
  20,
  13,
  6,
  7,
  14,
  21,
  28,
  35,
  42,
  49,
  56,
  57,
  50,
  43,
  36,
  29,
  22,
  15,
  23,
  30,
  37,
  44,
  51,
  58,
  59,
  52,
  45,
  38,
  31,
  39,
  46,
  53,
  60,
  61,
  54,
  47,
  55,
  62,
  63,
]);

/** A rectangle of MCUs, columns `[x0, x1)` and rows `[y0, y1)`. */
export interface McuRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Decoded component planes of an MCU rectangle, at one scale. */
export interface Planes {
  /** Y (or gray), then Cb and Cr. */
  readonly planes: readonly Uint8Array[];
  /** Samples per row of each plane. */
  readonly widths: readonly number[];
  /** Rows of each plane. */
  readonly heights: readonly number[];
}

/** Everything one row of the second pass reads. */
interface RowState {
  readonly jpeg: BaselineJpeg;
  readonly layout: McuLayout;
  readonly index: McuIndex;
  readonly data: Uint8Array;
  readonly fastAc: readonly Int32Array[];
  /** Each block's quantiser (zigzag order). */
  readonly quant: readonly Int32Array[];
  readonly plane: readonly Uint8Array[];
  /** Samples per row of each block's plane. */
  readonly stride: Int32Array;
  readonly reduce: number;
  readonly rect: McuRect;
  readonly prediction: Int32Array;
  readonly coef: Int32Array;
  readonly scratch: IdctScratch;
}

/**
 * Decodes the MCUs of `rect` at 1/`reduce` scale (1, 2 or 4): each
 * component's plane covers the rectangle, `8 / reduce` samples per block
 * side.
 */
export function decodeMcus(
  jpeg: BaselineJpeg,
  layout: McuLayout,
  scan: ScanData,
  index: McuIndex,
  rect: McuRect,
  reduce: number,
): Planes {
  const side = 8 / reduce;
  const { components } = jpeg;
  const widths = components.map((c) => (rect.x1 - rect.x0) * c.h * side);
  const heights = components.map((c) => (rect.y1 - rect.y0) * c.v * side);
  const planes = components.map((_, i) =>
    new Uint8Array(widths[i] * heights[i])
  );
  const fast = components.map((c) => fastAcTable(c.ac));
  const state: RowState = {
    jpeg,
    layout,
    index,
    data: scan.data,
    fastAc: Array.from(layout.component, (c) => fast[c]),
    quant: Array.from(layout.component, (c) => components[c].quant),
    plane: Array.from(layout.component, (c) => planes[c]),
    stride: Int32Array.from(layout.component, (c) => widths[c]),
    reduce,
    rect,
    prediction: new Int32Array(components.length),
    coef: new Int32Array(64),
    scratch: idctScratch(),
  };
  for (let my = rect.y0; my < rect.y1; my++) decodeRow(state, my);
  return { planes, widths, heights };
}

/**
 * The first pass has checked every code and run of the scan; this one
 * re-reads the same bits, and fails the same way should they differ.
 */
function pastTheEnd() {
  return corrupt("a run of JPEG coefficients past the end of a block");
}

/** Decodes MCU row `my` of the rectangle (one call per row, so that V8 optimises it early). */
function decodeRow(state: RowState, my: number): void {
  const { jpeg, layout, index, data, fastAc, quant, plane, stride } = state;
  const { reduce, rect, prediction, coef, scratch } = state;
  const { mcusX, restartInterval, components } = jpeg;
  const nc = components.length;
  const { blocks, component, dcLookup, dcMax, dcOffset, dcValues } = layout;
  const { acLookup, acMax, acOffset, acValues } = layout;
  const side = 8 / reduce;
  let pos = 0, acc = 0, nbits = 0;
  for (let mx = rect.x0; mx < rect.x1; mx++) {
    const mcu = my * mcusX + mx;
    // The row's first MCU, and the first of each restart interval, start
    // where the index says, with the predictions it recorded.
    if (
      mx === rect.x0 || (restartInterval > 0 && mcu % restartInterval === 0)
    ) {
      const bit = index.bits[mcu];
      pos = bit >> 3;
      nbits = 8 - (bit & 7);
      acc = data[pos++] & ((1 << nbits) - 1);
      for (let c = 0; c < nc; c++) {
        prediction[c] = index.predictors[mcu * nc + c];
      }
    }
    for (let b = 0; b < blocks; b++) {
      const c = component[b];
      const q = quant[b];
      // DC (see _jpeg_scan.ts for the literal table sizes).
      while (nbits <= 24) {
        acc = (acc << 8) | data[pos++];
        nbits += 8;
      }
      let entry = dcLookup[b][(acc >>> (nbits - 9)) & 511];
      let size: number;
      if (entry !== 0) {
        nbits -= entry >> 8;
        size = entry & 255;
      } else {
        const max = dcMax[b];
        let length = 10;
        let code = (acc >>> (nbits - length)) & ((1 << length) - 1);
        while (code > max[length]) {
          length++;
          code = (acc >>> (nbits - length)) & ((1 << length) - 1);
        }
        if (length > 16) throw corrupt("a bad Huffman code in the JPEG scan");
        nbits -= length;
        size = dcValues[b][code + dcOffset[b][length]];
      }
      if (size !== 0) {
        while (nbits < size) {
          acc = (acc << 8) | data[pos++];
          nbits += 8;
        }
        let diff = (acc >>> (nbits - size)) & ((1 << size) - 1);
        nbits -= size;
        if (diff < 1 << (size - 1)) diff += 1 - (1 << size);
        prediction[c] += diff;
      }
      coef[0] = prediction[c] * q[0];
      // AC: code and value from one 10-bit look-up when both fit.
      const fast = fastAc[b];
      let k = 1;
      let dcOnly = true;
      while (k < 64) {
        while (nbits <= 24) {
          acc = (acc << 8) | data[pos++];
          nbits += 8;
        }
        const f = fast[(acc >>> (nbits - 10)) & 1023];
        if (f !== 0) {
          nbits -= f & 255;
          k += (f >> 8) & 255;
          if (k > 63) throw pastTheEnd();
          coef[ZIGZAG[k]] = (f >> 16) * q[k];
          dcOnly = false;
          k++;
          continue;
        }
        entry = acLookup[b][(acc >>> (nbits - 9)) & 511];
        let symbol: number;
        if (entry !== 0) {
          nbits -= entry >> 8;
          symbol = entry & 255;
        } else {
          const max = acMax[b];
          let length = 10;
          let code = (acc >>> (nbits - length)) & ((1 << length) - 1);
          while (code > max[length]) {
            length++;
            code = (acc >>> (nbits - length)) & ((1 << length) - 1);
          }
          if (length > 16) {
            throw corrupt("a bad Huffman code in the JPEG scan");
          }
          nbits -= length;
          symbol = acValues[b][code + acOffset[b][length]];
        }
        const run = symbol >> 4, bits = symbol & 15;
        if (bits !== 0) {
          while (nbits < bits) {
            acc = (acc << 8) | data[pos++];
            nbits += 8;
          }
          let value = (acc >>> (nbits - bits)) & ((1 << bits) - 1);
          nbits -= bits;
          if (value < 1 << (bits - 1)) value += 1 - (1 << bits);
          k += run;
          if (k > 63) throw pastTheEnd();
          coef[ZIGZAG[k]] = value * q[k];
          dcOnly = false;
          k++;
        } else if (run === 15) {
          k += 16;
        } else {
          break;
        }
      }
      if (k > 64) throw pastTheEnd();
      const w = stride[b];
      const blockX = (mx - rect.x0) * components[c].h + layout.x[b];
      const blockY = (my - rect.y0) * components[c].v + layout.y[b];
      idctBlock(
        coef,
        dcOnly,
        reduce,
        plane[b],
        blockY * side * w + blockX * side,
        w,
        scratch,
      );
      coef.fill(0);
    }
  }
}
