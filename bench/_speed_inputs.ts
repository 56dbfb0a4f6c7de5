/**
 * The inputs of `speed_bench.ts`, built from LFW photos in memory (and,
 * for HEIC, with the `heif-enc` of Debian's libheif-examples, under
 * `.cache/`): a 1920×1080 frame tiled from photos, encoded in every
 * format we decode; a kiosk camera frame; a 12-megapixel phone photo with
 * one face.
 *
 * @module
 */
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodePng from "@jsquash/png/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import encodeAvif from "@jsquash/avif/encode.js";
import { resizeImage, type RgbImage } from "@facever/core";
import { encodeBmp, encodeTiff, faceCanvas } from "@facever/testing";

/**
 * Sizes of the frame, of the LFW photos it is tiled from, and of the phone
 * photo.
 *
 * @example
 * ```ts
 * import { FRAME_WIDTH, PHOTO_WIDTH, TILE } from "./_speed_inputs.ts";
 * console.log(FRAME_WIDTH, TILE, PHOTO_WIDTH); // 1920 250 4000
 * ```
 */
export const FRAME_WIDTH = 1920, FRAME_HEIGHT = 1080, TILE = 250;
/** The phone photo's size: 12 megapixels, 4:3. */
export const PHOTO_WIDTH = 4000, PHOTO_HEIGHT = 3000;

/**
 * RGB to the RGBA `ImageData` the encoders take.
 *
 * @example
 * ```ts
 * import { toImageData } from "./_speed_inputs.ts";
 * const rgba = toImageData({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]) });
 * console.log(rgba.data); // Uint8ClampedArray(4) [ 1, 2, 3, 255 ]
 * ```
 */
export function toImageData(image: RgbImage): ImageData {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, o = 0; i < image.data.length; i += 3, o += 4) {
    rgba[o] = image.data[i];
    rgba[o + 1] = image.data[i + 1];
    rgba[o + 2] = image.data[i + 2];
    rgba[o + 3] = 255;
  }
  return {
    width: image.width,
    height: image.height,
    data: rgba,
    colorSpace: "srgb",
  } as ImageData;
}

/**
 * The frame: LFW photos tiled left to right, top to bottom, cut at the
 * edges.
 *
 * @example
 * ```ts
 * import { TILE, tiledFrame } from "./_speed_inputs.ts";
 * const grey = { width: TILE, height: TILE, data: new Uint8Array(TILE * TILE * 3).fill(128) };
 * console.log(tiledFrame([grey]).width); // 1920
 * ```
 */
export function tiledFrame(tiles: readonly RgbImage[]): RgbImage {
  const data = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT * 3);
  let k = 0;
  for (let top = 0; top < FRAME_HEIGHT; top += TILE) {
    for (let left = 0; left < FRAME_WIDTH; left += TILE, k++) {
      const tile = tiles[k % tiles.length].data;
      const width = Math.min(TILE, FRAME_WIDTH - left);
      for (let y = 0; y < TILE && top + y < FRAME_HEIGHT; y++) {
        data.set(
          tile.subarray(y * TILE * 3, (y * TILE + width) * 3),
          ((top + y) * FRAME_WIDTH + left) * 3,
        );
      }
    }
  }
  return { width: FRAME_WIDTH, height: FRAME_HEIGHT, data };
}

/**
 * A camera frame at a kiosk: the tiled frame (bystanders with faces about
 * 100 px wide) with one person close to the camera, an LFW photo enlarged
 * to 600×600 (a face about 230 px wide) in the middle. Raw RGB, as a
 * camera hands it over.
 *
 * @example
 * ```ts
 * import { kioskFrame, TILE, tiledFrame } from "./_speed_inputs.ts";
 * const grey = { width: TILE, height: TILE, data: new Uint8Array(TILE * TILE * 3).fill(128) };
 * console.log(kioskFrame(tiledFrame([grey]), grey).height); // 1080
 * ```
 */
export function kioskFrame(background: RgbImage, visitor: RgbImage): RgbImage {
  const data = background.data.slice();
  const size = 600;
  const near = resizeImage(visitor, size, size);
  const left = (FRAME_WIDTH - size) / 2, top = (FRAME_HEIGHT - size) / 2;
  for (let y = 0; y < size; y++) {
    data.set(
      near.data.subarray(y * size * 3, (y + 1) * size * 3),
      ((top + y) * FRAME_WIDTH + left) * 3,
    );
  }
  return { width: FRAME_WIDTH, height: FRAME_HEIGHT, data };
}

/**
 * Baseline JPEG, quality 90, 4:2:0: what a phone or a camera writes.
 * MozJPEG's `auto_subsample` (on by default) would keep full chroma (4:4:4)
 * at this quality.
 *
 * @example
 * ```ts
 * import { baselineJpeg } from "./_speed_inputs.ts";
 * const jpeg = await baselineJpeg({ width: 16, height: 16, data: new Uint8Array(768) });
 * console.log(jpeg[0] === 0xff && jpeg[1] === 0xd8); // true
 * ```
 */
export async function baselineJpeg(image: RgbImage): Promise<Uint8Array> {
  return new Uint8Array(
    await encodeJpeg(toImageData(image), {
      quality: 90,
      baseline: true,
      progressive: false,
      auto_subsample: false,
      chroma_subsample: 2,
    }),
  );
}

