/**
 * The scan kernel: a WebAssembly SIMD function, emitted byte by byte here
 * (no toolchain is needed to build it), that streams once through every
 * row of the index and writes, per row, the coarse similarity bound that
 * decides whether the row is rescored.
 *
 * A row is `rowBytes(dims)` bytes: the int8 code padded with zeros to
 * whole 16-byte vectors, then the float32 scale of the code, the float32
 * norm of its quantisation error, the int32 sum of the code's values, and
 * padding that keeps the next row 16-byte aligned.
 *
 * The query is `codeBytes(dims)` bytes, each an integer q in
 * [-QUERY_MAX, QUERY_MAX] stored as q + QUERY_MAX, in [0, 126]. That is
 * the range where `i32x4.relaxed_dot_i8x16_i7x16_add_s` is exact on every
 * engine (pairs of products stay within int16), and it takes one
 * instruction where plain SIMD needs five: the scan runs at close to
 * memory speed.
 *
 * @module
 */

/** Bytes of a row's code: the dimension rounded up to whole 16-byte vectors. */
export function codeBytes(dims: number): number {
  return Math.ceil(dims / 16) * 16;
}

/** Bytes of a row: code, scale, error, code sum, padding. */
export function rowBytes(dims: number): number {
  return codeBytes(dims) + 16;
}

/** Largest magnitude of a quantised query value. */
export const QUERY_MAX = 63;

/**
 * `scan(rows, count, query, out, queryScale, queryNorm)`: for each of
 * `count` rows from byte `rows`, takes the exact dot product `d` of its
 * code with the query at byte `query` (the sum of the offset query's
 * products, less `QUERY_MAX` times the code sum), and writes the float32
 * `d · scale · queryScale + error · queryNorm` to `out` (4 bytes per row).
 * For unit vectors both terms are at most about 1 in magnitude, and the
 * six float32 roundings on the way (of `d`, of the two query factors, of
 * two products and the sum) leave the result within 1e-6 of the exact
 * value.
 */
export type ScanFunction = (
  rows: number,
  count: number,
  query: number,
  out: number,
  queryScale: number,
  queryNorm: number,
) => void;

/** Compiles the kernel for `dims` over `memory` (at most 65536 pages). */
export function scanKernel(
  dims: number,
  memory: WebAssembly.Memory,
): ScanFunction {
  const module = new WebAssembly.Module(kernelBytes(dims));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports.scan as ScanFunction;
}

// Instruction encodings (WebAssembly core, SIMD and relaxed SIMD).
const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_LOAD = 0x28, F32_LOAD = 0x2a, F32_STORE = 0x38;
const I32_CONST = 0x41, I32_EQZ = 0x45, I32_ADD = 0x6a, I32_SUB = 0x6b;
const I32_MUL = 0x6c, F32_ADD = 0x92, F32_MUL = 0x94, F32_CONVERT_I32_S = 0xb2;
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const V128_LOAD = 0x00, V128_CONST = 0x0c, I8X16_SHUFFLE = 0x0d;
const I32X4_EXTRACT_LANE = 0x1b;
const I32X4_ADD = 0xae, I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S = 0x113;

// Parameters, then the v128 locals.
const ROWS = 0, COUNT = 1, QUERY = 2, OUT = 3, QUERY_SCALE = 4, QUERY_NORM = 5;
const EVEN = 6, ODD = 7;

const ZERO = simd(V128_CONST, ...new Array(16).fill(0));

// Shuffles that bring the upper 8, then the upper 4, bytes of a vector
// onto its lowest lanes, for the horizontal sum.
const UPPER_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const UPPER_LANE = [4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15];

function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 of a non-negative number below 2^31. */
function sleb(value: number): number[] {
  const bytes = uleb(value);
  // A set sign bit in the last byte would read as negative: add a byte.
  if (bytes[bytes.length - 1] & 0x40) {
    bytes[bytes.length - 1] |= 0x80;
    bytes.push(0);
  }
  return bytes;
}

function simd(opcode: number, ...immediates: number[]): number[] {
  return [0xfd, ...uleb(opcode), ...immediates];
}

function v128Load(offset: number): number[] {
  return simd(V128_LOAD, 4, ...uleb(offset));
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * The module's bytes. The loop over the code is unrolled, so every load
 * has a constant offset; even and odd 16-byte slices feed separate
 * accumulators, which keeps two dependency chains in flight.
 */
export function kernelBytes(dims: number): Uint8Array<ArrayBuffer> {
  const code = codeBytes(dims);
  const body: number[] = [];
  // if (count != 0) do { ... } while (--count != 0)
  body.push(BLOCK, VOID, LOCAL_GET, COUNT, I32_EQZ, BR_IF, 0, LOOP, VOID);
  for (let j = 0; j < code / 16; j++) {
    const acc = j % 2 === 0 ? EVEN : ODD;
    body.push(LOCAL_GET, ROWS, ...v128Load(16 * j));
    body.push(LOCAL_GET, QUERY, ...v128Load(16 * j));
    // The first two slices start their chains from zero.
    body.push(...(j < 2 ? ZERO : [LOCAL_GET, acc]));
    body.push(...simd(I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S));
    body.push(LOCAL_SET, acc);
  }
  body.push(
    LOCAL_GET,
    OUT,
    // The horizontal sum of EVEN + ODD ...
    LOCAL_GET,
    EVEN,
    LOCAL_GET,
    ODD,
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    EVEN,
    LOCAL_GET,
    EVEN,
    LOCAL_GET,
    EVEN,
    ...simd(I8X16_SHUFFLE, ...UPPER_HALF),
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    EVEN,
    LOCAL_GET,
    EVEN,
    LOCAL_GET,
    EVEN,
    ...simd(I8X16_SHUFFLE, ...UPPER_LANE),
    ...simd(I32X4_ADD),
    ...simd(I32X4_EXTRACT_LANE, 0),
    // ... less QUERY_MAX · code sum, as float32 ...
    LOCAL_GET,
    ROWS,
    I32_LOAD,
    2,
    ...uleb(code + 8),
    I32_CONST,
    ...sleb(QUERY_MAX),
    I32_MUL,
    I32_SUB,
    F32_CONVERT_I32_S,
    // ... · scale · queryScale + error · queryNorm
    LOCAL_GET,
    ROWS,
    F32_LOAD,
    2,
    ...uleb(code),
    F32_MUL,
    LOCAL_GET,
    QUERY_SCALE,
    F32_MUL,
    LOCAL_GET,
    ROWS,
    F32_LOAD,
    2,
    ...uleb(code + 4),
    LOCAL_GET,
    QUERY_NORM,
    F32_MUL,
    F32_ADD,
    F32_STORE,
    2,
    0,
    // rows += rowBytes; out += 4; --count
    LOCAL_GET,
    ROWS,
    I32_CONST,
    ...sleb(rowBytes(dims)),
    I32_ADD,
    LOCAL_SET,
    ROWS,
    LOCAL_GET,
    OUT,
    I32_CONST,
    4,
    I32_ADD,
    LOCAL_SET,
    OUT,
    LOCAL_GET,
    COUNT,
    I32_CONST,
    1,
    I32_SUB,
    LOCAL_TEE,
    COUNT,
    BR_IF,
    0,
    END,
    END,
    END,
  );
  const func = [1, 2, V128, ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, F32, F32, 0]),
    // The memory is imported, so the index can grow it and view it.
    ...section(2, [
      1,
      ...name("env"),
      ...name("memory"),
      0x02,
      0x01,
      ...uleb(1),
      ...uleb(65536),
    ]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("scan"), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}
