import assert from "node:assert/strict";
import {
  codeBytes,
  GROUP,
  PARAM_BYTES,
  QUERY_MAX,
  rowBytes,
  scanKernel,
} from "./_kernel.ts";
import { uniform } from "@facever/testing";

interface Row {
  readonly code: Int8Array;
  readonly scale: number;
  readonly error: number;
}

interface Query {
  readonly code: Int8Array;
  readonly scale: number;
  readonly norm: number;
}

/** Writes the rows from byte `rowsAt` as the index does. */
function layRows(
  memory: WebAssembly.Memory,
  rowsAt: number,
  dims: number,
  rows: readonly Row[],
): void {
  const bytes = new Int8Array(memory.buffer);
  const floats = new Float32Array(memory.buffer);
  const words = new Int32Array(memory.buffer);
  for (const [i, row] of rows.entries()) {
    const at = rowsAt + i * rowBytes(dims);
    bytes.set(row.code, at);
    const word = (at + codeBytes(dims)) / 4;
    floats[word] = row.scale;
    floats[word + 1] = row.error;
    words[word + 2] = row.code.reduce((sum, c) => sum + c, 0);
  }
}

/**
 * Lays the queries, their parameters and the rows out as the index does,
 * runs the kernel once over all of them, and returns each query's bounds.
 */
function runKernel(
  dims: number,
  rows: readonly Row[],
  queries: readonly Query[],
): Float32Array[] {
  const paramsAt = queries.length * codeBytes(dims);
  const rowsAt = Math.ceil((paramsAt + queries.length * PARAM_BYTES) / 16) *
    16;
  const outAt = rowsAt + rows.length * rowBytes(dims);
  const stride = 4 * rows.length;
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((outAt + stride * queries.length) / 65536),
    maximum: 65536,
  });
  const floats = new Float32Array(memory.buffer);
  for (const [b, query] of queries.entries()) {
    new Uint8Array(memory.buffer).set(
      query.code.map((q) => q + QUERY_MAX),
      b * codeBytes(dims),
    );
    floats[(paramsAt + b * PARAM_BYTES) / 4] = query.scale;
    floats[(paramsAt + b * PARAM_BYTES) / 4 + 1] = query.norm;
  }
  layRows(memory, rowsAt, dims, rows);
  scanKernel(dims, memory).scanBatch(
    rowsAt,
    rows.length,
    0,
    Math.floor(queries.length / GROUP),
    queries.length % GROUP,
    paramsAt,
    outAt,
    stride,
  );
  return queries.map((_, b) =>
    new Float32Array(memory.buffer, outAt + b * stride, rows.length).slice()
  );
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ** 2;
  return Math.sqrt(sum);
}

function randomQuery(dims: number, random: () => number): Query {
  const code = Int8Array.from(
    { length: dims },
    () => Math.round((2 * random() - 1) * QUERY_MAX) || 1,
  );
  return { code, scale: 1 / norm(code), norm: 0.9 + 0.1 * random() };
}

function randomRows(dims: number, random: () => number, count: number): Row[] {
  return Array.from({ length: count }, () => {
    const code = Int8Array.from(
      { length: dims },
      () => Math.round((2 * random() - 1) * 127) || 1,
    );
    return {
      code,
      scale: Math.fround(1 / norm(code)),
      error: Math.fround(0.05 * random()),
    };
  });
}

Deno.test("the kernel's bound is within 1e-6 of d·scale·queryScale + error·queryNorm", async (t) => {
  for (const dims of [1, 15, 16, 17, 33, 100, 512, 1000]) {
    await t.step(`${dims} dimensions`, () => {
      const random = uniform(dims);
      const queries = Array.from(
        { length: 6 },
        () => randomQuery(dims, random),
      );
      const rows = randomRows(dims, random, 50);
      const bounds = runKernel(dims, rows, queries);
      for (const [b, query] of queries.entries()) {
        for (const [i, row] of rows.entries()) {
          let d = 0;
          for (let k = 0; k < dims; k++) d += row.code[k] * query.code[k];
          const exact = d * row.scale * query.scale + row.error * query.norm;
          assert.ok(
            Math.abs(bounds[b][i] - exact) < 1e-6,
            `query ${b}, row ${i}: ${bounds[b][i]} vs ${exact}`,
          );
        }
      }
    });
  }
});

/** The single-query function: the query at byte 0, the rows after it. */
function runSingle(
  dims: number,
  rows: readonly Row[],
  query: Query,
): Float32Array {
  const rowsAt = codeBytes(dims);
  const outAt = rowsAt + rows.length * rowBytes(dims);
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((outAt + 4 * rows.length) / 65536),
    maximum: 65536,
  });
  new Uint8Array(memory.buffer).set(query.code.map((q) => q + QUERY_MAX));
  layRows(memory, rowsAt, dims, rows);
  scanKernel(dims, memory).scan(
    rowsAt,
    rows.length,
    0,
    outAt,
    query.scale,
    query.norm,
  );
  return new Float32Array(memory.buffer, outAt, rows.length).slice();
}

Deno.test("a query gets the same bits alone and in a batch of any size", () => {
  for (const dims of [16, 100, 512]) {
    const random = uniform(dims + 1);
    const queries = Array.from({ length: 11 }, () => randomQuery(dims, random));
    const rows = randomRows(dims, random, 40);
    const alone = queries.map((query) => runSingle(dims, rows, query));
    for (const size of [1, 2, 3, 4, 5, 8, 11]) {
      const batch = runKernel(dims, rows, queries.slice(0, size));
      for (let b = 0; b < size; b++) {
        assert.deepEqual(batch[b], alone[b], `${dims} dims, batch ${size}`);
      }
    }
  }
});

Deno.test("the kernel is exact at the extremes of codes and query", () => {
  for (const dims of [512, 4096]) {
    const scale = Math.fround(1 / (127 * Math.sqrt(dims)));
    const queryScale = 1 / (QUERY_MAX * Math.sqrt(dims));
    for (
      const [code, q, expected] of [[127, 63, 1], [-127, 63, -1], [
        -127,
        -63,
        1,
      ], [127, -63, -1]]
    ) {
      const query = {
        code: new Int8Array(dims).fill(q),
        scale: queryScale,
        norm: 1,
      };
      // Alone and as the last of a group of four.
      for (const batch of [[query], [query, query, query, query]]) {
        const bounds = runKernel(
          dims,
          [{ code: new Int8Array(dims).fill(code), scale, error: 0 }],
          batch,
        );
        const [bound] = bounds.at(-1)!;
        assert.ok(
          Math.abs(bound - expected) < 1e-6,
          `${dims}, ${code}·${q}: ${bound}`,
        );
      }
    }
  }
});

Deno.test("no rows, or no queries, write nothing", () => {
  const dims = 32;
  const random = uniform(7);
  assert.deepEqual(runKernel(dims, [], [randomQuery(dims, random)]), [
    new Float32Array(0),
  ]);
  assert.deepEqual(runKernel(dims, randomRows(dims, random, 3), []), []);
});