/**
 * A 12-megapixel phone photo (4000×3000 JPEG, quality 90, 4:2:0) of one
 * person: `face` enlarged to 1200×1200 (a face about 480 px wide) off the
 * centre, on a background made of the corners of `backgrounds` with a
 * camera's grain, so that the file is about as large as a phone's (3 MB).
 *
 * @example
 * ```ts
 * import { phonePhoto, TILE } from "./_speed_inputs.ts";
 * const grey = { width: TILE, height: TILE, data: new Uint8Array(TILE * TILE * 3).fill(128) };
 * const jpeg = await phonePhoto(grey, [grey]);
 * console.log(jpeg.length > 1_000_000); // true
 * ```
 */
export async function phonePhoto(
  face: RgbImage,
  backgrounds: readonly RgbImage[],
): Promise<Uint8Array> {
  return await baselineJpeg(faceCanvas({
    width: PHOTO_WIDTH,
    height: PHOTO_HEIGHT,
    backgrounds,
    faces: [{ photo: face, x: 1303, y: 807, size: 1200 }],
    grain: 10,
    seed: 12,
  }));
}

/** The image reduced to a 6×7×6 colour cube: a GIF's 252 colours. */
function gif(image: RgbImage): Promise<Uint8Array> {
  return import("omggif").then((omggif) => {
    const { GifWriter } = omggif as unknown as {
      GifWriter: new (
        buffer: Uint8Array,
        width: number,
        height: number,
        options: { palette: number[] },
      ) => {
        addFrame(
          x: number,
          y: number,
          w: number,
          h: number,
          indices: Uint8Array,
        ): void;
        end(): number;
      };
    };
    const palette: number[] = [];
    for (let r = 0; r < 6; r++) {
      for (let g = 0; g < 7; g++) {
        for (let b = 0; b < 6; b++) {
          palette.push((r * 51 << 16) | (Math.round(g * 42.5) << 8) | b * 51);
        }
      }
    }
    while (palette.length < 256) palette.push(0);
    const indices = new Uint8Array(image.width * image.height);
    for (let i = 0; i < indices.length; i++) {
      const [r, g, b] = image.data.subarray(i * 3, i * 3 + 3);
      indices[i] = Math.round(r / 51) * 42 + Math.round(g / 42.5) * 6 +
        Math.round(b / 51);
    }
    const buffer = new Uint8Array(image.width * image.height * 2 + 4096);
    const writer = new GifWriter(buffer, image.width, image.height, {
      palette,
    });
    writer.addFrame(0, 0, image.width, image.height, indices);
    return buffer.slice(0, writer.end());
  });
}

/**
 * HEIC through `heif-enc` (quality 80), made once per picture under
 * `cache`; `undefined` when the tool is not installed.
 */
async function heic(
  image: RgbImage,
  cache: URL,
): Promise<Uint8Array | undefined> {
  const png = new Uint8Array(await encodePng(toImageData(image)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", png));
  const key = Array.from(
    digest.subarray(0, 8),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const file = new URL(`frame-${key}.heic`, cache);
  try {
    return await Deno.readFile(file);
  } catch {
    // Not made yet.
  }
  await Deno.mkdir(cache, { recursive: true });
  const input = new URL(`frame-${key}.png`, cache);
  await Deno.writeFile(input, png);
  try {
    const { success } = await new Deno.Command("heif-enc", {
      args: ["-q", "80", "-o", file.pathname, input.pathname],
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? await Deno.readFile(file) : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  } finally {
    await Deno.remove(input);
  }
}

/**
 * The picture in the formats `decodeImage` reads besides baseline JPEG
 * and PNG (which the frame rows have already), for the decode rows; HEIC
 * is missing when `heif-enc` is.
 *
 * @example
 * ```ts
 * import { otherFormats } from "./_speed_inputs.ts";
 * const image = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3) };
 * const files = await otherFormats(image, new URL("file:///tmp/speed-inputs/"));
 * console.log(Object.keys(files).includes("webp")); // true
 * ```
 */
export async function otherFormats(
  image: RgbImage,
  cache: URL,
): Promise<Record<string, Uint8Array>> {
  const data = toImageData(image);
  const files: Record<string, Uint8Array> = {
    "jpeg-progressive": new Uint8Array(
      await encodeJpeg(data, {
        quality: 90,
        baseline: false,
        progressive: true,
        auto_subsample: false,
        chroma_subsample: 2,
      }),
    ),
    webp: new Uint8Array(await encodeWebp(data, { quality: 90 })),
    avif: new Uint8Array(await encodeAvif(data, { quality: 75, speed: 10 })),
    gif: await gif(image),
    bmp: encodeBmp({
      width: image.width,
      height: image.height,
      bitsPerPixel: 24,
      samples: image.data,
    }),
    tiff: encodeTiff({
      width: image.width,
      height: image.height,
      photometric: 2,
      bitsPerSample: 8,
      samplesPerPixel: 3,
      samples: image.data,
      compression: 5,
    }),
  };
  const heif = await heic(image, cache);
  if (heif) files.heic = heif;
  return files;
}
