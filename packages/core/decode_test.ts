/**
 * What `readImageInfo` reads, the pixel limit checked before decoding, EXIF
 * orientation applied, and concurrent decodes kept apart.
 */
import assert from "node:assert/strict";
import { decodeImage, type ImageInfo, readImageInfo } from "./decode.ts";
import { DEFAULT_MAX_PIXELS } from "./limits.ts";
import { ImageTooLargeError } from "./errors.ts";
import type { RgbImage } from "./types.ts";
import {
  concat,
  encodePng,
  exifSegment,
  pngChunk,
  tiffWithOrientation,
} from "@facever/testing";
import {
  blocks,
  flatRgbJpeg,
  markerPos,
  setU32,
} from "./testdata/assertions.ts";

/** Max absolute difference between two images of the same size. */
function maxDiff(a: RgbImage, b: RgbImage): number {
  assert.equal(a.width, b.width, "width");
  assert.equal(a.height, b.height, "height");
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  }
  return max;
}

Deno.test("readImageInfo", async (t) => {
  await t.step("reads JPEG SOF size and EXIF orientation", () => {
    const jpeg = flatRgbJpeg(blocks(), [exifSegment(6, true)]);
    const info: ImageInfo = readImageInfo(jpeg);
    assert.deepEqual(info, {
      format: "jpeg",
      width: 24,
      height: 16,
      orientation: 6,
    });
    assert.equal(readImageInfo(flatRgbJpeg(blocks())).orientation, 1);
  });
  await t.step("reads PNG IHDR and eXIf", () => {
    const png = encodePng({
      width: 3,
      height: 2,
      colorType: 0,
      bitDepth: 8,
      samples: [1, 2, 3, 4, 5, 6],
      chunks: [pngChunk("eXIf", tiffWithOrientation(8, false))],
    });
    assert.deepEqual(readImageInfo(png), {
      format: "png",
      width: 3,
      height: 2,
      orientation: 8,
    });
  });
  await t.step("malformed EXIF means orientation 1", () => {
    const bad = exifSegment(3);
    bad[10] = 0x58; // byte-order mark "XM"
    assert.equal(readImageInfo(flatRgbJpeg(blocks(), [bad])).orientation, 1);
    const outOfRange = exifSegment(9);
    assert.equal(
      readImageInfo(flatRgbJpeg(blocks(), [outOfRange])).orientation,
      1,
    );
  });
});

Deno.test("too many pixels: ImageTooLargeError before decoding", async (t) => {
  await t.step("JPEG header claiming 60000x60000 in 160 bytes", async () => {
    const small = flatRgbJpeg(blocks());
    const huge = small.slice();
    const sof = markerPos(huge, 0xc0);
    huge.set([0xea, 0x60, 0xea, 0x60], sof + 5); // 60000 x 60000
    assert.ok(huge.length < 200);
    // Its scan data is for 24x16, so decoding would fail; the size check
    // must come first, and must not allocate 10 GB of pixels.
    await assert.rejects(decodeImage(huge), (error: unknown) => {
      assert.ok(error instanceof ImageTooLargeError);
      assert.equal(error.code, "too_large");
      assert.equal(error.width, 60000);
      assert.equal(error.height, 60000);
      assert.equal(error.maxPixels, DEFAULT_MAX_PIXELS);
      return true;
    });
    // Even with the rest of the stream missing: only the header is read.
    await assert.rejects(
      decodeImage(huge.slice(0, markerPos(huge, 0xda) + 14)),
      ImageTooLargeError,
    );
  });

  await t.step(
    "PNG IHDR claiming 2^31-1 x 2^31-1 with no valid data",
    async () => {
      const ihdr = new Uint8Array(13);
      setU32(ihdr, 0, 0x7fffffff);
      setU32(ihdr, 4, 0x7fffffff);
      ihdr[8] = 8;
      ihdr[9] = 6;
      const png = concat([
        Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        pngChunk("IHDR", ihdr),
        pngChunk("IDAT", [1, 2, 3]),
      ]);
      await assert.rejects(decodeImage(png), ImageTooLargeError);
    },
  );

  await t.step("maxPixels option is an inclusive limit", async () => {
    const jpeg = flatRgbJpeg(blocks()); // 24 x 16 = 384 pixels
    await assert.rejects(
      decodeImage(jpeg, { maxPixels: 383 }),
      ImageTooLargeError,
    );
    const image = await decodeImage(jpeg, { maxPixels: 384 });
    assert.equal(image.width, 24);
    for (const maxPixels of [0, -1, NaN, "9" as unknown as number]) {
      await assert.rejects(decodeImage(jpeg, { maxPixels }), RangeError);
    }
  });
});

