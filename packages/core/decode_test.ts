import assert from "node:assert/strict";
import { decodeImage, type ImageInfo, readImageInfo } from "./decode.ts";
import { DEFAULT_MAX_PIXELS } from "./limits.ts";
import { FaceError, ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import type { RgbImage } from "./types.ts";
import {
  concat,
  encodeFlatJpeg,
  encodePng,
  exifSegment,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  pngChunk,
  tiffWithOrientation,
} from "@facever/testing";

// ------------------------------------------------------------- helpers ---

type DecodeCode = "unsupported_format" | "truncated_image" | "corrupt_image";

async function assertDecodeError(
  bytes: Uint8Array,
  code: DecodeCode,
  label: string,
): Promise<ImageDecodeError> {
  try {
    await decodeImage(bytes);
  } catch (error) {
    assert.ok(
      error instanceof ImageDecodeError,
      `${label}: expected ImageDecodeError, got ${error}`,
    );
    assert.ok(error instanceof FaceError);
    assert.equal(error.code, code, `${label}: ${error.message}`);
    return error;
  }
  assert.fail(`${label}: decodeImage did not throw`);
}

function assertInfoError(bytes: Uint8Array, code: DecodeCode, label: string) {
  assert.throws(
    () => readImageInfo(bytes),
    (error: unknown) =>
      error instanceof ImageDecodeError && error.code === code,
    label,
  );
}

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

/** Upright test picture: 3x2 blocks of 8x8 flat, distinct colours. */
const COLOURS = [
  [200, 30, 30],
  [30, 200, 30],
  [30, 30, 200],
  [220, 220, 40],
  [40, 220, 220],
  [120, 120, 120],
];
function blocks(): RgbImage {
  const width = 24, height = 16;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(COLOURS[(y >> 3) * 3 + (x >> 3)], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function flatRgbJpeg(image: RgbImage, segments: Uint8Array[] = []) {
  return encodeFlatJpeg({
    width: image.width,
    height: image.height,
    components: 3,
    samples: image.data,
    segments,
  });
}

/** 4-byte big-endian write. */
function setU32(bytes: Uint8Array, pos: number, value: number) {
  bytes.set(
    [value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff],
    pos,
  );
}

/** Position of the first occurrence of marker 0xFF `code`. */
function markerPos(jpeg: Uint8Array, code: number): number {
  for (let i = 0; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === code) return i;
  }
  throw new Error(`marker ${code.toString(16)} not found`);
}

// --------------------------------------------------------------- tests ---

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

Deno.test("decode failures are typed errors", async (t) => {
  const jpeg = flatRgbJpeg(blocks(), [exifSegment(1)]);
  const png = encodePng({
    width: 16,
    height: 16,
    colorType: 2,
    bitDepth: 8,
    samples: new Uint8Array(16 * 16 * 3).fill(90),
  });

  await t.step("empty and random bytes: unsupported_format", async () => {
    await assertDecodeError(new Uint8Array(0), "unsupported_format", "empty");
    let seed = 7;
    const random = new Uint8Array(4096).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    random[0] = 0x42; // not 0xFF / 0x89
    random[1] = 0x00;
    await assertDecodeError(random, "unsupported_format", "random");
    assertInfoError(random, "unsupported_format", "random info");
  });

  await t.step("other formats' signatures: unsupported_format", async () => {
    const encoder = new TextEncoder();
    const signatures = {
      PDF: encoder.encode("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
      "JPEG XL": Uint8Array.from([0xff, 0x0a, 0xfa, 0x7f, 0x01, 0x90, 8, 6]),
      BigTIFF: encoder.encode("II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0"),
      ISOBMFF: encoder.encode("\0\0\0\x18ftypisom\0\0\x02\0isomiso2"),
    };
    for (const [name, bytes] of Object.entries(signatures)) {
      const error = await assertDecodeError(bytes, "unsupported_format", name);
      assert.match(
        error.message,
        new RegExp(name === "ISOBMFF" ? "ISOBMFF" : name),
      );
    }
  });

  await t.step(
    "tiny broken GIF, WebP and BMP files: typed errors",
    async () => {
      const encoder = new TextEncoder();
      await assertDecodeError(
        encoder.encode("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        "corrupt_image",
        "GIF without an image",
      );
      await assertDecodeError(
        encoder.encode("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"),
        "truncated_image",
        "WebP cut after its chunk header",
      );
      await assertDecodeError(
        encoder.encode("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00"),
        "truncated_image",
        "BMP cut in its header",
      );
    },
  );

  await t.step(
    "truncated JPEG, cut in the header and in the data",
    async () => {
      const sof = markerPos(jpeg, 0xc0);
      const sos = markerPos(jpeg, 0xda);
      const headerCuts = [1, 2, 3, 5, 12, sof + 3, sof + 9, sos - 3, sos + 5];
      for (const cut of headerCuts) {
        const bytes = jpeg.slice(0, cut);
        await assertDecodeError(bytes, "truncated_image", `JPEG cut at ${cut}`);
        assertInfoError(bytes, "truncated_image", `JPEG info cut at ${cut}`);
      }
      const dataCuts = [sos + 14, (sos + jpeg.length) >> 1, jpeg.length - 2];
      for (const cut of [...dataCuts, jpeg.length - 1]) {
        const bytes = jpeg.slice(0, cut);
        await assertDecodeError(bytes, "truncated_image", `JPEG cut at ${cut}`);
        // The header is complete, so the header alone still reads.
        assert.equal(readImageInfo(bytes).width, 24);
      }
    },
  );

  await t.step("truncated PNG, cut in the header and in the data", async () => {
    const idat = png.findIndex((_, i) =>
      png[i] === 0x49 && png[i + 1] === 0x44 && png[i + 2] === 0x41 &&
      png[i + 3] === 0x54
    ) - 4;
    for (const cut of [1, 4, 7, 8, 12, 20, 32, idat + 6]) {
      const bytes = png.slice(0, cut);
      await assertDecodeError(bytes, "truncated_image", `PNG cut at ${cut}`);
      assertInfoError(bytes, "truncated_image", `PNG info cut at ${cut}`);
    }
    for (const cut of [idat + 20, (idat + png.length) >> 1, png.length - 12]) {
      const bytes = png.slice(0, cut);
      await assertDecodeError(bytes, "truncated_image", `PNG cut at ${cut}`);
    }
    // Cut inside IEND (its CRC is missing).
    await assertDecodeError(
      png.slice(0, png.length - 1),
      "truncated_image",
      "PNG without IEND CRC",
    );
  });

  await t.step("corrupt JPEG", async () => {
    // Scan data replaced by bytes that are not valid Huffman codes.
    const scan = markerPos(jpeg, 0xda) + 2 + 12;
    const garbage = jpeg.slice();
    garbage.fill(0xf7, scan, garbage.length - 2);
    const error = await assertDecodeError(garbage, "corrupt_image", "garbage");
    assert.ok(error.message.length > 0);
    // Frame header whose length does not match its component count.
    const sof = markerPos(jpeg, 0xc0);
    const badSof = jpeg.slice();
    badSof[sof + 9] = 2;
    await assertDecodeError(badSof, "corrupt_image", "bad SOF");
    // A scan before any frame header.
    const noSof = concat([
      jpeg.subarray(0, sof),
      jpeg.subarray(markerPos(jpeg, 0xc4)),
    ]);
    await assertDecodeError(noSof, "corrupt_image", "no SOF");
    // EOI before any image data.
    await assertDecodeError(
      Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]),
      "corrupt_image",
      "empty JPEG",
    );
    // Huffman table definition with impossible code counts.
    const dht = markerPos(jpeg, 0xc4);
    const badDht = jpeg.slice();
    badDht[dht + 5] = 200;
    await assertDecodeError(badDht, "corrupt_image", "bad DHT");
  });

  await t.step("corrupt PNG", async () => {
    const crc = png.slice();
    crc[40] ^= 0x01; // inside IDAT: CRC mismatch
    await assertDecodeError(crc, "corrupt_image", "IDAT CRC");
    const ihdrCrc = png.slice();
    ihdrCrc[29] ^= 0x01;
    await assertDecodeError(ihdrCrc, "corrupt_image", "IHDR CRC");
    // Valid chunks around a zlib stream that is not deflate data.
    const bad = concat([
      png.subarray(0, 33),
      pngChunk("IDAT", [0x78, 0x01, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      pngChunk("IEND", []),
    ]);
    const error = await assertDecodeError(bad, "corrupt_image", "bad zlib");
    assert.ok(error.cause !== undefined, "decoder exception kept as cause");
    // Palette image without a palette.
    const noPlte = encodePng({
      width: 2,
      height: 2,
      colorType: 3,
      bitDepth: 8,
      samples: [0, 0, 0, 0],
    });
    await assertDecodeError(noPlte, "corrupt_image", "no PLTE");
    // Bit depth not allowed for the colour type.
    const badDepth = png.slice();
    badDepth[24] = 4;
    setU32(badDepth, 29, 0);
    const fixed = concat([
      badDepth.subarray(0, 8),
      pngChunk("IHDR", badDepth.subarray(16, 29)),
      badDepth.subarray(33),
    ]);
    await assertDecodeError(fixed, "corrupt_image", "RGB at 4 bits");
  });

  await t.step("zero width or height: corrupt_image", async () => {
    for (const [w, h] of [[0, 8], [8, 0]]) {
      const jpegZero = jpeg.slice();
      const sof = markerPos(jpeg, 0xc0);
      jpegZero.set([h >> 8, h & 0xff, w >> 8, w & 0xff], sof + 5);
      await assertDecodeError(jpegZero, "corrupt_image", `JPEG ${w}x${h}`);
      assertInfoError(jpegZero, "corrupt_image", `JPEG info ${w}x${h}`);
      const ihdr = png.slice(16, 29);
      setU32(ihdr, 0, w);
      setU32(ihdr, 4, h);
      const pngZero = concat([
        png.subarray(0, 8),
        pngChunk("IHDR", ihdr),
        png.subarray(33),
      ]);
      await assertDecodeError(pngZero, "corrupt_image", `PNG ${w}x${h}`);
      assertInfoError(pngZero, "corrupt_image", `PNG info ${w}x${h}`);
    }
  });

  await t.step(
    "JPEG variants the decoder lacks: unsupported_format",
    async () => {
      const sof = markerPos(jpeg, 0xc0);
      const arithmetic = jpeg.slice();
      arithmetic[sof + 1] = 0xc9;
      await assertDecodeError(arithmetic, "unsupported_format", "arithmetic");
      const lossless = jpeg.slice();
      lossless[sof + 1] = 0xc3;
      await assertDecodeError(lossless, "unsupported_format", "lossless");
      const twelveBit = jpeg.slice();
      twelveBit[sof + 4] = 12;
      await assertDecodeError(twelveBit, "unsupported_format", "12-bit");
    },
  );

  await t.step("not a Uint8Array: TypeError", async () => {
    await assert.rejects(
      decodeImage([1, 2, 3] as unknown as Uint8Array),
      TypeError,
    );
    assert.throws(
      () => readImageInfo("abc" as unknown as Uint8Array),
      TypeError,
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

Deno.test("JPEG colour models decode to RGB", async (t) => {
  await t.step("grayscale", async () => {
    const width = 16, height = 8;
    const gray = new Uint8Array(width * height).map((_, i) =>
      (i % width) < 8 ? 37 : 201
    );
    const jpeg = encodeFlatJpeg({
      width,
      height,
      components: 1,
      samples: gray,
    });
    const image = await decodeImage(jpeg);
    assert.equal(image.width, 16);
    for (let i = 0; i < width * height; i++) {
      const expected = gray[i];
      assert.deepEqual(
        Array.from(image.data.subarray(i * 3, i * 3 + 3)),
        [expected, expected, expected],
      );
    }
  });

  await t.step("CMYK (Adobe, inverted)", async () => {
    const width = 16, height = 8;
    const inks = [[10, 100, 200, 50], [255, 0, 128, 0]];
    const samples = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        samples.set(inks[x < 8 ? 0 : 1], (y * width + x) * 4);
      }
    }
    const jpeg = encodeFlatJpeg({ width, height, components: 4, samples });
    const image = await decodeImage(jpeg);
    const rgb = (ink: number[]) =>
      ink.slice(0, 3).map((c) => (255 - c) * (255 - ink[3]) / 255);
    for (const [x, ink] of [[0, inks[0]], [12, inks[1]]] as const) {
      const got = Array.from(image.data.subarray(x * 3, x * 3 + 3));
      rgb(ink).forEach((v, c) =>
        assert.ok(Math.abs(got[c] - v) <= 1.5, `${got} vs ${rgb(ink)}`)
      );
    }
  });

  await t.step("progressive (MozJPEG encoder) and baseline agree", async () => {
    const { default: encode } = await import("@jsquash/jpeg/encode.js");
    const width = 64, height = 48;
    const rgba = new Uint8ClampedArray(width * height * 4);
    const original = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const px = [x * 4, y * 5, 128 + ((x + y) & 63)];
        rgba.set([...px, 255], (y * width + x) * 4);
        original.set(px, (y * width + x) * 3);
      }
    }
    const imageData = { width, height, data: rgba, colorSpace: "srgb" };
    for (const progressive of [true, false]) {
      const jpeg = new Uint8Array(
        await encode(imageData as ImageData, {
          quality: 95,
          progressive,
          baseline: !progressive,
          chroma_subsample: 1,
        }),
      );
      // Progressive JPEGs use SOF2; baseline SOF0.
      markerPos(jpeg, progressive ? 0xc2 : 0xc0);
      const image = await decodeImage(jpeg);
      let sum = 0;
      for (let i = 0; i < original.length; i++) {
        sum += Math.abs(image.data[i] - original[i]);
      }
      assert.ok(
        sum / original.length < 2,
        `mean error ${sum / original.length}`,
      );
    }
  });

  await t.step("a real LFW photo (when the dataset is present)", async () => {
    const root = lfwRoot();
    if (!root) {
      console.log(`skipped: ${LFW_MISSING}`);
      return;
    }
    const bytes = await Deno.readFile(
      lfwImagePath(root, "Aaron_Eckhart", 1),
    );
    const image = await decodeImage(bytes);
    assert.equal(image.width, 250);
    assert.equal(image.height, 250);
    let mean = 0;
    for (const v of image.data) mean += v;
    mean /= image.data.length;
    assert.ok(mean > 20 && mean < 235, `mean ${mean}`);
  });
});

Deno.test("PNG colour types decode to RGB (alpha over white)", async (t) => {
  const over = (c: number, a: number) =>
    Math.round((c * a + 255 * (255 - a)) / 255);
  const cases: {
    name: string;
    png: Uint8Array;
    expected: number[][];
  }[] = [
    {
      name: "gray 8",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 0,
        bitDepth: 8,
        samples: [0, 77, 255],
      }),
      expected: [[0, 0, 0], [77, 77, 77], [255, 255, 255]],
    },
    {
      name: "gray 8 with tRNS colour key",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 0,
        bitDepth: 8,
        samples: [0, 77, 200],
        transparency: [0, 77],
      }),
      expected: [[0, 0, 0], [255, 255, 255], [200, 200, 200]],
    },
    {
      name: "RGB with tRNS colour key",
      png: encodePng({
        // 3 pixels: fast-png 8.0.0 rejects an RGB tRNS key (3 values) on
        // images of fewer than 3 pixels.
        width: 3,
        height: 1,
        colorType: 2,
        bitDepth: 8,
        samples: [1, 2, 3, 1, 2, 4, 1, 2, 3],
        transparency: [0, 1, 0, 2, 0, 3],
      }),
      expected: [[255, 255, 255], [1, 2, 4], [255, 255, 255]],
    },
    {
      name: "gray 1-bit",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 0,
        bitDepth: 1,
        samples: [1, 0, 1],
      }),
      expected: [[255, 255, 255], [0, 0, 0], [255, 255, 255]],
    },
    {
      name: "gray 4-bit",
      png: encodePng({
        width: 2,
        height: 1,
        colorType: 0,
        bitDepth: 4,
        samples: [5, 15],
      }),
      expected: [[85, 85, 85], [255, 255, 255]],
    },
    {
      name: "gray 16-bit (rounded)",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 0,
        bitDepth: 16,
        samples: [0x00ff, 0x80ff, 0xffff],
      }),
      expected: [[1, 1, 1], [128, 128, 128], [255, 255, 255]],
    },
    {
      name: "gray + alpha",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 4,
        bitDepth: 8,
        samples: [100, 255, 100, 0, 100, 128],
      }),
      expected: [[100, 100, 100], [255, 255, 255], [
        over(100, 128),
        over(100, 128),
        over(100, 128),
      ]],
    },
    {
      name: "palette with tRNS",
      png: encodePng({
        width: 4,
        height: 1,
        colorType: 3,
        bitDepth: 8,
        samples: [0, 1, 2, 1],
        palette: [[255, 0, 0], [0, 0, 255], [10, 20, 30]],
        transparency: [255, 64], // entry 2 has no alpha: opaque
      }),
      expected: [
        [255, 0, 0],
        [over(0, 64), over(0, 64), over(255, 64)],
        [10, 20, 30],
        [over(0, 64), over(0, 64), over(255, 64)],
      ],
    },
    {
      name: "palette 2-bit",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 3,
        bitDepth: 2,
        samples: [2, 0, 1],
        palette: [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
      }),
      expected: [[7, 8, 9], [1, 2, 3], [4, 5, 6]],
    },
    {
      name: "RGB",
      png: encodePng({
        width: 2,
        height: 1,
        colorType: 2,
        bitDepth: 8,
        samples: [1, 2, 3, 250, 251, 252],
      }),
      expected: [[1, 2, 3], [250, 251, 252]],
    },
    {
      name: "RGBA",
      png: encodePng({
        width: 3,
        height: 1,
        colorType: 6,
        bitDepth: 8,
        samples: [10, 20, 30, 255, 10, 20, 30, 0, 200, 100, 0, 51],
      }),
      expected: [[10, 20, 30], [255, 255, 255], [
        over(200, 51),
        over(100, 51),
        over(0, 51),
      ]],
    },
    {
      name: "RGBA 16-bit",
      png: encodePng({
        width: 2,
        height: 1,
        colorType: 6,
        bitDepth: 16,
        samples: [0xffff, 0x8000, 0, 0xffff, 0, 0, 0, 0x8000],
      }),
      expected: [[255, 128, 0], [
        Math.round((65535 - 0x8000) / 257),
        Math.round((65535 - 0x8000) / 257),
        Math.round((65535 - 0x8000) / 257),
      ]],
    },
  ];
  for (const { name, png, expected } of cases) {
    await t.step(name, async () => {
      const image = await decodeImage(png);
      assert.equal(image.width, expected.length);
      assert.equal(image.height, 1);
      assert.deepEqual(
        Array.from(image.data),
        expected.flat(),
        `${name}: ${Array.from(image.data)}`,
      );
    });
  }
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

Deno.test("the JPEG decoder survives hundreds of aborted decodes", async () => {
  // libjpeg aborts with exit(), which leaves the wasm stack unwound; without
  // a fresh instance the module corrupted itself after ~70 such failures.
  const width = 256, height = 256;
  const samples = new Uint8Array(width * height * 3).fill(100);
  const good = encodeFlatJpeg({ width, height, components: 3, samples });
  const bogusTable = good.slice();
  bogusTable[markerPos(good, 0xc4) + 5] = 200;
  const garbage = good.slice();
  garbage.fill(0xf7, markerPos(good, 0xda) + 14, garbage.length - 2);
  for (let i = 0; i < 200; i++) {
    await assertDecodeError(bogusTable, "corrupt_image", "bogus DHT");
    await assertDecodeError(garbage, "corrupt_image", "garbage scan");
  }
  const image = await decodeImage(good);
  assert.ok(image.data.every((v) => v === 100));
});
