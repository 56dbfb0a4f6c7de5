/**
 * Seeded mutations of one valid file per format (bits flipped, bytes
 * inserted, deleted, overwritten, the file cut; `formatSamples` and
 * `fuzzInputs` of @facever/testing): whatever the damage, decodeImage
 * returns an image or throws one of our typed errors, and returns. So does
 * our own baseline JPEG decoder (what `openImage` uses for large JPEGs),
 * opening and reading at every scale, and it fails whenever MozJPEG does.
 * Reproducible: the seed is fixed, the mutation printed on failure.
 * For a longer hunt: `FUZZ_MUTATIONS=20000 FUZZ_SEED=3 deno test ...`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  encodeBaselineJpeg,
  exifSegment,
  formatSamples,
  fuzzInputs,
  type FuzzSample,
  mutate,
  seeded,
  syntheticPicture,
  toImageData,
} from "@facever/testing";
import { decodeImage } from "./decode.ts";
import { FaceError } from "./errors.ts";
import { outcome } from "./testdata/assertions.ts";
import { parseHeader } from "./_header.ts";
import { checkJpegStructure } from "./_jpeg_header.ts";
import { planBaseline } from "./_jpeg_baseline.ts";
import { JpegSource } from "./_jpeg_source.ts";

const MUTATIONS_PER_FORMAT = Number(Deno.env.get("FUZZ_MUTATIONS") ?? 520);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0);

const samples = await formatSamples();

Deno.test("fuzz: damaged files give typed errors and never hang", async (t) => {
  for (const sample of samples) {
    await t.step(
      `${sample.name} (${MUTATIONS_PER_FORMAT} mutations)`,
      async () => {
        assert.equal(
          await outcome(sample.bytes),
          "ok",
          `${sample.name} sample must decode`,
        );
        const counts: Record<string, number> = {};
        const start = performance.now();
        const plan = [{ ...sample, mutations: MUTATIONS_PER_FORMAT }];
        for (const { index, what, bytes } of fuzzInputs(plan, SEED)) {
          let code: string;
          try {
            code = await outcome(bytes);
          } catch (error) {
            throw new Error(
              `${sample.name}, mutation ${index} (${what}): ${error}`,
              { cause: error },
            );
          }
          counts[code] = (counts[code] ?? 0) + 1;
        }
        const ms = performance.now() - start;
        console.log(
          `${sample.name}: ${JSON.stringify(counts)} in ${ms.toFixed(0)} ms`,
        );
      },
    );
  }
});

/** The decoded pixels, or undefined when the bytes are refused. */
async function pixels(bytes: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    return (await decodeImage(bytes)).data;
  } catch (error) {
    if (error instanceof FaceError) return undefined;
    throw error;
  }
}

/**
 * Damaged `sample` files that decode, each decoded again after the valid
 * sample: the indices of those whose pixels changed (what the decoder
 * showed of them came from memory an earlier decode left behind).
 */
async function changedByWhatCameBefore(
  sample: FuzzSample,
  mutations: number,
): Promise<string[]> {
  const changed: string[] = [];
  for (const input of fuzzInputs([{ ...sample, mutations }], SEED)) {
    const first = await pixels(input.bytes);
    if (!first) continue;
    await decodeImage(sample.bytes);
    const again = await pixels(input.bytes);
    if (!again || again.some((v, i) => v !== first[i])) {
      changed.push(`${input.index} (${input.what})`);
    }
  }
  return changed;
}

/**
 * Found by `deno task fuzz:images` in damaged HEICs: libheif (libde265)
 * left the parts of a picture that damaged HEVC data does not reach as its
 * heap held them, so a reused instance showed the previous image's pixels
 * (another request's face, on a server). Its instance is now never reused.
 */
Deno.test(
  "fuzz: a damaged file decodes alike whatever was decoded before",
  async (t) => {
    for (const sample of samples) {
      await t.step(sample.name, async () => {
        assert.deepEqual(await changedByWhatCameBefore(sample, 200), []);
      });
    }
  },
);

/**
 * Found by `deno task fuzz:images` (its child held 538 MiB after one
 * 1920x1080 decode of each format): what decodes leave behind is outside
 * the budget of the next one. The wasm decoders' part is fixed (a wasm heap
 * never shrinks, so instances are now replaced after any image over 1 MP,
 * `LARGE_IMAGE_PIXELS`); the pure-JS decoders' part is not: after a 4 MP
 * CMYK JPEG (jpeg-js) and PNG (fast-png) the V8 heap stays resident
 * (117 → 332 → 417 MiB), so the last, default-limited decode peaks at
 * 620 MiB. Ignored, with this reason printed, until those two decoders
 * are bounded too.
 */
const RETENTION =
  "the pure-JS decoders (jpeg-js for CMYK, fast-png) leave their V8 heap resident after large images, outside the next decode's budget";
console.log(`ignored: ${RETENTION}`);

Deno.test({
  name:
    "a default-limited decode after large decodes of other formats fits a 512 MiB isolate",
  ignore: true,
  // The probe is a subprocess, awaited to its end.
  sanitizeResources: false,
  fn: async () => {
    const { default: webp } = await import("@jsquash/webp/encode.js");
    // Just under the 4 MP at which decoder instances used to be replaced.
    const large = (await formatSamples(syntheticPicture(2560, 1536)))
      .filter(({ name }) =>
        ["jpeg", "jpeg (CMYK)", "png", "webp", "avif"].includes(name)
      );
    const huge = new Uint8Array(
      await webp(toImageData(syntheticPicture(4096, 3072)), { quality: 80 }),
    );
    const dir = await Deno.makeTempDir();
    try {
      const files: string[] = [];
      for (const [i, { bytes }] of [...large, { bytes: huge }].entries()) {
        files.push(`${dir}/${i}`);
        await Deno.writeFile(files[i], bytes);
      }
      const probe = fileURLToPath(
        new URL("testdata/sequence_probe.ts", import.meta.url),
      );
      const { code, stdout, stderr } = await new Deno.Command(
        Deno.execPath(),
        {
          args: ["run", "--allow-read", probe, ...files],
          stdout: "piped",
          stderr: "piped",
        },
      ).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const steps = new TextDecoder().decode(stdout).trim().split("\n")
        .map((line) => JSON.parse(line));
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      const trace = steps.map((step, i) =>
        `${
          [...large.map(({ name }) => name), "12 Mi px webp"][i]
        }: ${step.outcome}, rss ${mib(step.rss)} MiB, peak ${
          mib(step.peak)
        } MiB`
      ).join("\n");
      console.log(trace);
      assert.ok(steps.every((step) => step.outcome.startsWith("ok")), trace);
      assert.ok(steps.at(-1).peak <= 512 * 2 ** 20, trace);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
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
