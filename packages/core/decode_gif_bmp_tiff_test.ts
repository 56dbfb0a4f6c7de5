/**
 * GIF, BMP and TIFF: a real picture decodes to the right size and to the
 * right pixels (these formats are lossless), transparency is white, TIFF
 * orientation is applied, and cut or damaged files give typed errors.
 * Files are made here with omggif's writer and the writers of
 * @facever/testing.
 */
import assert from "node:assert/strict";
import { decodeImage, readImageInfo } from "./decode.ts";
import type { RgbImage } from "./types.ts";
import { encodeBmp, encodeTiff, syntheticPicture } from "@facever/testing";
import {
  assertDecodeError,
  meanDiff,
  rotateClockwise,
  testPhoto,
} from "./testdata/assertions.ts";

const photo = await testPhoto();

/** The photo reduced to a 6x7x6 colour cube, and its palette indices. */
function quantised(image: RgbImage) {
  const palette: number[] = [];
  for (let r = 0; r < 6; r++) {
    for (let g = 0; g < 7; g++) {
      for (let b = 0; b < 6; b++) {
        palette.push((r * 51 << 16) | (g * 42.5 << 8) | b * 51);
      }
    }
  }
  while (palette.length < 256) palette.push(0);
  const indices = new Uint8Array(image.width * image.height);
  const rgb = new Uint8Array(image.data.length);
  for (let i = 0; i < indices.length; i++) {
    const r = Math.round(image.data[i * 3] / 51);
    const g = Math.round(image.data[i * 3 + 1] / 42.5);
    const b = Math.round(image.data[i * 3 + 2] / 51);
    indices[i] = (r * 7 + g) * 6 + b;
    const c = palette[indices[i]];
    rgb.set([c >> 16, (c >> 8) & 255, c & 255], i * 3);
  }
  return { palette, indices, image: { ...image, data: rgb } };
}

