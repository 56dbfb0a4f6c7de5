/**
 * WebP, AVIF and HEIC: a real picture decodes to the right size and close
 * to the right pixels (against the same picture as encoded), orientation
 * is applied, and cut or damaged files give typed errors. WebP and AVIF
 * files are made here with the @jsquash encoders; HEIC comes from two tiny
 * committed files (no npm package encodes HEVC).
 */
import assert from "node:assert/strict";
import { decodeImage, readImageInfo } from "./decode.ts";
import type { RgbImage } from "./types.ts";
import {
  animatedWebp,
  heifGrid,
  heifWithTransforms,
  syntheticPicture,
  tiffWithOrientation,
  webpWithExif,
} from "@facever/testing";
import {
  assertDecodeError,
  crop,
  meanDiff,
  mirrorLeftRight,
  rotateClockwise,
  testPhoto,
  toImageData,
} from "./testdata/assertions.ts";

const photo = await testPhoto();

async function webp(image: RgbImage, options: Record<string, unknown>) {
  const { default: encode } = await import("@jsquash/webp/encode.js");
  return new Uint8Array(await encode(toImageData(image), options));
}

async function avif(image: RgbImage) {
  const { default: encode } = await import("@jsquash/avif/encode.js");
  return new Uint8Array(
    await encode(toImageData(image), { quality: 75, speed: 10 }),
  );
}

