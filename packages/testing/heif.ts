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

function box(type: string, ...parts: (Uint8Array | number[])[]): Uint8Array {
  const body = parts.map((p) =>
    p instanceof Uint8Array ? p : Uint8Array.from(p)
  );
  const size = 8 + body.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set([...type].map((c) => c.charCodeAt(0)), 4);
  let at = 8;
  for (const p of body) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function be(value: number, bytes: number): number[] {
  return Array.from(
    { length: bytes },
    (_, i) => (value >>> (8 * (bytes - 1 - i))) & 255,
  );
}

function fourcc(type: string): number[] {
  return [...type].map((c) => c.charCodeAt(0));
}

/**
 * A HEIF/AVIF grid image, as iPhones write their photos: `columns` x
 * `rows` tiles, each the primary image of `file` (its coded data and codec
 * configuration reused), under a `grid` primary item.
 *
 * @example
 * ```ts
 * import { heifGrid } from "@facever/testing";
 * console.log(typeof heifGrid); // "function"
 * ```
 */
export function heifGrid(
  file: Uint8Array,
  columns: number,
  rows: number,
): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const meta = boxes(file, 0, file.length).find((b) => b.type === "meta");
  if (!meta) throw new Error("no meta box");
  const iinf = child(file, meta, "iinf", 4);
  const iloc = child(file, meta, "iloc", 4);
  const iprp = child(file, meta, "iprp", 4);
  const ipco = child(file, iprp, "ipco");
  // The source's coded item: type, configuration, size and data.
  const infe = boxes(
    file,
    iinf.start + (file[iinf.start] === 0 ? 6 : 8),
    iinf.end,
  )
    .map((b) => ({
      id: view.getUint16(b.start + 4),
      type: String.fromCharCode(...file.subarray(b.start + 8, b.start + 12)),
    }))
    .find((e) => e.type === "hvc1" || e.type === "av01");
  if (!infe) throw new Error("no hvc1 or av01 item");
  const all = boxes(file, ipco.start, ipco.end);
  const properties = associated(file, child(file, iprp, "ipma"), infe.id)
    .map((index) => all[index - 1]);
  const config = properties.find((b) => b.type === "hvcC" || b.type === "av1C");
  const ispe = properties.find((b) => b.type === "ispe");
  if (!config || !ispe) throw new Error("no codec configuration or ispe");
  const tileWidth = view.getUint32(ispe.start + 4);
  const tileHeight = view.getUint32(ispe.start + 8);
  const data = itemData(file, iloc, infe.id);
  const tiles = columns * rows;
  const gridId = tiles + 1;
  const width = tileWidth * columns, height = tileHeight * rows;
  const entries: Uint8Array[] = [];
  for (let id = 1; id <= tiles; id++) {
    entries.push(
      box("infe", [2, 0, 0, 1], be(id, 2), [0, 0], fourcc(infe.type)),
    );
  }
  entries.push(
    box("infe", [2, 0, 0, 0], be(gridId, 2), [0, 0], fourcc("grid")),
  );
  // Tiles keep every property of the source item (libavif wants its pixi
  // too); the grid gets its own ispe, and the source's pixi if any.
  const kept = properties.map((b) => file.subarray(b.at, b.end));
  const gridIspe = box("ispe", [0, 0, 0, 0], be(width, 4), be(height, 4));
  const pixi = properties.findIndex((b) => b.type === "pixi");
  const associations: number[] = [];
  for (let id = 1; id <= tiles; id++) {
    associations.push(...be(id, 2), kept.length);
    properties.forEach((b, i) =>
      associations.push((i + 1) | (b === config ? 0x80 : 0))
    );
  }
  const gridProperties = [kept.length + 1, ...(pixi >= 0 ? [pixi + 1] : [])];
  associations.push(...be(gridId, 2), gridProperties.length, ...gridProperties);
  const descriptor = [
    0,
    0,
    rows - 1,
    columns - 1,
    ...be(width, 2),
    ...be(height, 2),
  ];
  const build = (mdatOffset: number) => {
    const locations: number[] = [];
    for (let id = 1; id <= tiles; id++) {
      locations.push(
        ...be(id, 2),
        0,
        0,
        0,
        0,
        0,
        1,
        ...be(mdatOffset, 4),
        ...be(data.length, 4),
      );
    }
    locations.push(
      ...be(gridId, 2),
      0,
      1,
      0,
      0,
      0,
      1,
      ...be(0, 4),
      ...be(descriptor.length, 4),
    );
    return box(
      "meta",
      [0, 0, 0, 0],
      box(
        "hdlr",
        [0, 0, 0, 0, 0, 0, 0, 0],
        fourcc("pict"),
        new Array(13).fill(0),
      ),
      box("pitm", [0, 0, 0, 0], be(gridId, 2)),
      box("iloc", [1, 0, 0, 0, 0x44, 0x00], be(tiles + 1, 2), locations),
      box("iinf", [0, 0, 0, 0], be(entries.length, 2), ...entries),
      box(
        "iref",
        [0, 0, 0, 0],
        box(
          "dimg",
          be(gridId, 2),
          be(tiles, 2),
          ...Array.from({ length: tiles }, (_, i) => be(i + 1, 2)),
        ),
      ),
      box(
        "iprp",
        box("ipco", ...kept, gridIspe),
        box("ipma", [0, 0, 0, 0], be(tiles + 1, 4), associations),
      ),
      box("idat", descriptor),
    );
  };
  const ftyp = file.subarray(0, view.getUint32(0));
  const size = ftyp.length + build(0).length;
  const metaBox = build(size + 8);
  const out = new Uint8Array(size + 8 + data.length);
  out.set(ftyp);
  out.set(metaBox, ftyp.length);
  out.set(box("mdat", data), size);
  return out;
}

