/**
 * Damaged images for the fuzz tests and the fuzz benchmark: one valid file
 * per format and variant made from any picture, with the encoders and
 * writers the decoder tests use, and seeded mutations of them (bits
 * flipped, bytes inserted, deleted, overwritten, duplicated, the file cut).
 * The same seed gives the same inputs everywhere, so a failure replays.
 *
 * @module
 */
import { concat } from "./images.ts";
import { encodeFlatJpeg, exifSegment } from "./images.ts";
import {
  animatedWebp,
  encodeBmp,
  encodeTiff,
  type Picture,
  syntheticPicture,
} from "./formats.ts";

/**
 * A seeded generator of 32-bit unsigned integers (xorshift32): small, the
 * same on every platform.
 *
 * @example
 * ```ts
 * import { seeded } from "@facever/testing";
 * const next = seeded(7);
 * console.log(next() === seeded(7)()); // true
 * ```
 */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/**
 * RGB pixels as the RGBA `ImageData` the `@jsquash` encoders take, alpha
 * opaque.
 *
 * @example
 * ```ts
 * import { syntheticPicture, toImageData } from "@facever/testing";
 * console.log(toImageData(syntheticPicture(2, 2)).data.length); // 16
 * ```
 */
export function toImageData(picture: Picture): ImageData {
  const { width, height, data } = picture;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = data[i * 3];
    rgba[i * 4 + 1] = data[i * 3 + 1];
    rgba[i * 4 + 2] = data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  // The encoders read only these three fields of an ImageData.
  return { width, height, data: rgba } as ImageData;
}

/**
 * A valid file that the fuzzers damage.
 *
 * @example
 * ```ts
 * import type { FuzzSample } from "@facever/testing";
 * const sample: FuzzSample = {
 *   name: "bmp",
 *   bytes: new Uint8Array([0x42, 0x4d]),
 * };
 * console.log(sample.name);
 * ```
 */
export interface FuzzSample {
  /** The format and variant, e.g. `"jpeg (CMYK)"`; unique in a set. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * The HEIC every sample set carries: no npm package encodes HEVC, so it is
 * a committed file, `testdata/synthetic_80x60.heic` (see
 * `testdata/README.md`).
 *
 * @example
 * ```ts
 * import { fuzzHeic } from "@facever/testing";
 * console.log((await fuzzHeic()).length > 0); // true
 * ```
 */
export async function fuzzHeic(): Promise<Uint8Array> {
  return await Deno.readFile(
    new URL("testdata/synthetic_80x60.heic", import.meta.url),
  );
}

/**
 * One valid file per format and variant, made from `picture` (a photo or
 * {@linkcode syntheticPicture}), named by format and variant: `jpeg`
 * (progressive, MozJPEG), `jpeg (restart markers)` (EXIF orientation 6),
 * `jpeg (CMYK)` (the RGB as inverted inks, Adobe), `png`, `webp` (lossy),
 * `webp (animated, lossless)` (two frames), `avif`, `heic` (`heic`, or else
 * {@linkcode fuzzHeic}, whatever the picture), `gif` (3-3-2 bit palette),
 * `bmp` (24 bits), `tiff (Deflate)` and `tiff (LZW)`.
 *
 * @example
 * ```ts
 * import { formatSamples } from "@facever/testing";
 * const samples = await formatSamples();
 * console.log(samples.map((sample) => sample.name).join(", "));
 * ```
 */
export async function formatSamples(
  picture: Picture = syntheticPicture(32, 32),
  heic?: Uint8Array,
): Promise<FuzzSample[]> {
  const { default: jpeg } = await import("@jsquash/jpeg/encode.js");
  const { default: webp } = await import("@jsquash/webp/encode.js");
  const { default: avif } = await import("@jsquash/avif/encode.js");
  const { encode: png } = await import("fast-png");
  const { width, height, data } = picture;
  const rgba = toImageData(picture);
  const pixels = width * height;
  const inks = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) inks[i * 4 + c] = 255 - data[i * 3 + c];
  }
  const tiff = (compression: 5 | 8) =>
    encodeTiff({
      width,
      height,
      photometric: 2,
      bitsPerSample: 8,
      samplesPerPixel: 3,
      samples: data,
      compression,
    });
  const samples: Record<string, Uint8Array> = {
    jpeg: new Uint8Array(
      await jpeg(rgba, { quality: 80, progressive: true, baseline: false }),
    ),
    "jpeg (restart markers)": encodeFlatJpeg({
      width,
      height,
      components: 3,
      samples: data,
      segments: [exifSegment(6)],
      restartInterval: 2,
    }),
    "jpeg (CMYK)": encodeFlatJpeg({
      width,
      height,
      components: 4,
      samples: inks,
    }),
    png: png({ width, height, data, channels: 3, depth: 8 }),
    webp: new Uint8Array(await webp(rgba, { quality: 80 })),
    "webp (animated, lossless)": animatedWebp(width, height, [
      { webp: new Uint8Array(await webp(rgba, { lossless: 1 })), x: 0, y: 0 },
      { webp: new Uint8Array(await webp(rgba, { quality: 50 })), x: 0, y: 0 },
    ]),
    avif: new Uint8Array(await avif(rgba, { quality: 60, speed: 10 })),
    heic: heic ?? await fuzzHeic(),
    gif: await gif(picture),
    bmp: encodeBmp({ width, height, bitsPerPixel: 24, samples: data }),
    "tiff (Deflate)": tiff(8),
    "tiff (LZW)": tiff(5),
  };
  return Object.entries(samples).map(([name, bytes]) => ({ name, bytes }));
}

