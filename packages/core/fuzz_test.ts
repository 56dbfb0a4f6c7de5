/**
 * Seeded mutations of one valid file per format (bits flipped, bytes
 * inserted, deleted, overwritten, the file cut): whatever the damage,
 * decodeImage returns an image or throws one of our typed errors, and
 * returns. So does our own baseline JPEG decoder (what `openImage` uses
 * for large JPEGs), opening and reading at every scale, and it fails
 * whenever MozJPEG does. Reproducible: the seed is fixed, the mutation
 * printed on failure. For a longer hunt: `FUZZ_MUTATIONS=20000
 * FUZZ_SEED=3 deno test ...`.
 */
import assert from "node:assert/strict";
import {
  animatedWebp,
  encodeBaselineJpeg,
  encodeBmp,
  encodeFlatJpeg,
  encodeTiff,
  exifSegment,
  syntheticPicture,
} from "@facever/testing";
import { outcome, seeded, toImageData } from "./testdata/assertions.ts";
import { FaceError } from "./errors.ts";
import { parseHeader } from "./_header.ts";
import { checkJpegStructure } from "./_jpeg_header.ts";
import { planBaseline } from "./_jpeg_baseline.ts";
import { JpegSource } from "./_jpeg_source.ts";

const MUTATIONS_PER_FORMAT = Number(Deno.env.get("FUZZ_MUTATIONS") ?? 520);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0);

const picture = syntheticPicture(32, 32);
const rgba = toImageData(picture);

async function samples(): Promise<Record<string, Uint8Array>> {
  const { default: jpeg } = await import("@jsquash/jpeg/encode.js");
  const { default: webp } = await import("@jsquash/webp/encode.js");
  const { default: avif } = await import("@jsquash/avif/encode.js");
  const { encode: png } = await import("fast-png");
  const { GifWriter } = await import("omggif") as unknown as {
    GifWriter: new (
      b: Uint8Array,
      w: number,
      h: number,
      o: Record<string, unknown>,
    ) => {
      addFrame(x: number, y: number, w: number, h: number, p: Uint8Array): void;
      end(): number;
    };
  };
  const gifBuffer = new Uint8Array(8192);
  const palette = Array.from({ length: 16 }, (_, i) => i * 0x101010);
  const writer = new GifWriter(gifBuffer, 32, 32, { palette });
  writer.addFrame(
    0,
    0,
    32,
    32,
    picture.data.filter((_, i) => i % 3 === 0).map((v) => v >> 4),
  );
  return {
    jpeg: new Uint8Array(
      await jpeg(rgba, { quality: 80, progressive: true, baseline: false }),
    ),
    "jpeg (restart markers)": encodeFlatJpeg({
      width: 32,
      height: 32,
      components: 3,
      samples: picture.data,
      segments: [exifSegment(6)],
      restartInterval: 2,
    }),
    png: png({
      width: 32,
      height: 32,
      data: picture.data,
      channels: 3,
      depth: 8,
    }),
    "jpeg (CMYK)": encodeFlatJpeg({
      width: 32,
      height: 32,
      components: 4,
      samples: picture.data.subarray(0, 32 * 32 * 4), // any ink values
    }),
    webp: new Uint8Array(await webp(rgba, { quality: 80 })),
    "webp (animated, lossless)": animatedWebp(32, 32, [
      { webp: new Uint8Array(await webp(rgba, { lossless: 1 })), x: 0, y: 0 },
      { webp: new Uint8Array(await webp(rgba, { quality: 50 })), x: 0, y: 0 },
    ]),
    avif: new Uint8Array(await avif(rgba, { quality: 60, speed: 10 })),
    heic: await Deno.readFile(
      new URL("testdata/synthetic.heic", import.meta.url),
    ),
    gif: gifBuffer.slice(0, writer.end()),
    bmp: encodeBmp({
      width: 32,
      height: 32,
      bitsPerPixel: 24,
      samples: picture.data,
    }),
    "tiff (Deflate)": encodeTiff({
      width: 32,
      height: 32,
      photometric: 2,
      bitsPerSample: 8,
      samplesPerPixel: 3,
      samples: picture.data,
      compression: 8,
    }),
    "tiff (LZW)": encodeTiff({
      width: 32,
      height: 32,
      photometric: 2,
      bitsPerSample: 8,
      samplesPerPixel: 3,
      samples: picture.data,
      compression: 5,
    }),
  };
}

