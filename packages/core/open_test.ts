import assert from "node:assert/strict";
import { decodeImage, openImage } from "./decode.ts";
import { cropImage, resizeImage } from "./image.ts";
import { imageSource } from "./source.ts";
import { ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import type { ImageSource, RgbImage } from "./types.ts";
import { JpegSource } from "./_jpeg_source.ts";
import { encodeFlatJpeg, encodePng, syntheticPicture } from "@facever/testing";
import { testPhoto, toImageData } from "./testdata/assertions.ts";

const { default: encode } = await import("@jsquash/jpeg/encode.js");

/** MozJPEG at quality 90 and 4:2:0 (its auto-subsampling would keep 4:4:4). */
async function mozjpeg(image: RgbImage, progressive = false) {
  return new Uint8Array(
    await encode(toImageData(image), {
      quality: 90,
      baseline: !progressive,
      progressive,
      auto_subsample: false,
      chroma_subsample: 2,
    }),
  );
}

function maxDifference(a: RgbImage, b: RgbImage): number {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  return a.data.reduce(
    (max, v, i) => Math.max(max, Math.abs(v - b.data[i])),
    0,
  );
}

function readAll(source: ImageSource): RgbImage {
  const { width, height } = source;
  return source.read({ x: 0, y: 0, width, height }, width, height);
}

// 2400 × 1800 = 4.32 million pixels: above the line our decoder takes.
const photo = resizeImage(await testPhoto(), 2400, 1800);
const large = await mozjpeg(photo);

Deno.test("openImage", async (t) => {
  await t.step(
    "a large baseline JPEG: our decoder, MozJPEG's pixels",
    async () => {
      const source = await openImage(large);
      assert.ok(source instanceof JpegSource);
      const full = await decodeImage(large);
      assert.equal(maxDifference(readAll(source), full), 0);
      const box = { x: 1000, y: 700, width: 500, height: 600 };
      const face = source.read(box, 64, 64, 2);
      const expected = resizeImage(cropImage(full, box), 64, 64);
      assert.ok(maxDifference(face, expected) <= 12);
    },
  );

  await t.step(
    "anything else: decoded whole, reads crop and resize",
    async () => {
      const others: Record<string, Uint8Array> = {
        "a progressive JPEG": await mozjpeg(photo, true),
        "a small JPEG": await mozjpeg(resizeImage(photo, 640, 480)),
        "a CMYK JPEG": encodeFlatJpeg({
          width: 32,
          height: 16,
          components: 4,
          samples: syntheticPicture(32, 32).data.subarray(0, 32 * 16 * 4),
        }),
        "a PNG": encodePng({
          width: 20,
          height: 10,
          colorType: 2,
          bitDepth: 8,
          samples: syntheticPicture(20, 10).data,
        }),
      };
      for (const [name, bytes] of Object.entries(others)) {
        const source = await openImage(bytes);
        assert.ok(!(source instanceof JpegSource), name);
        assert.deepEqual(readAll(source), await decodeImage(bytes), name);
      }
    },
  );

  await t.step(
    "the same limits and argument errors as decodeImage",
    async () => {
      await assert.rejects(
        openImage(large, { maxPixels: 2400 * 1800 - 1 }),
        ImageTooLargeError,
      );
      await assert.rejects(openImage(large, { maxPixels: 0 }), RangeError);
      await assert.rejects(
        openImage([1, 2] as unknown as Uint8Array),
        TypeError,
      );
    },
  );

  await t.step(
    "damage fails while opening, with decodeImage's codes",
    async () => {
      const cut = large.slice(0, large.length >> 1);
      const zeroed = large.slice();
      zeroed.fill(0, large.length >> 1, (large.length >> 1) + 2000);
      for (
        const [bytes, code] of [[cut, "truncated_image"], [
          zeroed,
          "corrupt_image",
        ]] as const
      ) {
        await assert.rejects(
          openImage(bytes),
          (e: unknown) => e instanceof ImageDecodeError && e.code === code,
        );
        await assert.rejects(
          decodeImage(bytes),
          (e: unknown) => e instanceof ImageDecodeError && e.code === code,
        );
      }
    },
  );
});

Deno.test("imageSource: crop and resize of the pixels", () => {
  const image = syntheticPicture(40, 30);
  const source = imageSource(image);
  assert.deepEqual([source.width, source.height], [40, 30]);
  const box = { x: 3.4, y: 5, width: 20, height: 11.6 };
  assert.deepEqual(
    source.read(box, 7, 5),
    resizeImage(cropImage(image, box), 7, 5),
  );
  assert.deepEqual(
    source.read({ x: 0, y: 0, width: 40, height: 30 }, 40, 30),
    image,
  );
  assert.throws(() => source.read(box, 7, 5, 0), RangeError);
  assert.throws(
    () => imageSource({ width: 2, height: 2, data: new Uint8Array(3) }),
    RangeError,
  );
});
