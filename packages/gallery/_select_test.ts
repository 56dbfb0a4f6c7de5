import assert from "node:assert/strict";
import { uniform } from "@facever/testing";
import { float32Below, selectKernel } from "./_select.ts";

/** Runs `select` over `bounds` laid out from byte 16, with junk after them. */
function select(
  bounds: readonly number[],
  floor: number,
  cap: number,
): number[] | "too many" {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const floats = new Float32Array(memory.buffer);
  floats.set(bounds, 4);
  // What lies past the last bound is no bound, however high.
  floats.fill(1e9, 4 + bounds.length, 4 + bounds.length + 8);
  const listAt = 32768;
  const found = selectKernel(memory)(16, bounds.length, floor, listAt, cap);
  if (found > cap) return "too many";
  return Array.from(new Int32Array(memory.buffer, listAt, found));
}

Deno.test("select lists, in order, the bounds at least the floor", () => {
  const random = uniform(5);
  for (const count of [0, 1, 3, 4, 5, 17, 1000]) {
    const bounds = Array.from({ length: count }, () => 2 * random() - 1);
    for (const floor of [-2, -0.5, 0, 0.3, 0.9, 2]) {
      const expected = bounds.flatMap((b, i) =>
        Math.fround(b) >= Math.fround(floor) ? [i] : []
      );
      assert.deepEqual(select(bounds, floor, 4096), expected);
      if (expected.length > 0) {
        assert.equal(select(bounds, floor, expected.length - 1), "too many");
      }
    }
  }
});

Deno.test("float32Below is the largest float32 not above its argument", () => {
  const random = uniform(6);
  const cases = [0, -0, 1e-46, -1e-46, 1, -1, 0.1, -0.1, 1 / 3, 2e-6 - 0.3];
  for (let i = 0; i < 1000; i++) cases.push(4 * random() - 2);
  for (const value of cases) {
    const below = float32Below(value);
    assert.equal(Math.fround(below), below, `${value}`);
    assert.ok(below <= value, `${value}: ${below}`);
    // The next float32 up is above it.
    const bits = new Float32Array([below]);
    const word = new Int32Array(bits.buffer);
    if (below > 0) word[0]++;
    else if (below < 0) word[0]--;
    else bits[0] = 2 ** -149;
    assert.ok(bits[0] > value || bits[0] === value && below === value);
  }
});
