/**
 * JPEG container parsing, independent of the pixel decoder: the frame
 * header, EXIF orientation, and a walk over every scan up to EOI that
 * checks what libjpeg would only warn about (and then paint grey): restart
 * markers present and in sequence, scan data long enough for the frame,
 * every component covered by a scan. Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import { readExifOrientation } from "./_exif.ts";
import { ascii, corrupt, hex, truncated, u16be } from "./_bytes.ts";

/** One frame component: its id and sampling factors. */
interface FrameComponent {
  id: number;
  h: number;
  v: number;
}

/** What the decoder and the structure check need from a JPEG header. */
export interface JpegHeader {
  format: "jpeg";
  width: number;
  height: number;
  orientation: number;
  /** 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** SOF2 (progressive) rather than SOF0/SOF1. */
  progressive: boolean;
  frame: readonly FrameComponent[];
  /** Restart interval in force at the first scan (0: none). */
  restartInterval: number;
  /** Offset of the 0xFF of the first SOS. */
  headerEnd: number;
}

const SOI = 0xd8, EOI = 0xd9, SOS = 0xda, DRI = 0xdd, APP1 = 0xe1;

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
    marker !== 0xc8 && marker !== 0xcc;
}

function isRst(marker: number): boolean {
  return marker >= 0xd0 && marker <= 0xd7;
}

/**
 * Markers with a length field that libjpeg reads (frames, tables, scans,
 * DNL, APPn, COM): any other stops it with "unsupported marker", and a
 * byte damaged into 0xFF inside a scan usually makes one.
 */
function isSegment(marker: number): boolean {
  return isSof(marker) || marker === 0xc4 || marker === 0xcc ||
    (marker >= 0xda && marker <= 0xdd) || (marker >= 0xe0 && marker <= 0xef) ||
    marker === 0xfe;
}

/** Markers with no length field. */
export function isStandalone(marker: number): boolean {
  return marker === 0x01 || isRst(marker);
}

/**
 * Finds the next marker at or after `pos` the way libjpeg does: skips any
 * bytes before an 0xFF and any fill 0xFFs. Returns the position of the
 * marker code byte, or -1 when the data ends first.
 */
export function nextMarker(bytes: Uint8Array, pos: number): number {
  let p = bytes.indexOf(0xff, pos);
  while (p >= 0 && p + 1 < bytes.length) {
    const code = bytes[p + 1];
    if (code !== 0xff) return p + 1;
    p++;
  }
  return -1;
}

function segmentLength(bytes: Uint8Array, markerPos: number): number {
  if (markerPos + 3 > bytes.length) {
    throw truncated(
      `JPEG segment 0xFF${hex(bytes[markerPos])} has no length`,
    );
  }
  const length = u16be(bytes, markerPos + 1);
  if (length < 2) {
    throw corrupt(`JPEG segment 0xFF${hex(bytes[markerPos])} length ${length}`);
  }
  if (markerPos + 1 + length > bytes.length) {
    throw truncated(
      `JPEG segment 0xFF${hex(bytes[markerPos])} needs ${length} bytes, ${
        bytes.length - markerPos - 1
      } remain`,
    );
  }
  return length;
}

function readRestartInterval(bytes: Uint8Array, body: number, length: number) {
  if (length !== 4) throw corrupt(`JPEG DRI segment of length ${length}`);
  return u16be(bytes, body);
}

function unsupported(message: string): ImageDecodeError {
  return new ImageDecodeError("unsupported_format", message);
}

/** Parses a JPEG from SOI up to its first scan. */
export function parseJpegHeader(bytes: Uint8Array): JpegHeader {
  let orientation = 0; // 0 = no EXIF seen yet
  let restartInterval = 0;
  let sof:
    | Omit<
      JpegHeader,
      "format" | "orientation" | "restartInterval" | "headerEnd"
    >
    | undefined;
  let pos = 2; // after SOI
  for (;;) {
    const m = nextMarker(bytes, pos);
    if (m < 0) throw truncated("the JPEG header is incomplete");
    const marker = bytes[m];
    if (marker === 0x00) {
      throw corrupt("stray 0xFF00 in the JPEG header");
    }
    if (isStandalone(marker)) {
      pos = m + 1;
      continue;
    }
    if (marker === SOI) throw corrupt("a second SOI marker in the JPEG header");
    if (marker === EOI) throw corrupt("the JPEG stream has no image data");
    if (!isSegment(marker)) {
      throw corrupt(`unknown JPEG marker 0xFF${hex(marker)} in the header`);
    }
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === SOS) {
      if (!sof) throw corrupt("JPEG scan before any frame header (SOF)");
      return {
        format: "jpeg",
        ...sof,
        orientation: orientation || 1,
        restartInterval,
        headerEnd: m - 1,
      };
    }
    if (
      marker === APP1 && orientation === 0 && length >= 8 &&
      ascii(bytes, body, 6) === "Exif\0\0"
    ) {
      orientation = readExifOrientation(bytes, body + 6, end);
    } else if (marker === DRI) {
      restartInterval = readRestartInterval(bytes, body, length);
    } else if (isSof(marker)) {
      if (sof) throw corrupt("more than one JPEG frame header (SOF)");
      sof = readFrame(bytes, marker, body, length);
    }
    pos = end;
  }
}

