/**
 * HEIF and AVIF container parsing (ISO/IEC 23008-12 on the ISO base media
 * file format): the primary item, its size (`ispe`), its rotation and
 * mirroring (`irot`, `imir`), its EXIF orientation, and a check that every
 * item's data lies inside the file. Every count and offset is bounded by
 * the box that holds it. Private.
 *
 * @module
 */
import { ImageDecodeError } from "./errors.ts";
import { readExifOrientation } from "./_exif.ts";
import { ascii, corrupt, truncated, u16be, u32be } from "./_bytes.ts";

/** What the decoder needs from a HEIF or AVIF header. */
export interface HeifHeader {
  format: "heic" | "avif";
  /** Stored size (`ispe` of the primary item, or the track's size). */
  width: number;
  height: number;
  /**
   * EXIF-numbered orientation: from `irot`/`imir` when either is present,
   * else from the EXIF item (which the HEIF specification makes
   * informative, but some writers put the orientation only there).
   */
  orientation: number;
  /** Whether the orientation came from `irot`/`imir` (libheif applies those itself). */
  transformed: boolean;
  /** The primary item is cropped (`clap`), so the decoded size may be smaller. */
  cropped: boolean;
}

interface Box {
  type: string;
  start: number; // payload start
  end: number; // payload end
  /** Cut short by the end of the data (only when walking with `clip`). */
  clipped?: boolean;
}

/**
 * The boxes in `[start, end)`. A box running past `end` is truncation,
 * unless `clip`: then the last box is cut to `end` (the header is read
 * before the data it points to is checked).
 */
function children(
  bytes: Uint8Array,
  start: number,
  end: number,
  clip = false,
): Box[] {
  const boxes: Box[] = [];
  let pos = start;
  while (pos < end) {
    if (pos + 8 > end) throw truncated("an ISOBMFF box header is cut off");
    let size = u32be(bytes, pos);
    const type = ascii(bytes, pos + 4, 4);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) throw truncated(`ISOBMFF box ${type} is cut off`);
      const high = u32be(bytes, pos + 8);
      size = high * 2 ** 32 + u32be(bytes, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header) throw corrupt(`ISOBMFF box ${type} of size ${size}`);
    let clipped = false;
    if (pos + size > end) {
      if (!clip) throw truncated(`ISOBMFF box ${type} needs ${size} bytes`);
      size = end - pos;
      clipped = true;
    }
    boxes.push({ type, start: pos + header, end: pos + size, clipped });
    pos += size;
  }
  return boxes;
}

function find(boxes: Box[], type: string): Box | undefined {
  return boxes.find((b) => b.type === type);
}

/** A cursor that refuses to read past its box. */
class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw corrupt(`ISOBMFF ${what} is too short`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }
  u16(what: string): number {
    this.need(2, what);
    this.pos += 2;
    return u16be(this.bytes, this.pos - 2);
  }
  u32(what: string): number {
    this.need(4, what);
    this.pos += 4;
    return u32be(this.bytes, this.pos - 4);
  }
  /** An unsigned integer of 0, 4 or 8 bytes (iloc field sizes). */
  uint(size: number, what: string): number {
    if (size === 0) return 0;
    if (size === 4) return this.u32(what);
    if (size === 8) return this.u32(what) * 2 ** 32 + this.u32(what);
    throw corrupt(`ISOBMFF ${what} field of ${size} bytes`);
  }
  fourcc(what: string): string {
    this.need(4, what);
    this.pos += 4;
    return ascii(this.bytes, this.pos - 4, 4);
  }
}

interface Extent {
  offset: number;
  length: number;
}

interface Item {
  type: string;
  /** 0 file offsets, 1 offsets into `idat`. */
  method: number;
  extents: Extent[];
  properties: number[]; // 1-based indices into ipco
}

/** Brands of still images and sequences libheif or libavif decode. */
const BRANDS = new Set([
  "heic",
  "heix",
  "heim",
  "heis",
  "hevc",
  "hevx",
  "mif1",
  "mif2",
  "msf1",
  "avif",
  "avis",
  "miaf",
]);

/** Whether the bytes start with an ISOBMFF `ftyp` naming a HEIF brand. */
export function isHeif(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") return false;
  const size = u32be(bytes, 0);
  if (size < 16) return false;
  const end = Math.min(size, bytes.length);
  for (let pos = 8; pos + 4 <= end; pos += 4) {
    if (pos === 12) continue; // minor version
    if (BRANDS.has(ascii(bytes, pos, 4))) return true;
  }
  return false;
}

/**
 * irot angle (0..3, counter-clockwise quarter turns, applied first) x imir
 * (none; axis 0, which ISO/IEC 23008-12:2022 and libheif read as a
 * top-bottom flip; axis 1, left-right) to the EXIF orientation.
 */
const TRANSFORMS: readonly (readonly number[])[] = [
  [1, 4, 2],
  [8, 5, 7],
  [3, 2, 4],
  [6, 7, 5],
];

function unsupported(message: string): ImageDecodeError {
  return new ImageDecodeError("unsupported_format", message);
}

