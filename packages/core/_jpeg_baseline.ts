/**
 * Which JPEGs our own entropy decoder reads, and what it needs of them: a
 * baseline or extended sequential 8-bit Huffman JPEG of one scan, gray or
 * YCbCr 4:2:0, 4:2:2 or 4:4:4, with or without restart markers. Anything
 * else (progressive, CMYK, RGB, several scans, other samplings) is left to
 * the full decoder. Reads the quantisation and Huffman tables the scan
 * uses; damaged tables are `corrupt_image`, as libjpeg has them. Private.
 *
 * @module
 */
import { ascii, corrupt, hex, truncated, u16be } from "./_bytes.ts";
import { isStandalone, type JpegHeader, nextMarker } from "./_jpeg_header.ts";
import { buildHuffmanTable, type HuffmanTable } from "./_jpeg_huffman.ts";

/** One component of the scan, in scan (= frame) order. */
interface BaselineComponent {
  /** Blocks per MCU across and down (1 for chroma and for gray). */
  readonly h: number;
  readonly v: number;
  /** Quantiser of each coefficient, in zigzag order. */
  readonly quant: Int32Array;
  readonly dc: HuffmanTable;
  readonly ac: HuffmanTable;
}

/** A JPEG our decoder reads: its geometry and tables. */
export interface BaselineJpeg {
  readonly width: number;
  readonly height: number;
  /** Y (or gray) first, then Cb and Cr. */
  readonly components: readonly BaselineComponent[];
  /** MCU size in pixels: 8 × the largest sampling factor. */
  readonly mcuWidth: number;
  readonly mcuHeight: number;
  readonly mcusX: number;
  readonly mcusY: number;
  /** MCUs per restart interval, 0 when there are no restart markers. */
  readonly restartInterval: number;
  /** Offset of the scan's first entropy-coded byte. */
  readonly scanStart: number;
}

const DQT = 0xdb, DHT = 0xc4, SOF0 = 0xc0, SOF1 = 0xc1;
const APP14 = 0xee, EOI = 0xd9;

/** Tables and frame fields gathered from SOI up to the scan. */
interface Segments {
  quant: (Int32Array | undefined)[];
  dc: (HuffmanTable | undefined)[];
  ac: (HuffmanTable | undefined)[];
  /** Quantiser table of each frame component. */
  frameQuant: number[];
  frameIds: number[];
  sofMarker: number;
  /** The Adobe APP14 colour transform, -1 when there is none. */
  adobeTransform: number;
}

function readDqt(bytes: Uint8Array, body: number, end: number, s: Segments) {
  let p = body;
  while (p < end) {
    const precision = bytes[p] >> 4, id = bytes[p] & 15;
    const size = precision ? 128 : 64;
    if (precision > 1 || id > 3 || p + 1 + size > end) {
      throw corrupt("a malformed JPEG quantisation table (DQT)");
    }
    const table = new Int32Array(64);
    for (let i = 0; i < 64; i++) {
      table[i] = precision ? u16be(bytes, p + 1 + 2 * i) : bytes[p + 1 + i];
    }
    s.quant[id] = table;
    p += 1 + size;
  }
}

function readDht(bytes: Uint8Array, body: number, end: number, s: Segments) {
  let p = body;
  while (p < end) {
    const tableClass = bytes[p] >> 4, id = bytes[p] & 15;
    if (tableClass > 1 || id > 3 || p + 17 > end) {
      throw corrupt("a malformed JPEG Huffman table (DHT)");
    }
    const counts = bytes.subarray(p + 1, p + 17);
    const n = counts.reduce((sum, count) => sum + count, 0);
    if (n > 256 || p + 17 + n > end) {
      throw corrupt("a JPEG Huffman table (DHT) longer than its segment");
    }
    const values = bytes.slice(p + 17, p + 17 + n);
    (tableClass ? s.ac : s.dc)[id] = buildHuffmanTable(
      counts,
      values,
      tableClass === 0,
    );
    p += 17 + n;
  }
}

/** Reads every segment from SOI to the first SOS (the header parse checked their lengths). */
function readSegments(bytes: Uint8Array, header: JpegHeader): Segments {
  const s: Segments = {
    quant: [],
    dc: [],
    ac: [],
    frameQuant: [],
    frameIds: [],
    sofMarker: 0,
    adobeTransform: -1,
  };
  let m = markerAt(bytes, 2);
  while (m - 1 < header.headerEnd) {
    const marker = bytes[m];
    if (isStandalone(marker)) {
      m = markerAt(bytes, m + 1);
      continue;
    }
    const length = u16be(bytes, m + 1);
    const body = m + 3, end = m + 1 + length;
    if (marker === DQT) readDqt(bytes, body, end, s);
    else if (marker === DHT) readDht(bytes, body, end, s);
    else if (marker === SOF0 || marker === SOF1 || marker === 0xc2) {
      s.sofMarker = marker;
      for (let c = 0; c < bytes[body + 5]; c++) {
        s.frameIds.push(bytes[body + 6 + 3 * c]);
        s.frameQuant.push(bytes[body + 8 + 3 * c]);
      }
    } else if (
      marker === APP14 && length >= 14 && ascii(bytes, body, 5) === "Adobe"
    ) {
      s.adobeTransform = bytes[body + 11];
    }
    m = markerAt(bytes, end);
  }
  return s;
}

