/**
 * The first pass over a baseline scan: every Huffman code is decoded (so
 * that damage is found wherever it is), only the DC coefficients are kept,
 * which makes the image at 1/8 scale (each sample the mean of its 8×8
 * block, as libjpeg scales), and where each MCU starts is recorded so that
 * any rectangle of MCUs can be decoded later without reading the rest.
 * Private.
 *
 * What libjpeg only warns about (and then paints grey) is an error here,
 * as it is on the full decoder's path: a code that is in no table, a
 * restart interval whose data end before its MCUs do, bytes left over
 * after them, a run of coefficients past the end of a block.
 *
 * @module
 */
import { corrupt } from "./_bytes.ts";
import type { BaselineJpeg } from "./_jpeg_baseline.ts";
import { skipTable } from "./_jpeg_huffman.ts";

/**
 * Zero bytes after the data: more than one MCU can read (6 blocks of at
 * most 2,000 bits each), so that a decoder running past the end of damaged
 * data reads zeros until the check after that MCU stops it.
 */
const SCAN_PADDING = 2048;

/** A scan's entropy-coded data, ready for bit reading. */
export interface ScanData {
  /** The data without byte stuffing, fill bytes and restart markers, then {@linkcode SCAN_PADDING} zeros. */
  readonly data: Uint8Array;
  /** Where each restart interval starts in `data`, then where the data end. */
  readonly intervals: Int32Array;
  /** Position, in the file, of the code of the marker that ends the scan. */
  readonly end: number;
}

/** Where each MCU starts, for decoding a rectangle of them later. */
export interface McuIndex {
  /** Bit offset in {@linkcode ScanData.data} of each MCU's first code. */
  readonly bits: Int32Array;
  /** DC prediction of each component before each MCU (`mcu * components + c`). */
  readonly predictors: Int32Array;
}

/** What the first pass gives. */
interface DcPass {
  /**
   * One sample per block of each component (the block's mean): component
   * c's plane is `mcusX * h` by `mcusY * v` samples.
   */
  readonly planes: readonly Uint8Array[];
  readonly index: McuIndex;
}

const RST0 = 0xd0, RST7 = 0xd7;

/**
 * Copies the scan's entropy-coded data from `start` up to the marker that
 * ends it, unstuffed and split at its restart markers (whose order the
 * structure check has verified).
 */
export function readScanData(bytes: Uint8Array, start: number): ScanData {
  const out = new Uint8Array(bytes.length - start + SCAN_PADDING);
  const starts = [0];
  let o = 0;
  let p = start;
  for (;;) {
    const q = bytes.indexOf(0xff, p);
    // The structure check found the marker that ends the scan.
    if (q < 0 || q + 1 >= bytes.length) {
      throw corrupt("the JPEG scan has no end marker");
    }
    out.set(bytes.subarray(p, q), o);
    o += q - p;
    const next = bytes[q + 1];
    if (next === 0x00) {
      out[o++] = 0xff;
      p = q + 2;
    } else if (next === 0xff) {
      p = q + 1; // a fill byte
    } else if (next >= RST0 && next <= RST7) {
      starts.push(o);
      p = q + 2;
    } else {
      p = q + 1;
      break;
    }
  }
  starts.push(o);
  return {
    data: out.subarray(0, o + SCAN_PADDING),
    intervals: Int32Array.from(starts),
    end: p,
  };
}

/** Intervals the scan must have, and a check that the data hold them. */
function checkIntervals(jpeg: BaselineJpeg, scan: ScanData): number {
  const mcus = jpeg.mcusX * jpeg.mcusY;
  const expected = jpeg.restartInterval > 0
    ? Math.ceil(mcus / jpeg.restartInterval)
    : 1;
  const found = scan.intervals.length - 1;
  // libjpeg skips one restart marker after the last interval; data after
  // it would be left over.
  const extraEmpty = found === expected + 1 &&
    scan.intervals[found] === scan.intervals[found - 1];
  if (found !== expected && !extraEmpty) {
    throw corrupt(
      `the JPEG scan has ${found} restart intervals, ${expected} expected`,
    );
  }
  return expected;
}

/**
 * Throws unless the interval's codes ended in its last byte: more bits
 * used than it holds means its data ended early (libjpeg's "premature
 * end of data segment"), a whole byte unused means data were left over
 * ("extraneous bytes before marker").
 */
