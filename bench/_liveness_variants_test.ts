import assert from "node:assert/strict";
import { reshapeBox, swapRedBlue, VARIANTS } from "./_liveness_variants.ts";

Deno.test("boxes are scaled and squared about their centre", () => {
  const box = { x: 10, y: 20, width: 30, height: 40 };
  assert.deepEqual(reshapeBox(box, 1, false), box);
  assert.deepEqual(reshapeBox(box, 2, false), {
    x: -5,
    y: 0,
    width: 60,
    height: 80,
  });
  assert.deepEqual(reshapeBox(box, 1, true), {
    x: 5,
    y: 20,
    width: 40,
    height: 40,
  });
});

Deno.test("swapping red and blue twice gives the image back", () => {
  const image = {
    width: 2,
    height: 1,
    data: new Uint8Array([1, 2, 3, 4, 5, 6]),
  };
  assert.deepEqual(swapRedBlue(image).data, new Uint8Array([3, 2, 1, 6, 5, 4]));
  assert.deepEqual(swapRedBlue(swapRedBlue(image)).data, image.data);
});

Deno.test("the shipped variant comes first and gives what it is given", () => {
  assert.equal(new Set(VARIANTS.map((v) => v.name)).size, VARIANTS.length);
  const image = { width: 1, height: 1, data: new Uint8Array(3) };
  const box = { x: 0, y: 0, width: 1, height: 1 };
  const given = VARIANTS[0].prepare(image, box);
  assert.equal(given.image, image);
  assert.deepEqual(given.box, box);
});