/** One seeded mutation of `bytes`, and what it did. */
function mutate(bytes: Uint8Array, next: () => number): [Uint8Array, string] {
  // Half the edits land in the first 256 bytes, where the headers are.
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
      const out = new Uint8Array(bytes.length + n);
      out.set(bytes.subarray(0, at));
      out.set(random(n), at);
      out.set(bytes.subarray(at), at + n);
      return [out, `insert ${n} at ${at}`];
    }
    case 2: {
      const n = 1 + next() % 64;
      const tail = bytes.subarray(Math.min(bytes.length, at + n));
      const out = new Uint8Array(at + tail.length);
      out.set(bytes.subarray(0, at));
      out.set(tail, at);
      return [out, `delete ${n} at ${at}`];
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
      const copy = bytes.slice(from, from + n);
      const out = new Uint8Array(bytes.length + copy.length);
      out.set(bytes.subarray(0, at));
      out.set(copy, at);
      out.set(bytes.subarray(at), at + copy.length);
      return [out, `duplicate ${copy.length} from ${from} at ${at}`];
    }
  }
}

const files = await samples();

Deno.test("fuzz: damaged files give typed errors and never hang", async (t) => {
  for (const [format, file] of Object.entries(files)) {
    await t.step(`${format} (${MUTATIONS_PER_FORMAT} mutations)`, async () => {
      assert.equal(await outcome(file), "ok", `${format} sample must decode`);
      const next = seeded(format.length * 7919 + file.length + SEED * 104729);
      const counts: Record<string, number> = {};
      const start = performance.now();
      for (let i = 0; i < MUTATIONS_PER_FORMAT; i++) {
        const [bytes, what] = mutate(file, next);
        let code: string;
        try {
          code = await outcome(bytes);
        } catch (error) {
          throw new Error(`${format}, mutation ${i} (${what}): ${error}`, {
            cause: error,
          });
        }
        counts[code] = (counts[code] ?? 0) + 1;
      }
      const ms = performance.now() - start;
      console.log(
        `${format}: ${JSON.stringify(counts)} in ${ms.toFixed(0)} ms`,
      );
    });
  }
});

/** Files our baseline decoder reads: every sampling, restart markers, orientation. */
async function baselineSamples(): Promise<Record<string, Uint8Array>> {
  const { default: jpeg } = await import("@jsquash/jpeg/encode.js");
  const picture = syntheticPicture(48, 40);
  const options = { width: 48, height: 40, samples: picture.data };
  return {
    "4:2:0, restart markers, EXIF 6": encodeBaselineJpeg({
      ...options,
      restartInterval: 2,
      segments: [exifSegment(6)],
    }),
    "4:2:2": encodeBaselineJpeg({ ...options, sampling: "4:2:2" }),
    "gray, restart markers": encodeBaselineJpeg({
      ...options,
      sampling: "gray",
      restartInterval: 3,
    }),
    "MozJPEG 4:4:4": new Uint8Array(
      await jpeg(toImageData(picture), { quality: 80, baseline: true }),
    ),
  };
}

/**
 * Our decoder's outcome: the file opened (every code decoded) and read
 * whole at full, 1/2 and 1/8 scale and in part at 1/4; "not ours" when it
 * is no longer a JPEG our decoder takes.
 */
function ourOutcome(bytes: Uint8Array): string {
  try {
    const header = parseHeader(bytes);
    if (header.format !== "jpeg") return "not ours";
    const plan = planBaseline(
      bytes,
      header,
      checkJpegStructure(bytes, header).scans,
    );
    if (!plan) return "not ours";
    const source = new JpegSource(bytes, plan, header.orientation);
    const { width, height } = source;
    const whole = { x: 0, y: 0, width, height };
    source.read(whole, width, height);
    source.read(whole, Math.ceil(width / 2), Math.ceil(height / 2));
    source.read(whole, Math.ceil(width / 8), Math.ceil(height / 8));
    source.read({ x: width >> 2, y: height >> 2, width: 16, height: 16 }, 4, 4);
    return "ok";
  } catch (error) {
    if (error instanceof FaceError) return error.code;
    throw new Error(`untyped error escaped our JPEG decoder: ${error}`, {
      cause: error,
    });
  }
}

const baseline = await baselineSamples();

Deno.test("fuzz: our baseline JPEG decoder fails when MozJPEG does, typed, and returns", async (t) => {
  for (const [name, file] of Object.entries(baseline)) {
    await t.step(`${name} (${MUTATIONS_PER_FORMAT} mutations)`, async () => {
      assert.equal(ourOutcome(file), "ok", `${name} sample must decode`);
      const next = seeded(name.length * 7919 + file.length + SEED * 104729);
      const counts: Record<string, number> = {};
      for (let i = 0; i < MUTATIONS_PER_FORMAT; i++) {
        const [bytes, what] = mutate(file, next);
        const ours = ourOutcome(bytes);
        const theirs = await outcome(bytes);
        if (theirs !== "ok" && ours === "ok") {
          assert.fail(
            `${name}, mutation ${i} (${what}): MozJPEG ${theirs}, ours ok`,
          );
        }
        const key = `${theirs} → ${ours}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      console.log(`${name}: ${JSON.stringify(counts)}`);
    });
  }
});
