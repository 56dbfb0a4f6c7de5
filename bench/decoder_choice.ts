/**
 * Decoder speed on a 1920x1080 photo mosaic, built in memory from LFW
 * (falls back to a synthetic picture when the dataset is absent).
 *
 *   deno task bench:decoders
 *
 * imagescript loads a native addon under Deno, so its rows run only with
 * `--allow-ffi --allow-env` as well and are skipped otherwise.
 *
 * @module
 */
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodePng from "@jsquash/png/encode.js";
import jsquashJpeg from "@jsquash/jpeg/decode.js";
import jsquashPng from "@jsquash/png/decode.js";
import { decode as fastPng } from "fast-png";
import jpegJs from "jpeg-js";
import { decodeImage, resizeImage } from "@facever/core";

const WIDTH = 1920, HEIGHT = 1080;
const LFW = "/work/shared/datasets/lfw/images_deepfunneled";

async function mosaic(): Promise<Uint8ClampedArray> {
  const rgba = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
  let names: string[] = [];
  try {
    for await (const entry of Deno.readDir(LFW)) names.push(entry.name);
    names = names.sort().filter((_, i) => i % 97 === 0);
  } catch {
    console.log(`LFW not found at ${LFW}: using a synthetic picture`);
  }
  let k = 0;
  for (let ty = 0; ty < HEIGHT; ty += 250) {
    for (let tx = 0; tx < WIDTH; tx += 250) {
      let tile: Uint8Array | undefined;
      while (names.length && !tile) {
        const name = names[k++ % names.length];
        try {
          const bytes = await Deno.readFile(`${LFW}/${name}/${name}_0001.jpg`);
          tile = resizeImage(await decodeImage(bytes), 250, 250).data;
        } catch { /* person without a _0001 image */ }
      }
      for (let y = 0; y < 250 && ty + y < HEIGHT; y++) {
        for (let x = 0; x < 250 && tx + x < WIDTH; x++) {
          const o = ((ty + y) * WIDTH + tx + x) * 4;
          const s = (y * 250 + x) * 3;
          if (tile) rgba.set([tile[s], tile[s + 1], tile[s + 2], 255], o);
          else {
            const v = (x * 7 + y * 13 + ((x * y) % 31)) & 255;
            rgba.set([v, (v + tx) & 255, (v * 3 + ty) & 255, 255], o);
          }
        }
      }
    }
  }
  return rgba;
}

const pixels = {
  width: WIDTH,
  height: HEIGHT,
  data: await mosaic(),
  colorSpace: "srgb",
} as ImageData;
const baseline = new Uint8Array(
  await encodeJpeg(pixels, {
    quality: 90,
    baseline: true,
    progressive: false,
    chroma_subsample: 2,
  }),
);
const progressive = new Uint8Array(
  await encodeJpeg(pixels, { quality: 90, progressive: true }),
);
const png = new Uint8Array(await encodePng(pixels));
console.log(
  `1920x1080: baseline JPEG ${baseline.length} B, progressive JPEG ${progressive.length} B, PNG ${png.length} B`,
);

const ffi = (await Deno.permissions.query({ name: "ffi" })).state ===
    "granted" &&
  (await Deno.permissions.query({ name: "env" })).state === "granted";
const imagescript = ffi ? (await import("imagescript")).Image : undefined;

Deno.bench(
  "decodeImage (@jsquash/jpeg)",
  { group: "jpeg", baseline: true },
  async () => {
    await decodeImage(baseline);
  },
);
Deno.bench("@jsquash/jpeg alone", { group: "jpeg" }, async () => {
  await jsquashJpeg(baseline.slice().buffer);
});
Deno.bench("jpeg-js", { group: "jpeg" }, () => {
  jpegJs.decode(baseline, { useTArray: true, formatAsRGBA: false });
});
Deno.bench("imagescript", { group: "jpeg", ignore: !imagescript }, async () => {
  await imagescript!.decode(baseline);
});
Deno.bench("decodeImage, progressive", { group: "jpeg" }, async () => {
  await decodeImage(progressive);
});

Deno.bench(
  "decodeImage (fast-png)",
  { group: "png", baseline: true },
  async () => {
    await decodeImage(png);
  },
);
Deno.bench("fast-png alone", { group: "png" }, () => {
  fastPng(png);
});
Deno.bench("@jsquash/png alone", { group: "png" }, async () => {
  await jsquashPng(png.slice().buffer);
});
Deno.bench("imagescript", { group: "png", ignore: !imagescript }, async () => {
  await imagescript!.decode(png);
});
