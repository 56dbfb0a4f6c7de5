import assert from "node:assert/strict";
import { uniform } from "@facever/testing";
import { idctBlock, idctScratch } from "./_jpeg_idct.ts";

/** The inverse DCT by its definition, level-shifted, rounded and clamped. */
function reference(coef: Int32Array): Uint8Array {
  const out = new Uint8Array(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          const cu = u === 0 ? Math.SQRT1_2 : 1,
            cv = v === 0 ? Math.SQRT1_2 : 1;
          sum += cu * cv * coef[v * 8 + u] *
            Math.cos((2 * x + 1) * u * Math.PI / 16) *
            Math.cos((2 * y + 1) * v * Math.PI / 16);
        }
      }
      out[y * 8 + x] = Math.min(255, Math.max(0, Math.round(sum / 4 + 128)));
    }
  }
  return out;
}

/** A block as a photo's: a DC term and AC terms that shrink with frequency. */
function randomBlock(random: () => number, terms: number): Int32Array {
  const coef = new Int32Array(64);
  coef[0] = Math.round((random() - 0.5) * 1600);
  for (let i = 0; i < terms; i++) {
    const at = 1 + Math.floor(random() * random() * 63);
    const scale = 400 / (1 + (at >> 3) + (at & 7));
    coef[at] = Math.round((random() - 0.5) * 2 * scale);
  }
  return coef;
}

Deno.test("idctBlock", async (t) => {
  const random = uniform(7);
  const scratch = idctScratch();

  await t.step("full scale: within 1 of the exact transform", () => {
    for (let n = 0; n < 500; n++) {
      const coef = randomBlock(random, 1 + (n % 20));
      const out = new Uint8Array(64);
      idctBlock(coef, false, 1, out, 0, 8, scratch);
      const exact = reference(coef);
      for (let i = 0; i < 64; i++) {
        assert.ok(Math.abs(out[i] - exact[i]) <= 1, `block ${n}, sample ${i}`);
      }
    }
  });

  await t.step("a lone DC term is flat, whichever path", () => {
    for (const dc of [-1024, -9, 0, 7, 500, 1016]) {
      const coef = new Int32Array(64);
      coef[0] = dc;
      const flat = new Uint8Array(64), full = new Uint8Array(64);
      idctBlock(coef, true, 1, flat, 0, 8, scratch);
      idctBlock(coef, false, 1, full, 0, 8, scratch);
      assert.deepEqual(flat, full);
      assert.ok(flat.every((v) => v === flat[0]));
    }
  });

  await t.step("1/2 and 1/4 scale: the rounded means of the full block", () => {
    for (let n = 0; n < 200; n++) {
      const coef = randomBlock(random, 12);
      const full = new Uint8Array(64);
      idctBlock(coef, false, 1, full, 0, 8, scratch);
      for (const reduce of [2, 4]) {
        const side = 8 / reduce;
        // Written into a wider plane, at an offset, to check the stride.
        const plane = new Uint8Array(3 * side * 3 * side);
        idctBlock(
          coef,
          false,
          reduce,
          plane,
          side * 3 * side + side,
          3 * side,
          scratch,
        );
        for (let y = 0; y < side; y++) {
          for (let x = 0; x < side; x++) {
            let sum = 0;
            for (let dy = 0; dy < reduce; dy++) {
              for (let dx = 0; dx < reduce; dx++) {
                sum += full[(y * reduce + dy) * 8 + x * reduce + dx];
              }
            }
            const mean = Math.floor(
              (sum + reduce * reduce / 2) / (reduce * reduce),
            );
            assert.equal(plane[(side + y) * 3 * side + side + x], mean);
          }
        }
      }
    }
  });
});
