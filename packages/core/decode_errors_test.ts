/**
 * Damaged, cut and unknown files give the decoders' typed errors, from
 * `readImageInfo` and from `decodeImage`, and the JPEG decoder stays sound
 * after many of them.
 */
import assert from "node:assert/strict";
import { decodeImage, readImageInfo } from "./decode.ts";
import { ImageDecodeError } from "./errors.ts";
import {
  concat,
  encodeFlatJpeg,
  encodePng,
  exifSegment,
  pngChunk,
} from "@facever/testing";
import {
  assertDecodeError,
  blocks,
  type DecodeCode,
  flatRgbJpeg,
  markerPos,
  setU32,
} from "./testdata/assertions.ts";

function assertInfoError(bytes: Uint8Array, code: DecodeCode, label: string) {
  assert.throws(
    () => readImageInfo(bytes),
    (error: unknown) =>
      error instanceof ImageDecodeError && error.code === code,
    label,
  );
}

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
