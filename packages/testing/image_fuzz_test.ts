import assert from "node:assert/strict";
import {
  formatSamples,
  fuzzHeic,
  fuzzInputs,
  mutate,
  seeded,
  toImageData,
} from "./image_fuzz.ts";
import { syntheticPicture } from "./formats.ts";

const ascii = (bytes: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...bytes.subarray(from, to));

Deno.test("formatSamples: one file per format and variant", async () => {
  const samples = await formatSamples(syntheticPicture(40, 24));
  const byName = Object.fromEntries(samples.map((s) => [s.name, s.bytes]));
  assert.deepEqual(Object.keys(byName), [
    "jpeg",
    "jpeg (restart markers)",
    "jpeg (CMYK)",
    "png",
    "webp",
    "webp (animated, lossless)",
    "avif",
    "heic",
    "gif",
    "bmp",
    "tiff (Deflate)",
    "tiff (LZW)",
  ]);
  for (const name of ["jpeg", "jpeg (restart markers)", "jpeg (CMYK)"]) {
    assert.deepEqual([...byName[name].subarray(0, 2)], [0xff, 0xd8], name);
  }
  assert.equal(ascii(byName.png, 1, 4), "PNG");
  assert.equal(ascii(byName.webp, 8, 12), "WEBP");
  assert.equal(ascii(byName.avif, 8, 12), "avif");
  assert.deepEqual(byName.heic, await fuzzHeic());
  assert.equal(ascii(byName.gif, 0, 6), "GIF89a");
  assert.equal(ascii(byName.bmp, 0, 2), "BM");
  assert.equal(ascii(byName["tiff (LZW)"], 0, 2), "II");
  // The GIF's screen is the picture's size.
  assert.deepEqual([...byName.gif.subarray(6, 10)], [40, 0, 24, 0]);
  const heic = new Uint8Array([1, 2, 3]);
  const withHeic = await formatSamples(syntheticPicture(8, 8), heic);
  assert.deepEqual(withHeic.find((s) => s.name === "heic")!.bytes, heic);
});

Deno.test("mutate: every kind of damage, seeded", () => {
  const bytes = Uint8Array.from({ length: 600 }, (_, i) => i & 255);
  const kinds = new Set<string>();
  const next = seeded(3);
  for (let i = 0; i < 200; i++) {
    const [out, what] = mutate(bytes, next);
    const kind = what.split(" ")[0];
    kinds.add(kind);
    if (kind === "cut") assert.ok(out.length < bytes.length, what);
    if (kind === "insert" || kind === "duplicate") {
      assert.ok(out.length > bytes.length, what);
    }
    if (kind === "flip" || kind === "overwrite") {
      assert.equal(out.length, bytes.length, what);
    }
  }
  assert.deepEqual(
    [...kinds].sort(),
    ["cut", "delete", "duplicate", "flip", "insert", "overwrite"],
  );
  assert.deepEqual(mutate(bytes, seeded(9)), mutate(bytes, seeded(9)));
  assert.deepEqual([...bytes.subarray(0, 3)], [0, 1, 2], "input untouched");
});

Deno.test("fuzzInputs: in turn, each sample's sequence its own", () => {
  const a = { name: "a", bytes: new Uint8Array(100).fill(1), mutations: 3 };
  const b = { name: "b", bytes: new Uint8Array(50).fill(2), mutations: 1 };
  const both = [...fuzzInputs([a, b], 4)];
  assert.deepEqual(both.map((i) => [i.index, i.sample]), [
    [0, "a"],
    [1, "b"],
    [2, "a"],
    [3, "a"],
  ]);
  const alone = [...fuzzInputs([a], 4)];
  assert.deepEqual(
    both.filter((i) => i.sample === "a").map((i) => [i.what, i.bytes]),
    alone.map((i) => [i.what, i.bytes]),
  );
  assert.notDeepEqual(
    [...fuzzInputs([a], 5)].map((i) => i.what),
    alone.map((i) => i.what),
  );
});

Deno.test("toImageData: RGB to opaque RGBA", () => {
  const image = toImageData({
    width: 2,
    height: 1,
    data: Uint8Array.of(1, 2, 3, 4, 5, 6),
  });
  assert.deepEqual([...image.data], [1, 2, 3, 255, 4, 5, 6, 255]);
});
