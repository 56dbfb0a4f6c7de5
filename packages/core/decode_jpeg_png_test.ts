/**
 * JPEG colour models and PNG colour types (bit depths, palettes, alpha over
 * white) decode to the right RGB.
 */
import assert from "node:assert/strict";
import { decodeImage } from "./decode.ts";
import {
  encodeFlatJpeg,
  encodePng,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
} from "@facever/testing";
import { markerPos } from "./testdata/assertions.ts";

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
