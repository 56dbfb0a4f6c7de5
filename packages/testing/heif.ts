/**
 * An editor for HEIF and AVIF files (ISOBMFF): adds rotation (`irot`) and
 * mirroring (`imir`) properties to the primary image, keeping every box
 * size and item offset right, so that tests can make rotated files from
 * any encoder's output.
 *
 * @module
 */

interface Box {
  type: string;
  at: number; // box start
  start: number; // payload start
  end: number;
}

function boxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out: Box[] = [];
  for (let pos = start; pos + 8 <= end;) {
    const size = view.getUint32(pos) || end - pos;
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    out.push({ type, at: pos, start: pos + 8, end: pos + size });
    pos += size;
  }
  return out;
}

function child(bytes: Uint8Array, parent: Box, type: string, skip = 0) {
  const found = boxes(bytes, parent.start + skip, parent.end).find((b) =>
    b.type === type
  );
  if (!found) throw new Error(`no ${type} box in ${parent.type}`);
  return found;
}

/** What {@linkcode heifWithTransforms} adds. */
export interface HeifTransforms {
  /** Counter-clockwise quarter turns (irot angle 0..3). */
  rotation?: number;
  /** imir axis: 0 exchanges top and bottom, 1 left and right. */
  mirror?: 0 | 1;
}

/**
 * A copy of a HEIF/AVIF file whose primary image also carries `irot`
 * and/or `imir` (associated after its other properties, as MIAF orders
 * them).
 *
 * @example
 * ```ts
 * import { heifWithTransforms } from "@facever/testing";
 * console.log(typeof heifWithTransforms); // "function"
 * ```
 */
export function heifWithTransforms(
  file: Uint8Array,
  transforms: HeifTransforms,
): Uint8Array {
  const bytes = file.slice();
  const view = new DataView(bytes.buffer);
  const meta = boxes(bytes, 0, bytes.length).find((b) => b.type === "meta");
  if (!meta) throw new Error("no meta box");
  const pitm = child(bytes, meta, "pitm", 4);
  const primary = bytes[pitm.start] === 0
    ? view.getUint16(pitm.start + 4)
    : view.getUint32(pitm.start + 4);
  const iprp = child(bytes, meta, "iprp", 4);
  const ipco = child(bytes, iprp, "ipco");
  const ipma = child(bytes, iprp, "ipma");
  const count = boxes(bytes, ipco.start, ipco.end).length;
  const added: number[] = [];
  const properties: number[] = [];
  if (transforms.rotation !== undefined) {
    properties.push(0, 0, 0, 9, ...[..."irot"].map((c) => c.charCodeAt(0)));
    properties.push(transforms.rotation & 3);
    added.push(count + added.length + 1);
  }
  if (transforms.mirror !== undefined) {
    properties.push(0, 0, 0, 9, ...[..."imir"].map((c) => c.charCodeAt(0)));
    properties.push(transforms.mirror);
    added.push(count + added.length + 1);
  }
  // Find the primary item's entry in ipma and where its list ends.
  const version = bytes[ipma.start];
  const wide = (bytes[ipma.start + 3] & 1) === 1;
  const entries = view.getUint32(ipma.start + 4);
  let pos = ipma.start + 8;
  let countAt = -1, insertAt = -1;
  for (let i = 0; i < entries; i++) {
    const id = version < 1 ? view.getUint16(pos) : view.getUint32(pos);
    pos += version < 1 ? 2 : 4;
    const n = bytes[pos];
    const listEnd = pos + 1 + n * (wide ? 2 : 1);
    if (id === primary) [countAt, insertAt] = [pos, listEnd];
    pos = listEnd;
  }
  if (countAt < 0) throw new Error("the primary item has no properties");
  bytes[countAt] += added.length;
  const associations = added.flatMap((index) =>
    wide ? [index >> 8, index & 255] : [index]
  );
  const growth = properties.length + associations.length;
  // Grow the boxes that contain the insertions.
  for (const box of [meta, iprp, ipco, ipma]) {
    const grow = box === ipco
      ? properties.length
      : box === ipma
      ? associations.length
      : growth;
    view.setUint32(box.at, view.getUint32(box.at) + grow);
  }
  shiftLocations(bytes, meta, growth);
  const out = new Uint8Array(bytes.length + growth);
  out.set(bytes.subarray(0, ipco.end));
  out.set(properties, ipco.end);
  out.set(bytes.subarray(ipco.end, insertAt), ipco.end + properties.length);
  const afterInsert = insertAt + properties.length;
  out.set(associations, afterInsert);
  out.set(bytes.subarray(insertAt), afterInsert + associations.length);
  return out;
}

/** Moves every file offset in iloc that points past `meta` by `delta`. */
function shiftLocations(bytes: Uint8Array, meta: Box, delta: number) {
  const view = new DataView(bytes.buffer);
  const iloc = child(bytes, meta, "iloc", 4);
  const version = bytes[iloc.start];
  const sizes = view.getUint16(iloc.start + 4);
  const offsetSize = sizes >> 12, lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15, indexSize = version > 0 ? sizes & 15 : 0;
  let pos = iloc.start + 6;
  const count = version < 2 ? view.getUint16(pos) : view.getUint32(pos);
  pos += version < 2 ? 2 : 4;
  const shift = (at: number, size: number) => {
    if (size === 4) {
      const value = view.getUint32(at);
      if (value >= meta.end) view.setUint32(at, value + delta);
    } else if (size === 8) {
      const value = view.getUint32(at + 4);
      if (value >= meta.end) view.setUint32(at + 4, value + delta);
    }
  };
  for (let i = 0; i < count; i++) {
    pos += version < 2 ? 2 : 4;
    const method = version > 0 ? view.getUint16(pos) & 15 : 0;
    if (version > 0) pos += 2;
    pos += 2; // data reference index
    const baseAt = pos;
    const base = baseSize === 4
      ? view.getUint32(pos)
      : baseSize === 8
      ? view.getUint32(pos + 4)
      : 0;
    if (method === 0 && baseSize > 0) shift(baseAt, baseSize);
    pos += baseSize;
    const extents = view.getUint16(pos);
    pos += 2;
    for (let k = 0; k < extents; k++) {
      pos += indexSize;
      if (method === 0 && base === 0) shift(pos, offsetSize);
      pos += offsetSize + lengthSize;
    }
  }
}
