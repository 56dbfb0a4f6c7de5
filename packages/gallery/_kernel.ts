/**
 * The scan kernel: a WebAssembly SIMD function, emitted byte by byte here
 * (no toolchain is needed to build it), that takes the dot product of an
 * int16 query with every int8 code of the index.
 *
 * @module
 */

/** Bytes per code row: the dimension rounded up to whole 16-byte vectors. */
export function codeStride(dims: number): number {
  return Math.ceil(dims / 16) * 16;
}

/**
 * `scan(codes, count, query, out)`: for each of `count` rows of
 * `codeStride(dims)` int8 values starting at byte `codes`, writes the int32
 * dot product with the `codeStride(dims)` int16 values at `query` to `out`.
 * The caller keeps every sum below 2^31 in magnitude (see
 * {@linkcode queryRange}); the result is then exact.
 */
export type ScanFunction = (
  codes: number,
  count: number,
  query: number,
  out: number,
) => void;

/**
 * Largest magnitude of a query value such that no dot product with codes in
 * [-127, 127] can overflow int32.
 */
export function queryRange(dims: number): number {
  return Math.min(32767, Math.floor(0x7fffffff / (127 * codeStride(dims))));
}

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

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const simd = (opcode: number) => [0xfd, ...uleb(opcode)];
const V128_LOAD = 0x00, I8X16_SHUFFLE = 0x0d, I32X4_EXTRACT_LANE = 0x1b;
const EXTEND_LOW_S = 0x87, EXTEND_HIGH_S = 0x88;
const I32X4_ADD = 0xae, I32X4_DOT_I16X8_S = 0xba;
// Params 0-3 are codes, count, query, out; locals 4-6 are v128.
const CODES = 0, COUNT = 1, QUERY = 2, OUT = 3, ACC_LOW = 4, ACC_HIGH = 5;
const ROW = 6;

function load(offset: number): number[] {
  return [...simd(V128_LOAD), 4, ...uleb(offset)];
}

// Shuffles that bring the upper 8, then the upper 4, bytes of a vector
// onto its lowest lanes, for the horizontal sum.
const UPPER_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const UPPER_LANE = [4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * The module's bytes. The row loop is unrolled over the dimension, so
 * every load has a constant offset; two accumulators (low and high halves
 * of each 16-byte row slice) keep the two dot-product chains independent.
 */
export function kernelBytes(dims: number): Uint8Array<ArrayBuffer> {
  const chunks = codeStride(dims) / 16;
  const body: number[] = [
    // if (count == 0) return; do { ... } while (--count)
    0x02,
    0x40,
    LOCAL_GET,
    COUNT,
    0x45,
    0x0d,
    0,
    0x03,
    0x40,
  ];
  for (let j = 0; j < chunks; j++) {
    body.push(LOCAL_GET, CODES, ...load(16 * j), LOCAL_SET, ROW);
    for (
      const [acc, extend, offset] of [
        [ACC_LOW, EXTEND_LOW_S, 32 * j],
        [ACC_HIGH, EXTEND_HIGH_S, 32 * j + 16],
      ]
    ) {
      if (j > 0) body.push(LOCAL_GET, acc);
      body.push(LOCAL_GET, ROW, ...simd(extend), LOCAL_GET, QUERY);
      body.push(...load(offset), ...simd(I32X4_DOT_I16X8_S));
      if (j > 0) body.push(...simd(I32X4_ADD));
      body.push(LOCAL_SET, acc);
    }
  }
  body.push(
    LOCAL_GET,
    OUT,
    LOCAL_GET,
    ACC_LOW,
    LOCAL_GET,
    ACC_HIGH,
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    ACC_LOW,
    // Horizontal sum: add the upper 8 bytes onto the lower, then lane 1
    // onto lane 0.
    LOCAL_GET,
    ACC_LOW,
    LOCAL_GET,
    ACC_LOW,
    ...simd(I8X16_SHUFFLE),
    ...UPPER_HALF,
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    ACC_LOW,
    LOCAL_GET,
    ACC_LOW,
    LOCAL_GET,
    ACC_LOW,
    ...simd(I8X16_SHUFFLE),
    ...UPPER_LANE,
    ...simd(I32X4_ADD),
    ...simd(I32X4_EXTRACT_LANE),
    0,
    0x36, // i32.store align=4
    2,
    0,
    LOCAL_GET,
    CODES,
    0x41, // i32.const
    ...signedLeb(codeStride(dims)),
    0x6a, // i32.add
    LOCAL_SET,
    CODES,
    LOCAL_GET,
    OUT,
    0x41,
    4,
    0x6a,
    LOCAL_SET,
    OUT,
    LOCAL_GET,
    COUNT,
    0x41,
    1,
    0x6b, // i32.sub
    LOCAL_TEE,
    COUNT,
    0x0d, // br_if loop
    0,
    0x0b,
    0x0b,
    0x0b,
  );
  const func = [1, 3, 0x7b, ...body];
  const i32 = 0x7f;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 4, i32, i32, i32, i32, 0]),
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

function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

/** Compiles the kernel for `dims` over `memory` (at most 65536 pages). */
export function scanKernel(
  dims: number,
  memory: WebAssembly.Memory,
): ScanFunction {
  const module = new WebAssembly.Module(kernelBytes(dims));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports.scan as ScanFunction;
}
