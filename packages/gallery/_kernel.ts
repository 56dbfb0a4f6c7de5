/**
 * The scan kernel: a WebAssembly SIMD function, emitted byte by byte here
 * (see `_wasm.ts`; no toolchain is needed to build it), that streams once through every
 * row of the index and writes, per row and per query of a batch, the
 * coarse similarity bound that decides whether the row is rescored.
 *
 * A row is `rowBytes(dims)` bytes: the int8 code padded with zeros to
 * whole 16-byte vectors, then the float32 scale of the code, the float32
 * norm of its quantisation error, the int32 sum of the code's values, and
 * padding that keeps the next row 16-byte aligned.
 *
 * A query is `codeBytes(dims)` bytes, each an integer q in
 * [-QUERY_MAX, QUERY_MAX] stored as q + QUERY_MAX, in [0, 126]. That is
 * the range where `i32x4.relaxed_dot_i8x16_i7x16_add_s` is exact on every
 * engine (pairs of products stay within int16), and it takes one
 * instruction where plain SIMD needs five.
 *
 * One query alone is bound by how fast the rows stream in; several
 * queries share each row while it is in the first-level cache. The kernel
 * takes the queries of a batch four at a time — one load of each 16-byte
 * slice of the row feeds four dot products, eight accumulator chains in
 * flight — then the rest one at a time. Every query's bound is computed
 * with the same operations in the same order, so a query gets the same
 * bits alone or in any batch.
 *
 * @module
 */

import {
  BLOCK,
  BR_IF,
  END,
  F32,
  F32_ADD,
  F32_CONVERT_I32_S,
  F32_LOAD,
  F32_MUL,
  F32_STORE,
  I32,
  I32_ADD,
  I32_CONST,
  I32_EQZ,
  I32_LOAD,
  I32_MUL,
  I32_SUB,
  I32X4_ADD,
  I32X4_EXTRACT_LANE,
  I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S,
  I8X16_SHUFFLE,
  instantiate,
  isShared,
  LOCAL_GET,
  LOCAL_SET,
  LOCAL_TEE,
  LOOP,
  moduleBytes,
  simd,
  sleb,
  uleb,
  V128,
  V128_CONST,
  v128Load,
  VOID,
} from "./_wasm.ts";

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

/** Bytes of a query's parameters: its float32 scale, then its float32 norm. */
export const PARAM_BYTES = 8;

/** Queries the kernel takes together in its inner loop. */
export const GROUP = 4;

/**
 * `scan(rows, count, query, out, queryScale, queryNorm)`: one query. For
 * each of `count` rows from byte `rows`, takes the exact dot product `d`
 * of its code with the query at byte `query` (the sum of the offset
 * query's products, less `QUERY_MAX` times the code sum), and writes the
 * float32 `d · scale · queryScale + error · queryNorm` to `out` (4 bytes
 * per row). For unit vectors both terms are at most about 1 in magnitude,
 * and the six float32 roundings on the way (of `d`, of the two query
 * factors, of two products and the sum) leave the result within 1e-6 of
 * the exact value.
 */
export type ScanFunction = (
  rows: number,
  count: number,
  query: number,
  out: number,
  queryScale: number,
  queryNorm: number,
) => void;

/**
 * `scanBatch(rows, count, queries, groups, singles, params, out, stride)`:
 * the same for the `GROUP · groups + singles` queries laid out one after
 * another from byte `queries`, with their float32 scale and norm from byte
 * `params` (`PARAM_BYTES` each); the bound of row `i` for query `b` goes
 * to byte `out + b · stride + 4 · i`.
 */
export type BatchScanFunction = (
  rows: number,
  count: number,
  queries: number,
  groups: number,
  singles: number,
  params: number,
  out: number,
  stride: number,
) => void;

/** The kernel's two functions, compiled for one memory. */
export interface Kernel {
  readonly memory: WebAssembly.Memory;
  readonly scan: ScanFunction;
  readonly scanBatch: BatchScanFunction;
}

/**
 * Compiles the kernel for `dims` over `memory` (at most 65536 pages,
 * shared or not).
 */
export function scanKernel(dims: number, memory: WebAssembly.Memory): Kernel {
  const exports = instantiate(kernelBytes(dims, isShared(memory)), memory);
  return {
    memory,
    scan: exports.scan as ScanFunction,
    scanBatch: exports.scan_batch as BatchScanFunction,
  };
}

/** One pass of the kernel: where its rows, queries and bounds are, in bytes. */
export interface ScanJob {
  /** The first row. */
  readonly rows: number;
  /** Rows to scan. */
  readonly count: number;
  /** Bytes of a row, `rowBytes(dims)`. */
  readonly rowBytes: number;
  /** The first query; the others follow it. */
  readonly queries: number;
  /** Queries, at least 1. */
  readonly size: number;
  /** The queries' parameters, `PARAM_BYTES` each. */
  readonly params: number;
  /** The bounds of the first query, 4 bytes per row. */
  readonly out: number;
  /** From one query's bounds to the next's. */
  readonly stride: number;
}

