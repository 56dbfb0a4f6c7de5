import assert from "node:assert/strict";
import { decodeImage, openImage } from "./decode.ts";
import { ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import {
  DECODE_BYTES_PER_PIXEL,
  DECODE_MEMORY_BUDGET,
  type DecodeKind,
  DEFAULT_MAX_PIXELS,
  defaultMaxPixels,
} from "./limits.ts";
import {
  encodeFlatJpeg,
  syntheticPicture,
  withJpegSize,
} from "@facever/testing";
import { testPhoto, toImageData, withIspe } from "./testdata/assertions.ts";

Deno.test("defaultMaxPixels: the budget over each decoder's bytes per pixel, capped", () => {
  const mi = 2 ** 20;
  assert.equal(defaultMaxPixels("jpeg"), DEFAULT_MAX_PIXELS);
  assert.equal(defaultMaxPixels("heic"), 24 * mi);
  assert.equal(defaultMaxPixels("avif"), 12 * mi);
  assert.equal(defaultMaxPixels("jpeg-cmyk"), 6 * mi);
  assert.ok(defaultMaxPixels("jpeg-progressive") > 20 * mi);
  for (const kind of Object.keys(DECODE_BYTES_PER_PIXEL) as DecodeKind[]) {
    const limit = defaultMaxPixels(kind);
    assert.ok(limit * DECODE_BYTES_PER_PIXEL[kind] <= DECODE_MEMORY_BUDGET);
    // Every phone's 12-megapixel photo, whatever it is saved as.
    assert.ok(limit >= 4032 * 3024 || kind === "jpeg-cmyk", kind);
  }
});

/**
 * Whether a header claiming `width` × `height` is refused for its size
 * (rather than, with its data far too short, as damaged), by both entry
 * points.
 */
async function tooLarge(bytes: Uint8Array): Promise<boolean> {
  const outcomes = await Promise.all(
    [decodeImage(bytes), openImage(bytes)].map((p) =>
      p.then(() => "ok", (error: unknown) => {
        if (error instanceof ImageTooLargeError) return "too_large";
        assert.ok(error instanceof ImageDecodeError, String(error));
        return error.code;
      })
    ),
  );
  assert.equal(outcomes[0], outcomes[1]);
  return outcomes[0] === "too_large";
}

Deno.test("the default limit follows the file's decoder", async (t) => {
  const photo = await testPhoto();
  const { default: encode } = await import("@jsquash/jpeg/encode.js");
  const [baseline, progressive] = await Promise.all(
    [false, true].map(async (progressive) =>
      new Uint8Array(
        await encode(toImageData(photo), {
          quality: 90,
          baseline: !progressive,
          progressive,
        }),
      )
    ),
  );

  await t.step(
    "a 24-megapixel phone JPEG is allowed, and more is not",
    async () => {
      assert.equal(await tooLarge(withJpegSize(baseline, 6000, 4000)), false);
      assert.equal(await tooLarge(withJpegSize(baseline, 6144, 4097)), true);
    },
  );

  await t.step("progressive JPEG takes more memory: 20 Mi pixels", async () => {
    assert.equal(await tooLarge(withJpegSize(progressive, 5000, 4000)), false);
    assert.equal(await tooLarge(withJpegSize(progressive, 6000, 4000)), true);
  });

  await t.step("CMYK JPEG (jpeg-js): 6 Mi pixels", async () => {
    const cmyk = encodeFlatJpeg({
      width: 16,
      height: 16,
      components: 4,
      samples: syntheticPicture(32, 32).data.subarray(0, 16 * 16 * 4),
    });
    assert.equal(await tooLarge(withJpegSize(cmyk, 3000, 2000)), false);
    assert.equal(await tooLarge(withJpegSize(cmyk, 3000, 2200)), true);
  });

  await t.step("HEIC 24 Mi pixels, AVIF 12 Mi", async () => {
    const heic = await Deno.readFile(
      new URL("testdata/synthetic.heic", import.meta.url),
    );
    const { default: encodeAvif } = await import("@jsquash/avif/encode.js");
    const avif = new Uint8Array(
      await encodeAvif(toImageData(syntheticPicture(64, 48)), { speed: 10 }),
    );
    assert.equal(await tooLarge(withIspe(heic, 6000, 4000)), false);
    assert.equal(await tooLarge(withIspe(avif, 4000, 3000)), false);
    assert.equal(await tooLarge(withIspe(avif, 6000, 4000)), true);
  });

  await t.step("maxPixels given overrides it either way", async () => {
    await assert.rejects(
      decodeImage(withJpegSize(baseline, 6000, 4000), { maxPixels: 1e6 }),
      ImageTooLargeError,
    );
    await assert.rejects(
      decodeImage(withJpegSize(progressive, 6000, 4000), { maxPixels: 3e7 }),
      (error: unknown) =>
        error instanceof ImageDecodeError && error.code === "truncated_image",
    );
  });
});