function checkIntervalEnd(usedBits: number, endByte: number): void {
  const endBits = endByte * 8;
  if (usedBits > endBits) {
    throw corrupt("the JPEG scan data end before its last MCU");
  }
  if (endBits - usedBits >= 8) {
    throw corrupt(
      `${
        Math.floor((endBits - usedBits) / 8)
      } extraneous bytes after the MCUs of a JPEG restart interval`,
    );
  }
}

/**
 * The blocks of one MCU, in coding order, with their component's tables:
 * what both passes look up per block.
 */
export interface McuLayout {
  readonly blocks: number;
  /** Component of each block. */
  readonly component: Int32Array;
  /** Position of each block in its MCU, in blocks across and down. */
  readonly x: Int32Array;
  readonly y: Int32Array;
  /** Blocks per row of each component's plane. */
  readonly planeWidth: Int32Array;
  readonly dcLookup: readonly Int32Array[];
  readonly dcMax: readonly Int32Array[];
  readonly dcOffset: readonly Int32Array[];
  readonly dcValues: readonly Uint8Array[];
  readonly acLookup: readonly Int32Array[];
  readonly acMax: readonly Int32Array[];
  readonly acOffset: readonly Int32Array[];
  readonly acValues: readonly Uint8Array[];
}

/** The MCU layout of a scan. */
export function mcuLayout(jpeg: BaselineJpeg): McuLayout {
  const { components, mcusX } = jpeg;
  const planeWidth = Int32Array.from(components, (c) => mcusX * c.h);
  const component: number[] = [], xs: number[] = [], ys: number[] = [];
  components.forEach((c, i) => {
    for (let y = 0; y < c.v; y++) {
      for (let x = 0; x < c.h; x++) {
        component.push(i);
        xs.push(x);
        ys.push(y);
      }
    }
  });
  const table = <T>(pick: (c: BaselineJpeg["components"][number]) => T) =>
    component.map((c) => pick(components[c]));
  return {
    blocks: component.length,
    component: Int32Array.from(component),
    x: Int32Array.from(xs),
    y: Int32Array.from(ys),
    planeWidth,
    dcLookup: table((c) => c.dc.lookup),
    dcMax: table((c) => c.dc.maxCode),
    dcOffset: table((c) => c.dc.valueOffset),
    dcValues: table((c) => c.dc.values),
    acLookup: table((c) => c.ac.lookup),
    acMax: table((c) => c.ac.maxCode),
    acOffset: table((c) => c.ac.valueOffset),
    acValues: table((c) => c.ac.values),
  };
}

/** Everything one row of the first pass reads and moves on. */
interface DcState {
  readonly jpeg: BaselineJpeg;
  readonly layout: McuLayout;
  readonly data: Uint8Array;
  readonly intervals: Int32Array;
  readonly skip: readonly Int32Array[];
  /** Each block's component plane, and its DC quantiser. */
  readonly plane: readonly Uint8Array[];
  readonly quant0: Int32Array;
  readonly prediction: Int32Array;
  /** Where each block's sample goes in its plane, moved along per MCU. */
  readonly at: Int32Array;
  /** How far each block's sample moves from one MCU to the next. */
  readonly step: Int32Array;
  readonly index: McuIndex;
  // The bit reader and the restart interval, carried from row to row.
  pos: number;
  acc: number;
  nbits: number;
  interval: number;
  left: number;
}

/**
 * Decodes every code of the scan, keeps the DC terms (as 1/8-scale
 * samples) and records the MCU index.
 */
export function readDc(jpeg: BaselineJpeg, scan: ScanData): DcPass {
  const { components, mcusX, mcusY } = jpeg;
  const intervalCount = checkIntervals(jpeg, scan);
  const layout = mcuLayout(jpeg);
  const planes = components.map((c, i) =>
    new Uint8Array(layout.planeWidth[i] * mcusY * c.v)
  );
  const skips = components.map((c) => skipTable(c.ac));
  const nc = components.length;
  const state: DcState = {
    jpeg,
    layout,
    data: scan.data,
    intervals: scan.intervals,
    skip: Array.from(layout.component, (c) => skips[c]),
    plane: Array.from(layout.component, (c) => planes[c]),
    quant0: Int32Array.from(components, (c) => c.quant[0]),
    prediction: new Int32Array(nc),
    at: new Int32Array(layout.blocks),
    step: Int32Array.from(layout.component, (c) => components[c].h),
    index: {
      bits: new Int32Array(mcusX * mcusY),
      predictors: new Int32Array(mcusX * mcusY * nc),
    },
    pos: 0,
    acc: 0,
    nbits: 0,
    interval: 0,
    left: jpeg.restartInterval,
  };
  // One call per row: V8 optimises a function by its calls, so the
  // decoding runs optimised from the second image on (a single call per
  // image would wait for some thirty).
  for (let my = 0; my < mcusY; my++) readDcRow(state, my);
  checkIntervalEnd(state.pos * 8 - state.nbits, scan.intervals[intervalCount]);
  return { planes, index: state.index };
}