/**
 * Runs `job` over its rows from `start` to `end`. A row's bound does not
 * depend on the other rows, so a scan cut into ranges, on any threads,
 * writes the same bits as one pass. One query alone takes `scan`, which
 * keeps nothing but its rows in flight: the same bits, a little faster.
 */
export function scanRange(
  kernel: Kernel,
  job: ScanJob,
  start: number,
  end: number,
): void {
  const rows = job.rows + start * job.rowBytes;
  const out = job.out + 4 * start;
  if (job.size === 1) {
    const [scale, norm] = new Float32Array(kernel.memory.buffer, job.params, 2);
    kernel.scan(rows, end - start, job.queries, out, scale, norm);
  } else {
    kernel.scanBatch(
      rows,
      end - start,
      job.queries,
      Math.floor(job.size / GROUP),
      job.size % GROUP,
      job.params,
      out,
      job.stride,
    );
  }
}

/**
 * Where a function keeps what the shared pieces of code use: the row
 * pointer, the rows left, the query pointer, the v128 local of the row's
 * slice, and the first of the accumulators (an even and an odd one per
 * query); each function adds its own.
 */
interface Frame {
  readonly rows: number;
  readonly count: number;
  readonly query: number;
  readonly slice: number;
  readonly accumulators: number;
}

function accumulator(frame: Frame, k: number, odd: boolean): number {
  return frame.accumulators + 2 * k + (odd ? 1 : 0);
}

// The single-query function: its parameters, then its v128 locals.
const SINGLE = {
  rows: 0,
  count: 1,
  query: 2,
  out: 3,
  queryScale: 4,
  queryNorm: 5,
  slice: 6,
  accumulators: 7,
};

// The batch function: its parameters, its i32 locals (the pointers to the
// current query, its parameters and its output, and a countdown), then its
// v128 locals.
const BATCH = {
  rows: 0,
  count: 1,
  queries: 2,
  groups: 3,
  singles: 4,
  params: 5,
  out: 6,
  stride: 7,
  query: 8,
  param: 9,
  output: 10,
  left: 11,
  slice: 12,
  accumulators: 13,
};

const ZERO = simd(V128_CONST, ...new Array(16).fill(0));

// Shuffles that bring the upper 8, then the upper 4, bytes of a vector
// onto its lowest lanes, for the horizontal sum.
const UPPER_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const UPPER_LANE = [4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15];

/** `local += step` for an i32 local and a constant step. */
function advance(local: number, step: number): number[] {
  return [
    LOCAL_GET,
    local,
    I32_CONST,
    ...sleb(step),
    I32_ADD,
    LOCAL_SET,
    local,
  ];
}

/** `local += other · factor` for i32 locals and a constant factor. */
function advanceBy(local: number, other: number, factor: number): number[] {
  return [
    LOCAL_GET,
    local,
    LOCAL_GET,
    other,
    I32_CONST,
    ...sleb(factor),
    I32_MUL,
    I32_ADD,
    LOCAL_SET,
    local,
  ];
}

/**
 * `body` run `local` times, `local` first set from `from`: `if (local !=
 * 0) do { body } while (--local != 0)`.
 */
function countdown(local: number, from: number, body: number[]): number[] {
  return [
    BLOCK,
    VOID,
    ...(from === local ? [LOCAL_GET, local] : [
      LOCAL_GET,
      from,
      LOCAL_TEE,
      local,
    ]),
    I32_EQZ,
    BR_IF,
    0,
    LOOP,
    VOID,
    ...body,
    LOCAL_GET,
    local,
    I32_CONST,
    1,
    I32_SUB,
    LOCAL_TEE,
    local,
    BR_IF,
    0,
    END,
    END,
  ];
}

/**
 * The dot products of the row with `queries` queries from the frame's
 * query pointer, one load of each row slice for all of them. The loop over
 * the code is unrolled, so every load has a constant offset; even and odd
 * slices feed separate accumulators, two dependency chains per query.
 */
function dotProducts(frame: Frame, code: number, queries: number): number[] {
  const body: number[] = [];
  for (let j = 0; j < code / 16; j++) {
    body.push(LOCAL_GET, frame.rows, ...v128Load(16 * j));
    body.push(LOCAL_SET, frame.slice);
    for (let k = 0; k < queries; k++) {
      const acc = accumulator(frame, k, j % 2 === 1);
      body.push(LOCAL_GET, frame.slice, LOCAL_GET, frame.query);
      body.push(...v128Load(k * code + 16 * j));
      // The first two slices start their chains from zero.
      body.push(...(j < 2 ? ZERO : [LOCAL_GET, acc]));
      body.push(...simd(I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S), LOCAL_SET, acc);
    }
  }
  return body;
}

