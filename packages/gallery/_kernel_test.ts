import assert from "node:assert/strict";
import { codeBytes, queryRange, rowBytes, scanKernel } from "./_kernel.ts";
import { uniform } from "./_test_util.ts";

interface Row {
  readonly code: Int8Array;
  readonly scale: number;
  readonly error: number;
}

/** Lays rows out as the index does and runs the kernel over them. */
function runKernel(
  dims: number,
  rows: readonly Row[],
  query: Int16Array,
  queryScale: number,
  queryNorm: number,
): Float32Array {
  const rowsAt = 2 * codeBytes(dims);
  const outAt = rowsAt + rows.length * rowBytes(dims);
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((outAt + 4 * rows.length) / 65536),
    maximum: 65536,
  });
  new Int16Array(memory.buffer).set(query);
  const bytes = new Int8Array(memory.buffer);
  const floats = new Float32Array(memory.buffer);
  for (const [i, row] of rows.entries()) {
    const at = rowsAt + i * rowBytes(dims);
    bytes.set(row.code, at);
    floats[(at + codeBytes(dims)) / 4] = row.scale;
    floats[(at + codeBytes(dims)) / 4 + 1] = row.error;
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
  for (const dims of [1, 15, 16, 17, 100, 512, 1000]) {
    await t.step(`${dims} dimensions`, () => {
      const random = uniform(dims);
      const range = queryRange(dims);
      const query = Int16Array.from(
        { length: dims },
        () => Math.round((2 * random() - 1) * range) || 1,
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

Deno.test("the kernel's int32 sums do not overflow at the extremes", () => {
  for (const dims of [512, 4096]) {
    const range = queryRange(dims);
    const query = new Int16Array(dims).fill(range);
    const full = (sign: number) => ({
      code: new Int8Array(dims).fill(sign * 127),
      scale: Math.fround(1 / (127 * Math.sqrt(dims))),
      error: 0,
    });
    const bounds = runKernel(
      dims,
      [full(1), full(-1)],
      query,
      1 / (range * Math.sqrt(dims)),
      1,
    );
    assert.ok(Math.abs(bounds[0] - 1) < 1e-6, `${dims}: ${bounds[0]}`);
    assert.ok(Math.abs(bounds[1] + 1) < 1e-6, `${dims}: ${bounds[1]}`);
  }
});