Deno.test("GIF", async (t) => {
  const { GifWriter } = await import("omggif") as unknown as {
    GifWriter: new (
      buffer: Uint8Array,
      width: number,
      height: number,
      options: Record<string, unknown>,
    ) => {
      addFrame(
        x: number,
        y: number,
        w: number,
        h: number,
        indices: Uint8Array,
        options?: Record<string, unknown>,
      ): void;
      end(): number;
    };
  };
  const { palette, indices, image } = quantised(photo);
  const write = (
    frames: {
      x: number;
      y: number;
      w: number;
      h: number;
      pixels: Uint8Array;
      transparent?: number;
    }[],
  ) => {
    const buffer = new Uint8Array(photo.width * photo.height * 4 + 4096);
    const writer = new GifWriter(buffer, photo.width, photo.height, {
      palette,
    });
    for (const f of frames) {
      writer.addFrame(f.x, f.y, f.w, f.h, f.pixels, {
        transparent: f.transparent,
      });
    }
    return buffer.slice(0, writer.end());
  };
  const gif = write([
    { x: 0, y: 0, w: photo.width, h: photo.height, pixels: indices },
    {
      x: 0,
      y: 0,
      w: photo.width,
      h: photo.height,
      pixels: indices.map(() => 3),
    },
  ]);

  await t.step("photo (256 colours): the first frame, exactly", async () => {
    assert.equal(readImageInfo(gif).format, "gif");
    assert.equal(meanDiff(await decodeImage(gif), image), 0);
  });

  await t.step(
    "transparent pixels and the screen around a frame are white",
    async () => {
      const pixels = new Uint8Array(50 * 40).fill(5);
      pixels.fill(9, 0, 50); // first row transparent
      const small = write([{
        x: 10,
        y: 20,
        w: 50,
        h: 40,
        pixels,
        transparent: 9,
      }]);
      const decoded = await decodeImage(small);
      const at = (x: number, y: number) =>
        Array.from(
          decoded.data.subarray(
            (y * decoded.width + x) * 3,
            (y * decoded.width + x) * 3 + 3,
          ),
        );
      assert.deepEqual(at(0, 0), [255, 255, 255]);
      assert.deepEqual(at(15, 20), [255, 255, 255]);
      const c = palette[5];
      assert.deepEqual(at(15, 21), [c >> 16, (c >> 8) & 255, c & 255]);
    },
  );

  await t.step("cut or damaged files: typed errors", async () => {
    for (const cut of [4, 10, 13, 800, gif.length >> 2, gif.length - 1]) {
      await assertDecodeError(
        gif.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    // A frame taller than its LZW data: omggif's "stream shorter" warning.
    const single = write([{
      x: 0,
      y: 0,
      w: 250,
      h: 100,
      pixels: indices.subarray(0, 25000),
    }]);
    const taller = single.slice();
    const descriptor = taller.indexOf(0x2c, 13 + 768);
    taller[descriptor + 7] = 250; // height 100 -> 250
    await assertDecodeError(taller, "corrupt_image", "LZW data too short");
    const badCode = gif.slice();
    badCode[13 + 768 + 10] = 12; // LZW minimum code size
    await assertDecodeError(badCode, "corrupt_image", "LZW code size");
  });
});

Deno.test("BMP", async (t) => {
  const picture = syntheticPicture(37, 23); // odd width: padded rows

  await t.step("24-bit, bottom-up and top-down: exact", async () => {
    for (const topDown of [false, true]) {
      const bmp = encodeBmp({
        ...picture,
        bitsPerPixel: 24,
        samples: picture.data,
        topDown,
      });
      assert.equal(readImageInfo(bmp).format, "bmp");
      assert.equal(meanDiff(await decodeImage(bmp), picture), 0);
    }
  });

  await t.step("32-bit with alpha: composited over white", async () => {
    const rgba = [10, 20, 30, 255, 200, 100, 0, 0, 200, 100, 0, 51];
    const bmp = encodeBmp({
      width: 3,
      height: 1,
      bitsPerPixel: 32,
      samples: rgba,
    });
    const over = (c: number, a: number) =>
      Math.round((c * a + 255 * (255 - a)) / 255);
    assert.deepEqual(Array.from((await decodeImage(bmp)).data), [
      10,
      20,
      30,
      255,
      255,
      255,
      over(200, 51),
      over(100, 51),
      over(0, 51),
    ]);
  });

  await t.step("8-bit palette, plain and RLE8: exact", async () => {
    const palette = [[0, 0, 0], [250, 10, 10], [10, 250, 10], [10, 10, 250]];
    const samples = Array.from(
      { length: 40 * 9 },
      (_, i) => Math.floor(i / 7) % 4,
    );
    const expected = samples.flatMap((v) => palette[v]);
    for (const rle of [false, true]) {
      const bmp = encodeBmp({
        width: 40,
        height: 9,
        bitsPerPixel: 8,
        samples,
        palette,
        rle,
      });
      assert.deepEqual(
        Array.from((await decodeImage(bmp)).data),
        expected,
        `rle ${rle}`,
      );
    }
  });

  await t.step("cut or damaged files: typed errors", async () => {
    const bmp = encodeBmp({
      ...picture,
      bitsPerPixel: 24,
      samples: picture.data,
    });
    for (const cut of [1, 10, 30, 54, bmp.length >> 1, bmp.length - 1]) {
      await assertDecodeError(
        bmp.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    const palette = [[0, 0, 0], [9, 9, 9]];
    const indexed = encodeBmp({
      width: 4,
      height: 1,
      bitsPerPixel: 8,
      samples: [0, 1, 7, 0],
      palette,
    });
    await assertDecodeError(indexed, "corrupt_image", "index past the palette");
    const rle = encodeBmp({
      width: 4,
      height: 2,
      bitsPerPixel: 8,
      samples: [0, 1, 1, 0, 1, 1, 1, 1],
      palette,
      rle: true,
    });
    await assertDecodeError(
      rle.slice(0, rle.length - 2),
      "truncated_image",
      "RLE without its end",
    );
    const badBits = bmp.slice();
    badBits[28] = 7;
    await assertDecodeError(badBits, "corrupt_image", "7 bits per pixel");
  });
});

Deno.test("TIFF", async (t) => {
  const rgb = {
    width: photo.width,
    height: photo.height,
    photometric: 2 as const,
    samplesPerPixel: 3,
  };

  await t.step(
    "8-bit RGB, plain, LZW, Deflate, big-endian: exact",
    async () => {
      const variants = [
        {},
        { compression: 5 as const },
        { compression: 8 as const },
        { bigEndian: true },
      ];
      for (const variant of variants) {
        const tiff = encodeTiff({
          ...rgb,
          bitsPerSample: 8,
          samples: photo.data,
          ...variant,
        });
        assert.equal(readImageInfo(tiff).format, "tiff");
        assert.equal(
          meanDiff(await decodeImage(tiff), photo),
          0,
          JSON.stringify(variant),
        );
      }
    },
  );

  await t.step("16-bit RGB and gray, palette, alpha over white", async () => {
    const wide = encodeTiff({
      ...rgb,
      bitsPerSample: 16,
      samples: Array.from(photo.data, (v) => v * 257),
    });
    assert.equal(meanDiff(await decodeImage(wide), photo), 0);
    const gray = encodeTiff({
      width: 3,
      height: 1,
      photometric: 1,
      bitsPerSample: 16,
      samplesPerPixel: 1,
      samples: [0, 0x8080, 0xffff],
    });
    assert.deepEqual(Array.from((await decodeImage(gray)).data), [
      0,
      0,
      0,
      128,
      128,
      128,
      255,
      255,
      255,
    ]);
    const colorMap = [0xffff, 0, 0, 0, 0xffff, 0, 0, 0, 0xffff].flatMap((
      v,
      i,
    ) => i % 3 === 2 ? [v, ...new Array(253).fill(0)] : [v]);
    const palette = encodeTiff({
      width: 3,
      height: 1,
      photometric: 3,
      bitsPerSample: 8,
      samplesPerPixel: 1,
      samples: [0, 1, 2],
      colorMap,
    });
    assert.deepEqual(Array.from((await decodeImage(palette)).data), [
      255,
      0,
      0,
      0,
      255,
      0,
      0,
      0,
      255,
    ]);
    const alpha = encodeTiff({
      width: 2,
      height: 1,
      photometric: 2,
      bitsPerSample: 8,
      samplesPerPixel: 4,
      samples: [10, 20, 30, 255, 10, 20, 30, 0],
    });
    assert.deepEqual(Array.from((await decodeImage(alpha)).data), [
      10,
      20,
      30,
      255,
      255,
      255,
    ]);
  });

  await t.step("Orientation tag 6 is applied", async () => {
    const tiff = encodeTiff({
      ...rgb,
      bitsPerSample: 8,
      samples: photo.data,
      orientation: 6,
    });
    assert.equal(readImageInfo(tiff).orientation, 6);
    assert.equal(meanDiff(await decodeImage(tiff), rotateClockwise(photo)), 0);
  });

  await t.step("cut or damaged files: typed errors", async () => {
    const tiff = encodeTiff({ ...rgb, bitsPerSample: 8, samples: photo.data });
    for (const cut of [2, 6, 9, 60, tiff.length >> 1, tiff.length - 1]) {
      await assertDecodeError(
        tiff.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    const deflated = encodeTiff({
      ...rgb,
      bitsPerSample: 8,
      samples: photo.data,
      compression: 8,
    });
    const damaged = deflated.slice();
    damaged.fill(0xff, damaged.length - 3000, damaged.length - 2000);
    await assertDecodeError(damaged, "corrupt_image", "damaged Deflate data");
    const lzw = encodeTiff({
      ...rgb,
      bitsPerSample: 8,
      samples: photo.data,
      compression: 5,
    });
    for (const [from, fill] of [[0.5, 0x00], [0.3, 0xff]]) {
      const broken = lzw.slice();
      const at = Math.floor(lzw.length * from);
      broken.fill(fill, at, at + 64);
      await assertDecodeError(broken, "corrupt_image", `LZW run of ${fill}`);
    }
  });
});
