/**
 * Our baseline decoder against MozJPEG (`decodeImage`): what a read gives,
 * in every sampling, with and without restart markers, in every
 * orientation; and damaged files failing as they fail there.
 */
import assert from "node:assert/strict";
import { decodeImage } from "./decode.ts";
import { cropImage, resizeImage } from "./image.ts";
import { FaceError } from "./errors.ts";
import type { Box, RgbImage } from "./types.ts";
import {
  type BaselineJpegOptions,
  concat,
  encodeBaselineJpeg,
  exifSegment,
  syntheticPicture,
} from "@facever/testing";
import { openBaseline, seeded, testPhoto } from "./testdata/assertions.ts";

function difference(a: RgbImage, b: RgbImage): { max: number; mean: number } {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let max = 0, sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

const photo = await testPhoto(); // 250×250: neither dimension whole MCUs
const SAMPLINGS = ["4:2:0", "4:2:2", "4:4:4", "gray"] as const;

function jpegOf(
  picture: RgbImage,
  options: Partial<BaselineJpegOptions> = {},
): Uint8Array {
  return encodeBaselineJpeg({
    width: picture.width,
    height: picture.height,
    samples: picture.data,
    ...options,
  });
}

/** Boxes of an upright `width` × `height` image: whole, inside, at the edges. */
function boxes(width: number, height: number): Box[] {
  return [
    { x: 0, y: 0, width, height },
    { x: 37, y: 21, width: 101, height: 87 },
    { x: width - 61, y: height - 45, width: 61, height: 45 },
    { x: 0, y: height - 17, width: 40, height: 17 },
    { x: -20, y: -20, width: 90.4, height: 60.6 },
  ];
}

Deno.test("reads at full scale are MozJPEG's pixels", async (t) => {
  for (const sampling of SAMPLINGS) {
    for (const restartInterval of [0, 5]) {
      await t.step(
        `${sampling}, restart interval ${restartInterval}`,
        async () => {
          const jpeg = jpegOf(photo, { sampling, restartInterval });
          const full = await decodeImage(jpeg);
          const source = openBaseline(jpeg);
          assert.deepEqual([source.width, source.height], [
            full.width,
            full.height,
          ]);
          for (const box of boxes(full.width, full.height)) {
            const crop = cropImage(full, box);
            const read = source.read(box, crop.width, crop.height);
            const { max, mean } = difference(read, crop);
            assert.equal(max, 0, `${JSON.stringify(box)}: ${mean}`);
          }
        },
      );
    }
  }
});

Deno.test("reduced reads are close to resizing a full decode", async (t) => {
  const big = resizeImage(photo, 700, 530);
  for (const sampling of SAMPLINGS) {
    await t.step(sampling, async () => {
      const jpeg = jpegOf(big, { sampling, restartInterval: 7 });
      const full = await decodeImage(jpeg);
      const source = openBaseline(jpeg);
      // Box, size, detail, and the mean difference allowed: at 1/8 scale
      // 4:2:0 chroma comes from one sample per 16 × 16 pixels.
      const cases: [Box, number, number, number, number][] = [
        [{ x: 0, y: 0, width: 700, height: 530 }, 320, 242, 1, 1.5], // 1/2
        [{ x: 0, y: 0, width: 700, height: 530 }, 80, 60, 1, 2.5], // 1/8
        [{ x: 101, y: 77, width: 300, height: 330 }, 64, 64, 2, 1.5], // 1/2
        [{ x: 101, y: 77, width: 300, height: 330 }, 30, 33, 2, 1.5], // 1/4
        [{ x: 390, y: 200, width: 310, height: 330 }, 112, 112, 1, 1.5], // 1/2, at the edge
      ];
      for (const [box, width, height, detail, allowed] of cases) {
        const read = source.read(box, width, height, detail);
        const expected = resizeImage(cropImage(full, box), width, height);
        const { mean } = difference(read, expected);
        assert.ok(
          mean < allowed,
          `${JSON.stringify(box)} → ${width}x${height}: ${mean}`,
        );
      }
    });
  }
});

Deno.test("boxes and reads are upright in every orientation", async (t) => {
  const stored = syntheticPicture(93, 61);
  for (let orientation = 1; orientation <= 8; orientation++) {
    await t.step(`orientation ${orientation}`, async () => {
      const jpeg = jpegOf(stored, {
        sampling: "4:2:0",
        restartInterval: 3,
        segments: [exifSegment(orientation)],
      });
      const upright = await decodeImage(jpeg);
      const source = openBaseline(jpeg);
      assert.deepEqual([source.width, source.height], [
        upright.width,
        upright.height,
      ]);
      const box = { x: 9, y: 14, width: 31, height: 23 };
      const crop = cropImage(upright, box);
      assert.equal(difference(source.read(box, 31, 23), crop).max, 0);
      const small = source.read(box, 8, 6, 2);
      assert.ok(difference(small, resizeImage(crop, 8, 6)).mean < 4);
    });
  }
});

Deno.test("reads refuse what they cannot read", () => {
  const source = openBaseline(jpegOf(photo));
  const box = { x: 0, y: 0, width: 10, height: 10 };
  assert.throws(() => source.read({ ...box, x: 300 }, 5, 5), RangeError);
  assert.throws(() => source.read({ ...box, width: NaN }, 5, 5), RangeError);
  assert.throws(() => source.read(box, 0, 5), RangeError);
  assert.throws(() => source.read(box, 5, 5, 0.5), RangeError);
});

/** `decodeImage`'s outcome and ours (opening and reading all of it). */
async function outcomes(bytes: Uint8Array): Promise<[string, string]> {
  const code = (error: unknown) => {
    if (error instanceof FaceError) return error.code;
    throw new Error(`untyped error: ${error}`, { cause: error });
  };
  let mozjpeg = "ok", ours = "ok";
  try {
    await decodeImage(bytes);
  } catch (error) {
    mozjpeg = code(error);
  }
  try {
    const source = openBaseline(bytes);
    source.read(
      { x: 0, y: 0, width: source.width, height: source.height },
      source.width,
      source.height,
    );
  } catch (error) {
    ours = code(error);
  }
  return [mozjpeg, ours];
}

function markers(jpeg: Uint8Array, from: number, to: number): number[] {
  const at: number[] = [];
  for (let i = 0; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] >= from && jpeg[i + 1] <= to) {
      at.push(i);
    }
  }
  return at;
}