/** Parses a HEIF/AVIF file's `meta` (or, for a sequence, its track). */
export function parseHeifHeader(bytes: Uint8Array): HeifHeader {
  const top = children(bytes, 0, bytes.length, true);
  const meta = find(top, "meta");
  if (meta?.clipped) throw truncated("the HEIF meta box is cut off");
  if (!meta) return parseSequence(bytes, top);
  const items = readItems(bytes, meta);
  const primary = items.primary;
  const item = items.byId.get(primary);
  if (!item) throw corrupt(`HEIF primary item ${primary} is not described`);
  let coded = item.type;
  if (coded === "grid") {
    const tile = items.references.get(primary)?.[0];
    coded = tile === undefined ? "" : items.byId.get(tile)?.type ?? "";
  }
  const format = coded === "av01" ? "avif" : coded === "hvc1" ? "heic" : "";
  if (!format) {
    throw unsupported(
      `HEIF images coded as "${
        coded || item.type
      }" are not supported (only HEVC and AV1)`,
    );
  }
  let width = 0, height = 0, angle = 0, mirror = 0;
  let transformed = false, cropped = false;
  for (const index of item.properties) {
    const property = items.properties[index - 1];
    if (!property) {
      throw corrupt(`HEIF item property ${index} does not exist`);
    }
    const r = new Reader(bytes, property.start, property.end);
    if (property.type === "ispe") {
      r.u32("ispe");
      width = r.u32("ispe");
      height = r.u32("ispe");
    } else if (property.type === "irot") {
      angle = r.u8("irot") & 3;
      transformed = true;
    } else if (property.type === "imir") {
      mirror = (r.u8("imir") & 1) + 1;
      transformed = true;
    } else if (property.type === "clap") {
      cropped = true;
    }
  }
  if (width === 0 || height === 0) {
    throw corrupt(`HEIF primary image size is ${width}x${height}`);
  }
  const orientation = transformed
    ? TRANSFORMS[angle][mirror]
    : exifOrientation(bytes, items, primary);
  return { format, width, height, orientation, transformed, cropped };
}

/** The items, properties and references of a `meta` box. */
function readItems(bytes: Uint8Array, meta: Box) {
  const boxes = children(bytes, meta.start + 4, meta.end);
  const pitm = find(boxes, "pitm");
  const iinf = find(boxes, "iinf");
  const iloc = find(boxes, "iloc");
  const iprp = find(boxes, "iprp");
  if (!pitm || !iinf || !iloc || !iprp) {
    throw corrupt("HEIF meta box lacks pitm, iinf, iloc or iprp");
  }
  const p = new Reader(bytes, pitm.start + 4, pitm.end);
  const primary = bytes[pitm.start] === 0 ? p.u16("pitm") : p.u32("pitm");
  const byId = new Map<number, Item>();
  readInfo(bytes, iinf, byId);
  readLocations(bytes, iloc, byId);
  const props = children(bytes, iprp.start, iprp.end);
  const ipco = find(props, "ipco");
  if (!ipco) throw corrupt("HEIF iprp box lacks ipco");
  const properties = children(bytes, ipco.start, ipco.end);
  for (const ipma of props.filter((b) => b.type === "ipma")) {
    readAssociations(bytes, ipma, byId);
  }
  const references = new Map<number, number[]>();
  const iref = find(boxes, "iref");
  if (iref) readReferences(bytes, iref, references);
  const idat = find(boxes, "idat");
  return { primary, byId, properties, references, idat };
}

function readInfo(bytes: Uint8Array, iinf: Box, byId: Map<number, Item>) {
  const r = new Reader(bytes, iinf.start, iinf.end);
  const version = r.u8("iinf");
  r.pos += 3;
  const count = version === 0 ? r.u16("iinf") : r.u32("iinf");
  const entries = children(bytes, r.pos, iinf.end).filter((b) =>
    b.type === "infe"
  );
  if (entries.length !== count) {
    throw corrupt(
      `HEIF iinf announces ${count} items, holds ${entries.length}`,
    );
  }
  for (const infe of entries) {
    const e = new Reader(bytes, infe.start, infe.end);
    const v = e.u8("infe");
    e.pos += 3;
    if (v < 2) continue; // pre-HEIF item info: no item type
    const id = v === 2 ? e.u16("infe") : e.u32("infe");
    e.u16("infe"); // protection index
    const type = e.fourcc("infe");
    byId.set(id, { type, method: 0, extents: [], properties: [] });
  }
}