/** A GIF of the picture on a 3-3-2 bit colour palette. */
async function gif(picture: Picture): Promise<Uint8Array> {
  const { GifWriter } = await import("omggif") as unknown as {
    GifWriter: new (
      buffer: Uint8Array,
      width: number,
      height: number,
      options: { palette: number[] },
    ) => {
      addFrame(
        x: number,
        y: number,
        width: number,
        height: number,
        indices: Uint8Array,
      ): void;
      end(): number;
    };
  };
  const { width, height, data } = picture;
  const palette = Array.from({ length: 256 }, (_, i) => {
    const r = (i >> 5) * 255 / 7, g = ((i >> 2) & 7) * 255 / 7;
    const b = (i & 3) * 255 / 3;
    return (Math.round(r) << 16) | (Math.round(g) << 8) | Math.round(b);
  });
  const indices = new Uint8Array(width * height);
  for (let i = 0; i < indices.length; i++) {
    indices[i] = (data[i * 3] & 0xe0) | ((data[i * 3 + 1] >> 3) & 0x1c) |
      (data[i * 3 + 2] >> 6);
  }
  // LZW never takes more than 12 bits a pixel; the rest is headers.
  const buffer = new Uint8Array(Math.ceil(indices.length * 1.5) + 4096);
  const writer = new GifWriter(buffer, width, height, { palette });
  writer.addFrame(0, 0, width, height, indices);
  return buffer.slice(0, writer.end());
}

/**
 * One seeded mutation of `bytes` and what it did, for the message that
 * replays it: bits flipped, random bytes inserted, a run deleted, a run
 * overwritten (random, 0x00 or 0xFF), the file cut, a run duplicated. Half
 * the edits land in the first 256 bytes, where the headers are.
 *
 * @example
 * ```ts
 * import { mutate, seeded } from "@facever/testing";
 * const [damaged, what] = mutate(new Uint8Array(100), seeded(1));
 * console.log(what, damaged.length);
 * ```
 */