function readFrame(
  bytes: Uint8Array,
  marker: number,
  body: number,
  length: number,
) {
  if (length < 8) throw corrupt("JPEG frame header too short");
  const p = bytes[body];
  const height = u16be(bytes, body + 1);
  const width = u16be(bytes, body + 3);
  const components = bytes[body + 5];
  if (length !== 8 + 3 * components) {
    throw corrupt(
      `JPEG frame header length ${length} does not fit ${components} components`,
    );
  }
  if (
    marker === 0xc3 || marker >= 0xc5 && marker <= 0xc7 || marker >= 0xcb
  ) {
    throw unsupported(
      `lossless or hierarchical JPEG (SOF 0xFF${hex(marker)}) is not supported`,
    );
  }
  if (marker >= 0xc9) {
    throw unsupported(
      `arithmetic-coded JPEG (SOF 0xFF${hex(marker)}) is not supported`,
    );
  }
  if (p !== 8) {
    throw unsupported(`${p}-bit JPEG is not supported (only 8-bit samples)`);
  }
  if (width === 0 || height === 0) {
    throw corrupt(`JPEG frame size is ${width}x${height}`);
  }
  if (components !== 1 && components !== 3 && components !== 4) {
    throw unsupported(
      `JPEG with ${components} colour components is not supported`,
    );
  }
  const frame: FrameComponent[] = [];
  for (let c = 0; c < components; c++) {
    const at = body + 6 + 3 * c;
    const id = bytes[at];
    const h = bytes[at + 1] >> 4, v = bytes[at + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) {
      throw corrupt(`JPEG component ${id} has sampling factors ${h}x${v}`);
    }
    if (frame.some((other) => other.id === id)) {
      throw corrupt(`JPEG component id ${id} appears twice`);
    }
    frame.push({ id, h, v });
  }
  return { width, height, components, progressive: marker === 0xc2, frame };
}

/** A scan header: which components, and the spectral selection. */
interface Scan {
  components: FrameComponent[];
  /** Start of spectral selection (0 for DC scans). */
  ss: number;
  /** End of spectral selection (63 for sequential scans). */
  se: number;
  /** Successive approximation high bit (0 for first scans). */
  ah: number;
}

function readScan(
  bytes: Uint8Array,
  header: JpegHeader,
  body: number,
  length: number,
): Scan {
  const count = bytes[body];
  if (count < 1 || count > 4 || length !== 6 + 2 * count) {
    throw corrupt(`JPEG scan header of ${count} components, length ${length}`);
  }
  const components: FrameComponent[] = [];
  for (let i = 0; i < count; i++) {
    const id = bytes[body + 1 + 2 * i];
    const component = header.frame.find((c) => c.id === id);
    if (!component) throw corrupt(`JPEG scan names unknown component ${id}`);
    components.push(component);
  }
  const tail = body + 1 + 2 * count;
  const ss = bytes[tail], se = bytes[tail + 1];
  if (ss > se || se > 63) {
    throw corrupt(`JPEG scan of coefficients ${ss} to ${se}`);
  }
  return { components, ss, se, ah: bytes[tail + 2] >> 4 };
}

/** MCUs and blocks one scan codes (ITU T.81 A.2). */
function scanGeometry(header: JpegHeader, scan: Scan) {
  const hMax = Math.max(...header.frame.map((c) => c.h));
  const vMax = Math.max(...header.frame.map((c) => c.v));
  if (scan.components.length === 1) {
    const c = scan.components[0];
    const w = Math.ceil(header.width * c.h / hMax);
    const h = Math.ceil(header.height * c.v / vMax);
    const mcus = Math.ceil(w / 8) * Math.ceil(h / 8);
    return { mcus, blocks: mcus };
  }
  const mcus = Math.ceil(header.width / (8 * hMax)) *
    Math.ceil(header.height / (8 * vMax));
  const perMcu = scan.components.reduce((n, c) => n + c.h * c.v, 0);
  return { mcus, blocks: mcus * perMcu };
}

