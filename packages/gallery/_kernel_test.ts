import assert from "node:assert/strict";
import { codeBytes, QUERY_MAX, rowBytes, scanKernel } from "./_kernel.ts";
import { uniform } from "@facever/testing";

interface Row {
  readonly code: Int8Array;
  readonly scale: number;
  readonly error: number;
}

/** Lays the query and rows out as the index does and runs the kernel. */
function runKernel(
  dims: number,
  rows: readonly Row[],
  query: Int8Array,
  queryScale: number,
  queryNorm: number,
): Float32Array {
  const rowsAt = codeBytes(dims);
  const outAt = rowsAt + rows.length * rowBytes(dims);
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((outAt + 4 * rows.length) / 65536),
    maximum: 65536,
  });
  new Uint8Array(memory.buffer).set(query.map((q) => q + QUERY_MAX));
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
  scanKernel(dims, memory)(
    rowsAt,
    rows.length,
    0,
    outAt,
    queryScale,
    queryNorm,
  );
  return new Float32Array(memory.buffer, outAt, rows.length).slice();
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ** 2;
  return Math.sqrt(sum);
}

Deno.test("the kernel's bound is within 1e-6 of d·scale·queryScale + error·queryNorm", async (t) => {
  for (const dims of [1, 15, 16, 17, 33, 100, 512, 1000]) {
    await t.step(`${dims} dimensions`, () => {
      const random = uniform(dims);
      const query = Int8Array.from(
        { length: dims },
        () => Math.round((2 * random() - 1) * QUERY_MAX) || 1,
      );
      const queryScale = 1 / norm(query);
      const queryNorm = 0.99;
      const rows: Row[] = Array.from({ length: 50 }, () => {
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
      const bounds = runKernel(dims, rows, query, queryScale, queryNorm);
      for (const [i, row] of rows.entries()) {
        let d = 0;
        for (let k = 0; k < dims; k++) d += row.code[k] * query[k];
        const exact = d * row.scale * queryScale + row.error * queryNorm;
        assert.ok(
          Math.abs(bounds[i] - exact) < 1e-6,
          `row ${i}: ${bounds[i]} vs ${exact}`,
        );
      }
    });
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
      const [bound] = runKernel(
        dims,
        [{ code: new Int8Array(dims).fill(code), scale, error: 0 }],
        new Int8Array(dims).fill(q),
        queryScale,
        1,
      );
      assert.ok(
        Math.abs(bound - expected) < 1e-6,
        `${dims}, ${code}·${q}: ${bound}`,
      );
    }
  }
});