export function mutate(
  bytes: Uint8Array,
  next: () => number,
): [Uint8Array, string] {
  const position = () =>
    next() % 2 ? next() % Math.min(256, bytes.length) : next() % bytes.length;
  const random = (n: number) =>
    Uint8Array.from({ length: n }, () => next() & 255);
  const at = position();
  switch (next() % 6) {
    case 0: {
      const out = bytes.slice();
      const flips = 1 + next() % 8;
      for (let i = 0; i < flips; i++) out[position()] ^= 1 << (next() % 8);
      return [out, `flip ${flips} bits near ${at}`];
    }
    case 1: {
      const n = 1 + next() % 16;
      return [
        concat([bytes.subarray(0, at), random(n), bytes.subarray(at)]),
        `insert ${n} at ${at}`,
      ];
    }
    case 2: {
      const n = 1 + next() % 64;
      return [
        concat([bytes.subarray(0, at), bytes.subarray(at + n)]),
        `delete ${n} at ${at}`,
      ];
    }
    case 3: {
      const n = 1 + next() % 32;
      const out = bytes.slice();
      const fill = next() % 3;
      const run = fill === 0
        ? random(n)
        : new Uint8Array(n).fill(fill === 1 ? 0 : 255);
      out.set(run.subarray(0, Math.max(0, out.length - at)), at);
      return [
        out,
        `overwrite ${n} at ${at} (${["random", "0x00", "0xFF"][fill]})`,
      ];
    }
    case 4:
      return [bytes.slice(0, at), `cut at ${at}`];
    default: {
      const n = 1 + next() % 64;
      const from = position();
      const copy = bytes.subarray(from, from + n);
      return [
        concat([bytes.subarray(0, at), copy, bytes.subarray(at)]),
        `duplicate ${copy.length} from ${from} at ${at}`,
      ];
    }
  }
}

/**
 * How many mutations of a sample a fuzz run makes.
 *
 * @example
 * ```ts
 * import type { FuzzPlanEntry } from "@facever/testing";
 * const entry: FuzzPlanEntry = {
 *   name: "gif",
 *   bytes: new Uint8Array(6),
 *   mutations: 100,
 * };
 * console.log(entry.mutations);
 * ```
 */
export interface FuzzPlanEntry extends FuzzSample {
  readonly mutations: number;
}

/**
 * One damaged input of a fuzz run.
 *
 * @example
 * ```ts
 * import type { FuzzInput } from "@facever/testing";
 * const describe = (input: FuzzInput) =>
 *   `${input.index}: ${input.sample} (${input.what})`;
 * console.log(typeof describe);
 * ```
 */
export interface FuzzInput {
  /** Position in the run, from 0. */
  readonly index: number;
  /** The {@linkcode FuzzSample.name} it was made from. */
  readonly sample: string;
  /** What the mutation did (see {@linkcode mutate}). */
  readonly what: string;
  readonly bytes: Uint8Array;
}

/**
 * The seed of one sample's mutations: from the run's seed and the
 * sample's name and size, so that adding a sample leaves the others'
 * inputs as they were.
 */
function sampleSeed(sample: FuzzSample, seed: number): number {
  return sample.name.length * 7919 + sample.bytes.length + seed * 104729;
}

/**
 * The mutations of every sample, `mutations` each, in turn (one of each
 * sample, then the next of each, …) so that decoders of every format stay
 * in use side by side; each sample's sequence depends only on the seed
 * and that sample.
 *
 * @example
 * ```ts
 * import { fuzzInputs } from "@facever/testing";
 * const plan = [
 *   { name: "a", bytes: new Uint8Array(64), mutations: 2 },
 *   { name: "b", bytes: new Uint8Array(32), mutations: 1 },
 * ];
 * console.log([...fuzzInputs(plan, 0)].map((input) => input.sample)); // ["a", "b", "a"]
 * ```
 */
export function* fuzzInputs(
  plan: readonly FuzzPlanEntry[],
  seed: number,
): Generator<FuzzInput> {
  const generators = plan.map((entry) => seeded(sampleSeed(entry, seed)));
  const rounds = Math.max(0, ...plan.map((entry) => entry.mutations));
  let index = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [k, entry] of plan.entries()) {
      if (round >= entry.mutations) continue;
      const [bytes, what] = mutate(entry.bytes, generators[k]);
      yield { index: index++, sample: entry.name, what, bytes };
    }
  }
}
