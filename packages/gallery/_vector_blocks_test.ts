import assert from "node:assert/strict";
import { VectorBlocks } from "./_vector_blocks.ts";

const DIMS = 3;
/** Past the first block of 16,384 vectors. */
const COUNT = 20_000;

function vectorOf(slot: number): Float32Array {
  return new Float32Array([slot, -slot, slot / 2]);
}

Deno.test("vectors set one by one are read back across blocks", () => {
  const blocks = new VectorBlocks(DIMS);
  for (let slot = 0; slot < COUNT; slot++) blocks.set(slot, vectorOf(slot));
  for (const slot of [0, 1, 16_383, 16_384, COUNT - 1]) {
    assert.deepEqual(blocks.get(slot), vectorOf(slot));
  }
  // Only the first `dims` values are kept.
  blocks.set(5, new Float32Array([1, 2, 3, 4]));
  assert.deepEqual(blocks.get(5), new Float32Array([1, 2, 3]));
  assert.equal(
    blocks.similarity(new Float64Array([1, 0, 1]), 16_384),
    16_384 + 8_192,
  );
});

Deno.test("vectors copied in from pieces land in their slots, a run per block", () => {
  const blocks = new VectorBlocks(DIMS);
  const first = 16_000, count = 1_000;
  blocks.reserve(first + count);
  const source = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) source.set(vectorOf(first + i), i * DIMS);
  const bytes = new Uint8Array(source.buffer);
  const copies: [number, number][] = [];
  blocks.copyIn(first, count, {
    copy(start, end, into) {
      copies.push([start, end]);
      into.set(bytes.subarray(start, end));
    },
  });
  // 384 vectors fill the first block; the rest go to the second.
  assert.deepEqual(copies, [[0, 384 * 12], [384 * 12, count * 12]]);
  for (const slot of [first, 16_383, 16_384, first + count - 1]) {
    assert.deepEqual(blocks.get(slot), vectorOf(slot));
  }
});
