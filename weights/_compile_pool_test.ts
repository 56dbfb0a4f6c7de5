import assert from "node:assert/strict";
import { windowRuns } from "./_compile_pool.ts";

Deno.test("outputs are grouped by the taps their windows keep", () => {
  // 3×3/2 padded by 1 over 10 pixels: only the first window loses a tap.
  assert.deepEqual(windowRuns(5, 10, 3, 2, 1), [
    { from: 0, to: 1, first: 1, last: 2 },
    { from: 1, to: 5, first: 0, last: 2 },
  ]);
  // Over 5 pixels the last window loses one too.
  assert.deepEqual(windowRuns(3, 5, 3, 2, 1), [
    { from: 0, to: 1, first: 1, last: 2 },
    { from: 1, to: 2, first: 0, last: 2 },
    { from: 2, to: 3, first: 0, last: 1 },
  ]);
  // Unpadded, every window is whole.
  assert.deepEqual(windowRuns(4, 8, 2, 2, 0), [
    { from: 0, to: 4, first: 0, last: 1 },
  ]);
});
