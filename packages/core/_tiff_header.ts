/**
 * TIFF parsing: the first image's directory (IFD0), read with every count
 * and offset bounded by the file, and a check that its strips or tiles are
 * all inside the file and long enough for the image. The decoder is then
 * handed this directory and never parses the file's own (whose IFD chains
 * may loop and whose counts may claim billions of values). Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import { ascii, corrupt, truncated } from "./_bytes.ts";
import { checkTiffLzw } from "./_lzw.ts";

/** Tag values as UTIF keeps them: `t<tag>` → numbers, text or bytes. */
export type TiffTags = Record<string, number[] | string[] | Uint8Array>;

/** What the decoder needs from a TIFF header. */
export interface TiffHeader {
  format: "tiff";
  width: number;
  height: number;
  orientation: number;
  littleEndian: boolean;
  tags: TiffTags;
}

/** Whether the bytes start like a classic (not Big) TIFF. */
export function isTiff(bytes: Uint8Array): boolean {
  const magic = ascii(bytes, 0, 4);
  return magic === "II*\0" || magic === "MM\0*";
}

/** Bytes per value of each TIFF field type (0: unknown). */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/** Compression codes UTIF decodes that real photos use. */
const COMPRESSIONS = new Set([1, 5, 7, 8, 32946, 32773]);

function unsupported(message: string): ImageDecodeError {
  return new ImageDecodeError("unsupported_format", message);
}

/** Reads IFD0 into UTIF's shape, with all values inside the file. */
export function parseTiffHeader(bytes: Uint8Array): TiffHeader {
  if (bytes.length < 8) throw truncated("the TIFF header is incomplete");
  const little = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const ifd = u32(4);
  if (ifd < 8) throw corrupt(`TIFF directory at offset ${ifd}`);
  if (ifd + 2 > bytes.length) throw truncated("the TIFF directory is missing");
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > bytes.length) {
    throw truncated("the TIFF directory is cut off");
  }
  const tags: TiffTags = {};
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = u16(entry), type = u16(entry + 2), n = u32(entry + 4);
    const size = TYPE_SIZES[type] ?? 0;
    if (size === 0) continue; // unknown types are skipped, as readers do
    const total = n * size;
    const at = total <= 4 ? entry + 8 : u32(entry + 8);
    if (at + total > bytes.length) {
      throw truncated(`TIFF tag ${tag} points past the end of the file`);
    }
    tags[`t${tag}`] = readValues(bytes, view, little, type, at, n);
  }
  const width = first(tags, 256), height = first(tags, 257);
  if (!width || !height) throw corrupt(`TIFF size is ${width}x${height}`);
  const orientation = first(tags, 274) ?? 1;
  return {
    format: "tiff",
    width,
    height,
    orientation: orientation >= 1 && orientation <= 8 ? orientation : 1,
    littleEndian: little,
    tags,
  };
}

function readValues(
  bytes: Uint8Array,
  view: DataView,
  little: boolean,
  type: number,
  at: number,
  n: number,
): number[] | string[] | Uint8Array {
  switch (type) {
    case 1:
    case 6:
    case 7:
      return bytes.subarray(at, at + n);
    case 2:
      return [ascii(bytes, at, Math.max(0, n - 1))];
    case 3:
    case 8:
      return Array.from(
        { length: n },
        (_, k) => view.getUint16(at + 2 * k, little),
      );
    case 4:
    case 9:
    case 13:
      return Array.from(
        { length: n },
        (_, k) => view.getUint32(at + 4 * k, little),
      );
    default: // rationals and floats: no field the decoder reads
      return [];
  }
}

/** The first value of a numeric tag. */
export function first(tags: TiffTags, tag: number): number | undefined {
  const values = tags[`t${tag}`];
  return values && typeof values[0] === "number" ? values[0] : undefined;
}

function numbers(tags: TiffTags, tag: number): number[] {
  const values = tags[`t${tag}`];
  return Array.isArray(values) && typeof values[0] === "number"
    ? values as number[]
    : [];
}

/** Bytes of raw samples one deflate, LZW or PackBits byte can expand to. */
const MAX_RATIO: Record<number, number> = {
  1: 1,
  5: 2730,
  8: 1100,
  32946: 1100,
  32773: 64,
};