function readLocations(bytes: Uint8Array, iloc: Box, byId: Map<number, Item>) {
  const r = new Reader(bytes, iloc.start, iloc.end);
  const version = r.u8("iloc");
  if (version > 2) throw corrupt(`HEIF iloc version ${version}`);
  r.pos += 3;
  const sizes = r.u16("iloc");
  const offsetSize = sizes >> 12, lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version > 0 ? sizes & 15 : 0;
  const count = version < 2 ? r.u16("iloc") : r.u32("iloc");
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? r.u16("iloc") : r.u32("iloc");
    const method = version > 0 ? r.u16("iloc") & 15 : 0;
    r.u16("iloc"); // data reference index
    const base = r.uint(baseSize, "iloc");
    const extentCount = r.u16("iloc");
    if (extentCount > 1 && offsetSize + lengthSize + indexSize === 0) {
      // Extents of no bytes each: a loop over nothing, never an image.
      throw corrupt(`HEIF item ${id} has ${extentCount} empty extents`);
    }
    const extents: Extent[] = [];
    for (let k = 0; k < extentCount; k++) {
      r.uint(indexSize, "iloc");
      const offset = base + r.uint(offsetSize, "iloc");
      const length = r.uint(lengthSize, "iloc");
      extents.push({ offset, length });
    }
    const item = byId.get(id);
    if (item) {
      item.method = method;
      item.extents = extents;
    }
  }
}

function readAssociations(
  bytes: Uint8Array,
  ipma: Box,
  byId: Map<number, Item>,
) {
  const r = new Reader(bytes, ipma.start, ipma.end);
  const version = r.u8("ipma");
  r.pos += 2;
  const wide = (r.u8("ipma") & 1) === 1;
  const count = r.u32("ipma");
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? r.u16("ipma") : r.u32("ipma");
    const n = r.u8("ipma");
    const item = byId.get(id);
    for (let k = 0; k < n; k++) {
      const index = wide ? r.u16("ipma") & 0x7fff : r.u8("ipma") & 0x7f;
      if (index > 0) item?.properties.push(index);
    }
  }
}

function readReferences(
  bytes: Uint8Array,
  iref: Box,
  references: Map<number, number[]>,
) {
  const version = bytes[iref.start];
  for (const ref of children(bytes, iref.start + 4, iref.end)) {
    if (ref.type !== "dimg" && ref.type !== "cdsc") continue;
    const r = new Reader(bytes, ref.start, ref.end);
    const from = version === 0 ? r.u16("iref") : r.u32("iref");
    const n = r.u16("iref");
    const to: number[] = [];
    for (let k = 0; k < n; k++) {
      to.push(version === 0 ? r.u16("iref") : r.u32("iref"));
    }
    // cdsc points from the metadata item to the image it describes.
    const key = ref.type === "dimg" ? from : -from;
    references.set(key, to);
  }
}

/** EXIF orientation from an `Exif` item describing the primary image. */
function exifOrientation(
  bytes: Uint8Array,
  items: ReturnType<typeof readItems>,
  primary: number,
): number {
  for (const [id, item] of items.byId) {
    if (item.type !== "Exif" || item.method !== 0) continue;
    if (!items.references.get(-id)?.includes(primary)) continue;
    const extent = item.extents[0];
    if (!extent || extent.offset + extent.length > bytes.length) return 1;
    // 4-byte offset of the TIFF header, which may follow "Exif\0\0".
    const start = extent.offset + 4 + u32be(bytes, extent.offset);
    return readExifOrientation(bytes, start, extent.offset + extent.length);
  }
  return 1;
}

/** An image sequence without items (animated AVIF): its first track. */
function parseSequence(bytes: Uint8Array, top: Box[]): HeifHeader {
  const moov = find(top, "moov");
  if (!moov) throw corrupt("HEIF file has neither meta nor moov box");
  for (const trak of children(bytes, moov.start, moov.end)) {
    if (trak.type !== "trak") continue;
    const tkhd = find(children(bytes, trak.start, trak.end), "tkhd");
    if (!tkhd) continue;
    const version = bytes[tkhd.start];
    // width and height (16.16 fixed point) end the box.
    const at = tkhd.start + (version === 1 ? 88 : 76);
    if (at + 8 > tkhd.end) throw corrupt("ISOBMFF tkhd box is too short");
    const width = u32be(bytes, at) >>> 16;
    const height = u32be(bytes, at + 4) >>> 16;
    if (width === 0 || height === 0) continue;
    if (!ascii(bytes, moov.start, moov.end - moov.start).includes("av01")) {
      throw unsupported("HEIF image sequences are supported only in AV1");
    }
    return {
      format: "avif",
      width,
      height,
      orientation: 1,
      transformed: false,
      cropped: false,
    };
  }
  throw corrupt("HEIF sequence has no visual track");
}

/**
 * Checks that every item's data lies inside the file (or its `idat`):
 * a file cut anywhere after its `meta` box fails here, not in the decoder.
 */
export function checkHeifStructure(bytes: Uint8Array): void {
  const top = children(bytes, 0, bytes.length);
  const meta = find(top, "meta");
  if (!meta) return;
  const { byId, idat } = readItems(bytes, meta);
  for (const [id, item] of byId) {
    const limit = item.method === 1 ? (idat ? idat.end - idat.start : 0) : (
      item.method === 0 ? bytes.length : Infinity
    );
    for (const { offset, length } of item.extents) {
      if (offset + length > limit) {
        throw truncated(`HEIF item ${id} lies past the end of its data`);
      }
    }
  }
}