/**
 * The fewest bits a scan can take: every Huffman code is at least one bit,
 * so a sequential block needs a DC code and an end-of-block code, and a
 * progressive DC scan one bit a block; AC scans can skip blocks in runs.
 */
function minimumBits(header: JpegHeader, scan: Scan, blocks: number): number {
  if (!header.progressive) return 2 * blocks;
  return scan.ss === 0 ? blocks : 0;
}

/**
 * Walks one scan's entropy-coded data from `pos`: counts its bytes and
 * checks its restart markers. Returns the position of the code byte of the
 * marker that ends it.
 */
function walkScan(
  bytes: Uint8Array,
  pos: number,
  expectedRestarts: number,
): { end: number; dataBytes: number } {
  let restarts = 0;
  let dataBytes = 0;
  let start = pos;
  let p = bytes.indexOf(0xff, pos);
  while (p >= 0 && p + 1 < bytes.length) {
    const code = bytes[p + 1];
    if (code === 0x00) {
      p = bytes.indexOf(0xff, p + 2);
      continue;
    }
    if (code === 0xff) {
      p++;
      continue;
    }
    dataBytes += p - start;
    if (!isRst(code)) {
      if (restarts < expectedRestarts) {
        throw corrupt(
          `JPEG scan has ${restarts} restart markers, ${expectedRestarts} expected`,
        );
      }
      return { end: p + 1, dataBytes };
    }
    if (expectedRestarts === 0) {
      throw corrupt("JPEG restart marker in a scan without restart interval");
    }
    if (code !== 0xd0 + (restarts & 7)) {
      throw corrupt(
        `JPEG restart marker RST${code - 0xd0} where RST${
          restarts & 7
        } belongs`,
      );
    }
    // One marker past the last interval is tolerated (libjpeg skips it).
    if (++restarts > expectedRestarts + 1) {
      throw corrupt(
        `JPEG scan has more than the ${expectedRestarts} restart markers expected`,
      );
    }
    start = p + 2;
    p = bytes.indexOf(0xff, start);
  }
  throw truncated("the JPEG scan data stops before EOI");
}

/**
 * Walks the JPEG stream from its first scan to EOI: entropy-coded data,
 * restart markers and any later tables or scans (progressive JPEG).
 * Returns how many scans there are.
 */
export function checkJpegStructure(
  bytes: Uint8Array,
  header: JpegHeader,
): { scans: number } {
  let restartInterval = header.restartInterval;
  let scans = 0;
  // Coefficients (0..63) each component has had a first scan of: a
  // progressive file cut between scans and closed with EOI lacks some, and
  // libjpeg would silently show it blurred.
  const covered = new Map(
    header.frame.map((c) => [c.id, new Uint8Array(64)] as const),
  );
  let m = header.headerEnd + 1; // the first SOS
  for (;;) {
    const marker = bytes[m];
    if (marker === EOI) break;
    if (isStandalone(marker)) {
      m = nextMarker(bytes, m + 1);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
      continue;
    }
    if (marker === SOI || marker === 0x00) {
      throw corrupt(`unexpected JPEG marker 0xFF${hex(marker)}`);
    }
    if (isSof(marker)) throw corrupt("more than one JPEG frame header (SOF)");
    if (!isSegment(marker)) {
      throw corrupt(`unknown JPEG marker 0xFF${hex(marker)} after a scan`);
    }
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === DRI) {
      restartInterval = readRestartInterval(bytes, body, length);
    }
    if (marker !== SOS) {
      m = nextMarker(bytes, end);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
      continue;
    }
    const scan = readScan(bytes, header, body, length);
    scans++;
    const { mcus, blocks } = scanGeometry(header, scan);
    const restarts = restartInterval > 0
      ? Math.ceil(mcus / restartInterval) - 1
      : 0;
    const walked = walkScan(bytes, end, restarts);
    const needed = minimumBits(header, scan, blocks);
    if (walked.dataBytes * 8 < needed) {
      throw truncated(
        `a JPEG scan holds ${walked.dataBytes} bytes; ${blocks} blocks need at least ${
          Math.ceil(needed / 8)
        }`,
      );
    }
    if (scan.ah === 0) {
      for (const c of scan.components) {
        covered.get(c.id)?.fill(1, scan.ss, scan.se + 1);
      }
    }
    m = walked.end;
  }
  for (const [id, coefficients] of covered) {
    const missing = coefficients.indexOf(0);
    if (missing >= 0) {
      throw truncated(
        `the JPEG stream ends before any scan of coefficient ${missing} of component ${id}`,
      );
    }
  }
  return { scans };
}