/**
 * Checks that the first image is one the decoder handles and that its
 * data is all in the file. Returns bits per sample and samples per pixel.
 */
export function checkTiffStructure(bytes: Uint8Array, header: TiffHeader) {
  const { tags, width, height } = header;
  const compression = first(tags, 259) ?? 1;
  const photometric = first(tags, 262) ?? 1;
  const bits = numbers(tags, 258).length ? numbers(tags, 258) : [1];
  const samples = first(tags, 277) ?? 1;
  const depth = bits[0];
  if (!COMPRESSIONS.has(compression)) {
    throw unsupported(`TIFF compression ${compression} is not supported`);
  }
  if ((first(tags, 284) ?? 1) !== 1) {
    throw unsupported("planar (separate-plane) TIFF is not supported");
  }
  if ((first(tags, 339) ?? 1) !== 1) {
    throw unsupported("TIFF with other than unsigned integer samples");
  }
  if (bits.some((b) => b !== depth) || ![1, 2, 4, 8, 16].includes(depth)) {
    throw unsupported(`TIFF with ${bits.join("/")} bits per sample`);
  }
  const colours: Record<number, number> = { 0: 1, 1: 1, 2: 3, 3: 1, 5: 4 };
  const base = compression === 7 && photometric === 6
    ? 3
    : colours[photometric];
  if (base === undefined) {
    throw unsupported(`TIFF photometric interpretation ${photometric}`);
  }
  if (samples < base || samples > base + 1 || (depth < 8 && samples !== 1)) {
    throw unsupported(`TIFF with ${samples} samples of ${depth} bits`);
  }
  if (photometric === 3) {
    if (depth > 8) throw corrupt(`TIFF palette image of ${depth} bits`);
    if (numbers(tags, 320).length !== 3 << depth) {
      throw corrupt("TIFF palette image without a full colour map");
    }
  }
  if (photometric === 5 && depth !== 8) {
    throw unsupported(`CMYK TIFF of ${depth} bits`);
  }
  const tiled = tags.t322 !== undefined;
  const offsets = numbers(tags, tiled ? 324 : 273);
  const counts = numbers(tags, tiled ? 325 : 279);
  let pieces: number, pieceBytes: number;
  const rowBytes = (w: number) => Math.ceil(w * depth * samples / 8);
  if (tiled) {
    const tw = first(tags, 322) ?? 0, th = first(tags, 323) ?? 0;
    if (!tw || !th || tw % 16 || th % 16) {
      throw corrupt(`TIFF tile size ${tw}x${th}`);
    }
    pieces = Math.ceil(width / tw) * Math.ceil(height / th);
    pieceBytes = rowBytes(tw) * th;
  } else {
    const rows = Math.min(first(tags, 278) ?? height, height) || height;
    pieces = Math.ceil(height / rows);
    pieceBytes = rowBytes(width) * rows;
  }
  if (offsets.length < pieces || counts.length !== offsets.length) {
    throw corrupt(
      `TIFF has ${offsets.length} data pieces and ${counts.length} sizes; ${pieces} needed`,
    );
  }
  let total = 0;
  for (let i = 0; i < pieces; i++) {
    if (offsets[i] + counts[i] > bytes.length) {
      throw truncated(`TIFF data piece ${i} lies past the end of the file`);
    }
    if (compression === 1 && counts[i] < pieceBytes && i < pieces - 1) {
      throw truncated(`TIFF data piece ${i} is short`);
    }
    total += counts[i];
  }
  if (compression === 5) {
    for (let i = 0; i < pieces; i++) {
      // The last strip holds only the rows left.
      const rows = tiled ? 0 : pieceBytes / rowBytes(width);
      const needed = tiled || i < pieces - 1
        ? pieceBytes
        : rowBytes(width) * (height - rows * (pieces - 1));
      checkTiffLzw(bytes, offsets[i], counts[i], needed);
    }
  }
  const raw = rowBytes(width) * height;
  const ratio = MAX_RATIO[compression];
  if (ratio && total < raw / ratio) {
    throw truncated(
      `${total} bytes of TIFF data cannot hold ${width}x${height} pixels`,
    );
  }
  return { depth, samples, photometric };
}