/** The 1-based ipco indices associated with item `wanted`. */
function associated(file: Uint8Array, ipma: Box, wanted: number): number[] {
  const view = new DataView(file.buffer, file.byteOffset);
  const version = file[ipma.start];
  const wide = (file[ipma.start + 3] & 1) === 1;
  let pos = ipma.start + 8;
  for (let i = 0; i < view.getUint32(ipma.start + 4); i++) {
    const id = version < 1 ? view.getUint16(pos) : view.getUint32(pos);
    pos += version < 1 ? 2 : 4;
    const n = file[pos++];
    const indices: number[] = [];
    for (let k = 0; k < n; k++) {
      indices.push(wide ? view.getUint16(pos) & 0x7fff : file[pos] & 0x7f);
      pos += wide ? 2 : 1;
    }
    if (id === wanted) return indices;
  }
  throw new Error(`item ${wanted} has no properties`);
}

/** The bytes of an item stored in the file (construction method 0). */
function itemData(file: Uint8Array, iloc: Box, wanted: number): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset);
  const version = file[iloc.start];
  const sizes = view.getUint16(iloc.start + 4);
  const offsetSize = sizes >> 12, lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15, indexSize = version > 0 ? sizes & 15 : 0;
  const read = (at: number, n: number) =>
    n === 4 ? view.getUint32(at) : n === 8 ? view.getUint32(at + 4) : 0;
  let pos = iloc.start + 6;
  const count = version < 2 ? view.getUint16(pos) : view.getUint32(pos);
  pos += version < 2 ? 2 : 4;
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += (version < 2 ? 2 : 4) + (version > 0 ? 2 : 0) + 2;
    const base = read(pos, baseSize);
    pos += baseSize;
    const extents = view.getUint16(pos);
    pos += 2;
    const parts: Uint8Array[] = [];
    for (let k = 0; k < extents; k++) {
      pos += indexSize;
      const offset = base + read(pos, offsetSize);
      const length = read(pos + offsetSize, lengthSize);
      parts.push(file.subarray(offset, offset + length));
      pos += offsetSize + lengthSize;
    }
    if (id === wanted) {
      return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
    }
  }
  throw new Error(`item ${wanted} not in iloc`);
}