/**
 * The stored image a camera writes for EXIF `orientation`, built from the
 * EXIF definition: where the stored 0th row and 0th column end up.
 */
function storedFor(upright: RgbImage, orientation: number): RgbImage {
  // [side of the 0th row, side of the 0th column] in the upright picture.
  const sides: Record<number, [string, string]> = {
    1: ["top", "left"],
    2: ["top", "right"],
    3: ["bottom", "right"],
    4: ["bottom", "left"],
    5: ["left", "top"],
    6: ["right", "top"],
    7: ["right", "bottom"],
    8: ["left", "bottom"],
  };
  const [row0, col0] = sides[orientation];
  const transposed = row0 === "left" || row0 === "right";
  const w = transposed ? upright.height : upright.width;
  const h = transposed ? upright.width : upright.height;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Stored row y lies `y` steps from side row0; column x lies `x` steps
      // from side col0.
      let ux: number, uy: number;
      if (transposed) {
        ux = row0 === "left" ? y : upright.width - 1 - y;
        uy = col0 === "top" ? x : upright.height - 1 - x;
      } else {
        uy = row0 === "top" ? y : upright.height - 1 - y;
        ux = col0 === "left" ? x : upright.width - 1 - x;
      }
      const s = (uy * upright.width + ux) * 3;
      data.set(upright.data.subarray(s, s + 3), (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data };
}

Deno.test("EXIF orientation 1-8 decodes upright", async (t) => {
  const upright = blocks();
  for (let orientation = 1; orientation <= 8; orientation++) {
    await t.step(`orientation ${orientation}`, async () => {
      const stored = storedFor(upright, orientation);
      for (const little of [false, true]) {
        const jpeg = flatRgbJpeg(stored, [exifSegment(orientation, little)]);
        const info = readImageInfo(jpeg);
        assert.equal(info.orientation, orientation);
        assert.equal(info.width, stored.width);
        const decoded = await decodeImage(jpeg);
        assert.ok(maxDiff(decoded, upright) <= 2, `orientation ${orientation}`);
      }
      // Without the EXIF segment the stored pixels come back as stored.
      const plain = await decodeImage(flatRgbJpeg(stored));
      assert.ok(maxDiff(plain, stored) <= 2);
    });
  }
  await t.step("PNG eXIf chunk is honoured too", async () => {
    const stored = storedFor(upright, 6);
    const png = encodePng({
      width: stored.width,
      height: stored.height,
      colorType: 2,
      bitDepth: 8,
      samples: stored.data,
      chunks: [pngChunk("eXIf", tiffWithOrientation(6, true))],
    });
    assert.equal(maxDiff(await decodeImage(png), upright), 0);
  });
});

Deno.test("concurrent decodes keep their own results", async () => {
  const images = [1, 2, 3, 4, 5, 6, 7, 8].map((o) => storedFor(blocks(), o));
  const bad = flatRgbJpeg(blocks());
  bad.fill(0xf7, markerPos(bad, 0xda) + 14, bad.length - 2);
  const results = await Promise.allSettled([
    ...images.map((image) => decodeImage(flatRgbJpeg(image))),
    decodeImage(bad),
  ]);
  results.slice(0, 8).forEach((result, i) => {
    assert.equal(result.status, "fulfilled");
    if (result.status === "fulfilled") {
      assert.ok(maxDiff(result.value, images[i]) <= 2);
    }
  });
  assert.equal(results[8].status, "rejected");
});