/** The first pass over MCU row `my`. */
function readDcRow(state: DcState, my: number): void {
  const { jpeg, layout, data, intervals, skip, plane, quant0, prediction } =
    state;
  const { at, step } = state;
  const { mcusX, restartInterval } = jpeg;
  const nc = jpeg.components.length;
  const { blocks, component, dcLookup, dcMax, dcOffset, dcValues } = layout;
  const { acLookup, acMax, acOffset, acValues } = layout;
  const mcuBits = state.index.bits, predictors = state.index.predictors;
  for (let b = 0; b < blocks; b++) {
    const c = component[b];
    const width = layout.planeWidth[c];
    at[b] = (my * jpeg.components[c].v + layout.y[b]) * width + layout.x[b];
  }
  let { pos, acc, nbits, interval, left } = state;
  let endBits = intervals[interval + 1] * 8;
  // The table sizes of _jpeg_huffman.ts (LOOKUP_BITS 9, SKIP_BITS 12 and
  // the SKIP fields) are written out: V8 folds literals, not constants
  // read from another module (measured: 14 % of this pass).
  for (let mx = 0; mx < mcusX; mx++) {
    if (restartInterval > 0) {
      if (left === 0) {
        checkIntervalEnd(pos * 8 - nbits, intervals[interval + 1]);
        interval++;
        pos = intervals[interval];
        endBits = intervals[interval + 1] * 8;
        acc = 0;
        nbits = 0;
        prediction.fill(0);
        left = restartInterval;
      }
      left--;
    }
    const mcu = my * mcusX + mx;
    mcuBits[mcu] = pos * 8 - nbits;
    for (let c = 0; c < nc; c++) predictors[mcu * nc + c] = prediction[c];
    for (let b = 0; b < blocks; b++) {
      const c = component[b];
      // DC: its code, then its value bits.
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
      // libjpeg's 1/8 scale: the DC term dequantised, /8, level-shifted.
      const sample = ((prediction[c] * quant0[c] + 4) >> 3) + 128;
      plane[b][at[b]] = sample < 0 ? 0 : sample > 255 ? 255 : sample;
      at[b] += step[b];

      // AC: decoded and skipped, one or two codes at a time.
      const table = skip[b];
      let k = 1;
      while (k < 64) {
        // At least 25 bits: a 16-bit code and its first 9 value bits.
        while (nbits <= 24) {
          acc = (acc << 8) | data[pos++];
          nbits += 8;
        }
        const f = table[(acc >>> (nbits - 12)) & 4095];
        if (f !== 0) {
          if ((f & 0x1000000) !== 0) { // the first is an end of block
            nbits -= f & 31;
            break;
          }
          const advance = (f >> 10) & 127;
          // Both, unless the first ends the block (the second is then the
          // next block's).
          if ((f & 0x4000000) !== 0 && k + advance < 64) {
            nbits -= (f >> 5) & 31;
            k += advance;
            if ((f & 0x2000000) !== 0) break;
            k += (f >> 17) & 127;
          } else {
            nbits -= f & 31;
            k += advance;
          }
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
          nbits -= bits;
          k += run + 1;
        } else if (run === 15) {
          k += 16;
        } else {
          break;
        }
      }
      if (k > 64) {
        throw corrupt("a run of JPEG coefficients past the end of a block");
      }
    }
    if (pos * 8 - nbits > endBits) {
      throw corrupt("the JPEG scan data end before its last MCU");
    }
  }
  state.pos = pos;
  state.acc = acc;
  state.nbits = nbits;
  state.interval = interval;
  state.left = left;
}