/**
 * The marker code's position when a marker starts at `pos` (after any
 * 0xFF fill bytes); anything else there is data between segments, which
 * libjpeg reports ("extraneous bytes before marker") and skips.
 */
function markerAt(bytes: Uint8Array, pos: number): number {
  const m = nextMarker(bytes, pos);
  if (m < 0) throw truncated("the JPEG stream stops before EOI");
  if (bytes[pos] !== 0xff) {
    throw corrupt(`${m - 1 - pos} extraneous bytes before a JPEG marker`);
  }
  if (!known(bytes[m])) {
    throw corrupt(`unsupported JPEG marker 0xFF${hex(bytes[m])}`);
  }
  return m;
}

/**
 * Markers libjpeg reads in a baseline file (the frame types the header
 * parse allows, tables, scans, restarts, application and comment
 * segments); any other is its "Unsupported marker type" error.
 */
function known(marker: number): boolean {
  return marker === 0x01 || (marker >= SOF0 && marker <= 0xc2) ||
    marker === DHT || marker === 0xcc || (marker >= 0xd0 && marker <= 0xdd) ||
    marker >= 0xe0 && marker <= 0xef || marker === 0xfe;
}

/**
 * Checks the segments from the marker that ends the scan (its code at
 * `m`) to EOI: whole segments, nothing between them.
 */
export function checkTrailer(bytes: Uint8Array, m: number): void {
  while (bytes[m] !== EOI) {
    if (isStandalone(bytes[m])) {
      m = markerAt(bytes, m + 1);
      continue;
    }
    m = markerAt(bytes, m + 1 + u16be(bytes, m + 1));
  }
}

/** Sampling our decoder handles: Y 1×1, 2×1 or 2×2 with chroma 1×1. */
function supportedSampling(header: JpegHeader): boolean {
  if (header.components === 1) return true;
  const [y, cb, cr] = header.frame;
  const chromaFull = cb.h === 1 && cb.v === 1 && cr.h === 1 && cr.v === 1;
  const lumaOk = (y.h === 1 && y.v === 1) || (y.h === 2 && y.v === 1) ||
    (y.h === 2 && y.v === 2);
  return chromaFull && lumaOk;
}

/**
 * The plan of a JPEG our decoder reads, or `undefined` when it is one the
 * full decoder must take. `scans` is what the structure check counted.
 * Throws `corrupt_image` for tables that are damaged or missing.
 */
export function planBaseline(
  bytes: Uint8Array,
  header: JpegHeader,
  scans: number,
): BaselineJpeg | undefined {
  if (header.progressive || scans !== 1) return undefined;
  if (header.components !== 1 && header.components !== 3) return undefined;
  if (!supportedSampling(header)) return undefined;
  const s = readSegments(bytes, header);
  if (s.sofMarker !== SOF0 && s.sofMarker !== SOF1) return undefined;
  // libjpeg takes these for RGB rather than YCbCr.
  const rgbIds = s.frameIds.join() === "82,71,66";
  if (header.components === 3 && (s.adobeTransform === 0 || rgbIds)) {
    return undefined;
  }
  const sos = header.headerEnd + 1;
  const length = u16be(bytes, sos + 1);
  const count = bytes[sos + 3];
  const tail = sos + 4 + 2 * count;
  // A sequential scan codes coefficients 0..63 without approximation.
  if (
    count !== header.components || bytes[tail] !== 0 ||
    bytes[tail + 1] !== 63 || bytes[tail + 2] !== 0
  ) {
    return undefined;
  }
  const components: BaselineComponent[] = [];
  for (let i = 0; i < count; i++) {
    const id = bytes[sos + 4 + 2 * i];
    const tables = bytes[sos + 5 + 2 * i];
    // A scan in frame order is the only one the standard allows here.
    if (id !== s.frameIds[i]) return undefined;
    const quant = s.quant[s.frameQuant[i]];
    const dc = s.dc[tables >> 4], ac = s.ac[tables & 15];
    if (!quant) {
      throw corrupt(`JPEG quantisation table ${s.frameQuant[i]} is missing`);
    }
    if (!dc || !ac) {
      throw corrupt(`a Huffman table of JPEG component ${id} is missing`);
    }
    const single = count === 1;
    components.push({
      h: single ? 1 : header.frame[i].h,
      v: single ? 1 : header.frame[i].v,
      quant,
      dc,
      ac,
    });
  }
  const mcuWidth = 8 * components[0].h, mcuHeight = 8 * components[0].v;
  return {
    width: header.width,
    height: header.height,
    components,
    mcuWidth,
    mcuHeight,
    mcusX: Math.ceil(header.width / mcuWidth),
    mcusY: Math.ceil(header.height / mcuHeight),
    restartInterval: header.restartInterval,
    scanStart: sos + 1 + length,
  };
}
