import assert from "node:assert/strict";
import type { RgbImage } from "@facever/core";
import { FRAME_HEIGHT, FRAME_WIDTH, synthesiseAttack } from "./_attacks.ts";

/** A square photo of one colour with a darker square in the middle. */
function photo(colour: readonly number[]): RgbImage {
  const size = 40;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inner = Math.abs(x - 20) < 8 && Math.abs(y - 20) < 8;
      colour.forEach((c, i) =>
        data[(y * size + x) * 3 + i] = inner ? c >> 1 : c
      );
    }
  }
  return { width: size, height: size, data };
}

/** The mean colour of the frame's central square, where the photo lands. */
function centre(frame: RgbImage): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = FRAME_HEIGHT / 2 - 20; y < FRAME_HEIGHT / 2 + 20; y++) {
    for (let x = FRAME_WIDTH / 2 - 20; x < FRAME_WIDTH / 2 + 20; x++, n++) {
      for (let c = 0; c < 3; c++) {
        sum[c] += frame.data[(y * FRAME_WIDTH + x) * 3 + c];
      }
    }
  }
  return sum.map((s) => s / n);
}

Deno.test("the same seed makes the same frame, another seed another", () => {
  for (const kind of ["screen", "print"] as const) {
    const a = synthesiseAttack(photo([200, 40, 40]), kind, 7);
    assert.equal(a.width, FRAME_WIDTH);
    assert.equal(a.height, FRAME_HEIGHT);
    assert.deepEqual(
      a.data,
      synthesiseAttack(photo([200, 40, 40]), kind, 7).data,
    );
    assert.notDeepEqual(
      a.data,
      synthesiseAttack(photo([200, 40, 40]), kind, 8).data,
    );
  }
});

Deno.test("the photo shows in the frame, in its own colours", () => {
  for (const kind of ["screen", "print"] as const) {
    for (const seed of [1, 2, 3]) {
      const [r, g, b] = centre(
        synthesiseAttack(photo([30, 170, 60]), kind, seed),
      );
      assert.ok(g - Math.max(r, b) > 20, `${kind} ${seed}: ${[r, g, b]}`);
    }
  }
});

Deno.test("a print cannot reach black; a screen's pixel grid leaves texture", () => {
  const black = photo([0, 0, 0]);
  for (const seed of [1, 2, 3]) {
    const [r, g, b] = centre(synthesiseAttack(black, "print", seed));
    // Ink reflects 6 to 18 % of paper white, dimmed by at most 20 %.
    assert.ok(Math.min(r, g, b) > 8, `print ${seed}: ${[r, g, b]}`);
  }
  // A flat grey photo: on a screen the subpixel stripes beat with the
  // camera's pixels; on paper it stays nearly flat.
  const grey = photo([128, 128, 128]);
  const roughness = (frame: RgbImage) => {
    let sum = 0, n = 0;
    const y = FRAME_HEIGHT / 2;
    for (let x = FRAME_WIDTH / 2 - 40; x < FRAME_WIDTH / 2 + 40; x++, n++) {
      const at = (y * FRAME_WIDTH + x) * 3;
      sum += Math.abs(frame.data[at] - frame.data[at + 2]);
    }
    return sum / n;
  };
  for (const seed of [1, 2, 3]) {
    const screen = roughness(synthesiseAttack(grey, "screen", seed));
    const print = roughness(synthesiseAttack(grey, "print", seed));
    assert.ok(screen > 2 * print, `seed ${seed}: ${screen} vs ${print}`);
  }
});