Deno.test("WebP", async (t) => {
  const lossy = await webp(photo, { quality: 90 });
  const lossless = await webp(photo, { lossless: 1 });

  await t.step("lossy photo: right size, close pixels", async () => {
    assert.equal(readImageInfo(lossy).format, "webp");
    const image = await decodeImage(lossy);
    assert.ok(meanDiff(image, photo) < 3, `mean ${meanDiff(image, photo)}`);
  });

  await t.step("lossless photo: exact pixels", async () => {
    assert.equal(meanDiff(await decodeImage(lossless), photo), 0);
  });

  await t.step(
    "a WebP saved as .jpg decodes (the name is not read)",
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        await Deno.writeFile(`${dir}/photo.jpg`, lossy);
        const bytes = await Deno.readFile(`${dir}/photo.jpg`);
        assert.equal(readImageInfo(bytes).format, "webp");
        assert.equal((await decodeImage(bytes)).width, photo.width);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step("alpha is composited over white", async () => {
    const rgba = toImageData(photo);
    for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = 0;
    const { default: encode } = await import("@jsquash/webp/encode.js");
    const clear = new Uint8Array(await encode(rgba, { lossless: 1, exact: 1 }));
    const image = await decodeImage(clear);
    assert.ok(image.data.every((v) => v === 255));
  });

  await t.step("EXIF orientation 6 is applied", async () => {
    const rotated = webpWithExif(lossless, tiffWithOrientation(6, true));
    assert.equal(readImageInfo(rotated).orientation, 6);
    const image = await decodeImage(rotated);
    assert.equal(meanDiff(image, rotateClockwise(photo)), 0);
  });

  await t.step("animated: the first frame on a white canvas", async () => {
    const small = crop(photo, 0, 0, 100, 80);
    const frames = [
      { webp: await webp(small, { lossless: 1 }), x: 20, y: 40 },
      { webp: lossless, x: 0, y: 0 },
    ];
    const animated = animatedWebp(photo.width, photo.height, frames);
    const image = await decodeImage(animated);
    assert.equal(image.width, photo.width);
    assert.equal(meanDiff(crop(image, 20, 40, 100, 80), small), 0);
    assert.deepEqual(Array.from(image.data.subarray(0, 3)), [255, 255, 255]);
  });

  await t.step("cut or damaged files: typed errors", async () => {
    for (const cut of [5, 12, 20, 30, lossy.length >> 1, lossy.length - 1]) {
      await assertDecodeError(
        lossy.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    const badStart = lossy.slice();
    badStart[23] ^= 0xff; // the VP8 start code
    await assertDecodeError(badStart, "corrupt_image", "VP8 start code");
    const badSignature = lossless.slice();
    badSignature[20] = 0x2e; // the VP8L signature
    await assertDecodeError(badSignature, "corrupt_image", "VP8L signature");
  });
});

Deno.test("AVIF", async (t) => {
  const file = await avif(photo);

  await t.step("photo: right size, close pixels", async () => {
    assert.equal(readImageInfo(file).format, "avif");
    const image = await decodeImage(file);
    assert.ok(meanDiff(image, photo) < 4, `mean ${meanDiff(image, photo)}`);
  });

  await t.step("irot and imir are applied", async () => {
    const plain = await decodeImage(file);
    const turned = heifWithTransforms(file, { rotation: 3 }); // 270° CCW
    assert.equal(readImageInfo(turned).orientation, 6);
    assert.equal(
      meanDiff(await decodeImage(turned), rotateClockwise(plain)),
      0,
    );
    // imir axis 1 exchanges left and right; axis 0 top and bottom.
    const mirrored = heifWithTransforms(file, { mirror: 1 });
    assert.equal(readImageInfo(mirrored).orientation, 2);
    assert.equal(
      meanDiff(await decodeImage(mirrored), mirrorLeftRight(plain)),
      0,
    );
    const flipped = heifWithTransforms(file, { mirror: 0 });
    assert.equal(readImageInfo(flipped).orientation, 4);
  });

  await t.step("a grid of 2x2 tiles decodes whole", async () => {
    const { default: encode } = await import("@jsquash/avif/encode.js");
    // MIAF tiles are at least 64x64. Chroma at full resolution (4:4:4):
    // with 4:2:0 the grid's chroma is upsampled across the tile seams, so
    // edge pixels rightly differ from a lone tile's.
    const tile = new Uint8Array(
      await encode(toImageData(crop(photo, 0, 0, 64, 64)), {
        speed: 10,
        subsample: 3,
      }),
    );
    const grid = heifGrid(tile, 2, 2);
    assert.equal(readImageInfo(grid).width, 128);
    const image = await decodeImage(grid);
    const single = await decodeImage(tile);
    for (const [x, y] of [[0, 0], [64, 0], [0, 64], [64, 64]]) {
      assert.equal(meanDiff(crop(image, x, y, 64, 64), single), 0);
    }
  });

  await t.step("cut or damaged files: typed errors", async () => {
    for (const cut of [8, 10, 40, file.length >> 1, file.length - 1]) {
      await assertDecodeError(
        file.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    const ispe = file.findIndex((_, i) =>
      file[i] === 0x69 && file[i + 1] === 0x73 && file[i + 2] === 0x70 &&
      file[i + 3] === 0x65
    );
    const wrongSize = file.slice();
    wrongSize[ispe + 11] += 8; // width no longer that of the AV1 frame
    await assertDecodeError(wrongSize, "corrupt_image", "ispe mismatch");
  });
});

Deno.test("HEIC", async (t) => {
  // testdata/README.md says how these were made.
  const file = await Deno.readFile(
    new URL("testdata/synthetic.heic", import.meta.url),
  );
  const exif6 = await Deno.readFile(
    new URL("testdata/synthetic_exif6.heic", import.meta.url),
  );
  const picture = syntheticPicture(64, 48);

  await t.step("picture: right size, close pixels", async () => {
    assert.deepEqual(readImageInfo(file), {
      format: "heic",
      width: 64,
      height: 48,
      orientation: 1,
    });
    const image = await decodeImage(file);
    assert.ok(meanDiff(image, picture) < 6, `mean ${meanDiff(image, picture)}`);
  });

  await t.step("grids, as iPhones write them, decode whole", async () => {
    // heif-enc already stores this picture as a grid of one 64x64 tile
    // cropped to 64x48; here 2x2 of that tile make 128x128.
    const grid = heifGrid(file, 2, 2);
    assert.deepEqual(readImageInfo(grid), {
      format: "heic",
      width: 128,
      height: 128,
      orientation: 1,
    });
    const image = await decodeImage(grid);
    const plain = await decodeImage(file);
    assert.equal(meanDiff(crop(image, 64, 64, 64, 48), plain), 0);
  });

  await t.step("EXIF orientation applies when there is no irot", async () => {
    assert.equal(readImageInfo(exif6).orientation, 6);
    const image = await decodeImage(exif6);
    const plain = await decodeImage(file);
    assert.ok(meanDiff(image, rotateClockwise(plain)) < 3);
  });

  await t.step("irot and imir are applied (by libheif)", async () => {
    const plain = await decodeImage(file);
    const turned = heifWithTransforms(file, { rotation: 3 });
    assert.equal(readImageInfo(turned).orientation, 6);
    assert.equal(
      meanDiff(await decodeImage(turned), rotateClockwise(plain)),
      0,
    );
    // With irot present the EXIF orientation is ignored, not applied twice.
    const both = heifWithTransforms(exif6, { rotation: 3 });
    assert.equal(readImageInfo(both).orientation, 6);
    assert.ok(meanDiff(await decodeImage(both), rotateClockwise(plain)) < 3);
    const mirrored = heifWithTransforms(file, { mirror: 1 });
    assert.equal(
      meanDiff(await decodeImage(mirrored), mirrorLeftRight(plain)),
      0,
    );
    const flipped = heifWithTransforms(file, { mirror: 0 });
    const upsideDown = rotateClockwise(rotateClockwise(mirrorLeftRight(plain)));
    assert.equal(meanDiff(await decodeImage(flipped), upsideDown), 0);
  });

  await t.step("cut or damaged files: typed errors", async () => {
    for (const cut of [8, 10, 40, 300, file.length >> 1, file.length - 1]) {
      await assertDecodeError(
        file.slice(0, cut),
        "truncated_image",
        `cut ${cut}`,
      );
    }
    const noMeta = file.slice();
    const meta = new TextDecoder("latin1").decode(file).indexOf("meta");
    noMeta.set([0x78, 0x78, 0x78, 0x78], meta); // "meta" renamed
    await assertDecodeError(noMeta, "corrupt_image", "no meta box");
  });
});