/**
 * Query `k`'s float32 bound from its accumulators, with `queryScale` and
 * `queryNorm` as the code that pushes each.
 */
function bound(
  frame: Frame,
  code: number,
  k: number,
  queryScale: number[],
  queryNorm: number[],
): number[] {
  const even = accumulator(frame, k, false);
  const odd = accumulator(frame, k, true);
  return [
    // The horizontal sum of even + odd ...
    LOCAL_GET,
    even,
    LOCAL_GET,
    odd,
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    even,
    LOCAL_GET,
    even,
    LOCAL_GET,
    even,
    ...simd(I8X16_SHUFFLE, ...UPPER_HALF),
    ...simd(I32X4_ADD),
    LOCAL_TEE,
    even,
    LOCAL_GET,
    even,
    LOCAL_GET,
    even,
    ...simd(I8X16_SHUFFLE, ...UPPER_LANE),
    ...simd(I32X4_ADD),
    ...simd(I32X4_EXTRACT_LANE, 0),
    // ... less QUERY_MAX · code sum, as float32 ...
    LOCAL_GET,
    frame.rows,
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
    frame.rows,
    F32_LOAD,
    2,
    ...uleb(code),
    F32_MUL,
    ...queryScale,
    F32_MUL,
    LOCAL_GET,
    frame.rows,
    F32_LOAD,
    2,
    ...uleb(code + 4),
    ...queryNorm,
    F32_MUL,
    F32_ADD,
  ];
}

/** The single-query function's body. */
function singleBody(dims: number): number[] {
  const code = codeBytes(dims);
  return countdown(SINGLE.count, SINGLE.count, [
    ...dotProducts(SINGLE, code, 1),
    LOCAL_GET,
    SINGLE.out,
    ...bound(SINGLE, code, 0, [LOCAL_GET, SINGLE.queryScale], [
      LOCAL_GET,
      SINGLE.queryNorm,
    ]),
    F32_STORE,
    2,
    0,
    ...advance(SINGLE.rows, rowBytes(dims)),
    ...advance(SINGLE.out, 4),
  ]);
}

/** The batch function's work for `queries` queries at its pointers. */
function batchStep(code: number, queries: number): number[] {
  const body = dotProducts(BATCH, code, queries);
  for (let k = 0; k < queries; k++) {
    body.push(LOCAL_GET, BATCH.output);
    if (k > 0) {
      body.push(LOCAL_GET, BATCH.stride, I32_CONST, k, I32_MUL, I32_ADD);
    }
    body.push(
      ...bound(
        BATCH,
        code,
        k,
        [LOCAL_GET, BATCH.param, F32_LOAD, 2, ...uleb(k * PARAM_BYTES)],
        [LOCAL_GET, BATCH.param, F32_LOAD, 2, ...uleb(k * PARAM_BYTES + 4)],
      ),
      F32_STORE,
      2,
      0,
    );
  }
  body.push(...advance(BATCH.query, queries * code));
  body.push(...advance(BATCH.param, queries * PARAM_BYTES));
  body.push(...advanceBy(BATCH.output, BATCH.stride, queries));
  return body;
}

/** The batch function's body: per row, the groups of queries, then the rest. */
function batchBody(dims: number): number[] {
  const code = codeBytes(dims);
  return countdown(BATCH.count, BATCH.count, [
    LOCAL_GET,
    BATCH.queries,
    LOCAL_SET,
    BATCH.query,
    LOCAL_GET,
    BATCH.params,
    LOCAL_SET,
    BATCH.param,
    LOCAL_GET,
    BATCH.out,
    LOCAL_SET,
    BATCH.output,
    ...countdown(BATCH.left, BATCH.groups, batchStep(code, GROUP)),
    ...countdown(BATCH.left, BATCH.singles, batchStep(code, 1)),
    ...advance(BATCH.rows, rowBytes(dims)),
    ...advance(BATCH.out, 4),
  ]);
}

/** The module's bytes: `scan` and `scan_batch` over an imported memory. */
export function kernelBytes(
  dims: number,
  shared: boolean,
): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    {
      name: "scan",
      params: [I32, I32, I32, I32, F32, F32],
      results: [],
      locals: [[3, V128]],
      body: singleBody(dims),
    },
    {
      name: "scan_batch",
      params: [I32, I32, I32, I32, I32, I32, I32, I32],
      results: [],
      locals: [[4, I32], [1 + 2 * GROUP, V128]],
      body: batchBody(dims),
    },
  ], shared);
}