Deno.test("damage fails as it fails in MozJPEG", async (t) => {
  const jpeg = jpegOf(photo, { restartInterval: 4 });
  const rsts = markers(jpeg, 0xd0, 0xd7);
  const eoi = jpeg.length - 2;
  const scanStart = markers(jpeg, 0xda, 0xda)[0] + 14;
  const cases: Record<string, Uint8Array> = {
    "bytes before EOI": concat([
      jpeg.subarray(0, eoi),
      Uint8Array.from([1, 2, 3]),
      jpeg.subarray(eoi),
    ]),
    "bytes before a restart marker": concat([
      jpeg.subarray(0, rsts[5]),
      Uint8Array.from([0x55, 0x66]),
      jpeg.subarray(rsts[5]),
    ]),
    "an interval cut short": concat([
      jpeg.subarray(0, rsts[9] - 6),
      jpeg.subarray(rsts[9]),
    ]),
    "the scan cut and closed with EOI": concat([
      jpeg.subarray(0, rsts[20]),
      Uint8Array.from([0xff, 0xd9]),
    ]),
    "restart markers swapped": (() => {
      const out = jpeg.slice();
      [out[rsts[2] + 1], out[rsts[3] + 1]] = [
        out[rsts[3] + 1],
        out[rsts[2] + 1],
      ];
      return out;
    })(),
    "the file cut": jpeg.slice(0, Math.floor(jpeg.length * 0.7)),
    "a run of bytes zeroed": (() => {
      const out = jpeg.slice();
      out.fill(0, scanStart + 500, scanStart + 800);
      return out;
    })(),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    await t.step(name, async () => {
      const [mozjpeg, ours] = await outcomes(bytes);
      assert.notEqual(mozjpeg, "ok", "the damage is one MozJPEG reports");
      assert.equal(ours, mozjpeg);
    });
  }

  await t.step("random damage: never weaker than MozJPEG", async () => {
    const next = seeded(2024);
    const tally: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const bytes = jpeg.slice();
      const at = scanStart + (next() % (eoi - scanStart));
      for (let k = 0, n = 1 + (next() % 6); k < n; k++) {
        bytes[Math.min(eoi - 1, at + k)] ^= 1 << (next() % 8);
      }
      const [mozjpeg, ours] = await outcomes(bytes);
      tally[`${mozjpeg} → ${ours}`] = (tally[`${mozjpeg} → ${ours}`] ?? 0) + 1;
      if (mozjpeg !== "ok") assert.notEqual(ours, "ok", `mutation ${i}`);
    }
    console.log(tally);
  });
});
