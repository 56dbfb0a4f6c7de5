/**
 * No input balloons: hostile files, built here, are decoded in a fresh
 * subprocess (testdata/memory_probe.ts) whose peak resident memory must
 * stay within the budget, the decoder's DECODE_BYTES_PER_PIXEL x the
 * pixels allowed; and so must a real 24-megapixel phone JPEG, decoded and
 * opened at the default limit. Times are printed, not asserted (the
 * machine is shared).
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  DECODE_BYTES_PER_PIXEL,
  DECODE_MEMORY_BUDGET,
  type DecodeKind,
  DEFAULT_MAX_PIXELS,
  defaultMaxPixels,
} from "./limits.ts";
import {
  concat,
  encodeBmp,
  encodePng,
  encodeTiff,
  faceCanvas,
  pngChunk,
  splitIdat,
  syntheticPicture,
  withJpegSize,
} from "@facever/testing";
import {
  seeded,
  testPhoto,
  toImageData,
  withIspe,
} from "./testdata/assertions.ts";

const probe = fromFileUrl(new URL("testdata/memory_probe.ts", import.meta.url));
const root = fromFileUrl(new URL("../..", import.meta.url));

interface Probe {
  outcome: string;
  peak: number;
  ms: number;
}

/**
 * Decodes (or opens and reads, as the face pipeline does) `bytes` in a
 * fresh process; returns its outcome and peak.
 */
async function measure(
  name: string,
  bytes: Uint8Array,
  maxPixels: number,
  warmUp?: Uint8Array,
  open = false,
): Promise<Probe> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/${name}`;
    await Deno.writeFile(file, bytes);
    const args = ["run", "--allow-all", probe, file, String(maxPixels)];
    if (warmUp) {
      await Deno.writeFile(`${file}.warm`, warmUp);
    }
    args.push(warmUp ? `${file}.warm` : "", open ? "open" : "decode");
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const result = JSON.parse(text.trim().split("\n").pop()!) as Probe;
    console.log(
      `${name}: ${result.outcome}, peak ${
        (result.peak / 2 ** 20).toFixed(1)
      } MiB, ${result.ms.toFixed(0)} ms`,
    );
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertWithinBudget(
  result: Probe,
  maxPixels: number,
  kind: DecodeKind,
) {
  const budget = DECODE_BYTES_PER_PIXEL[kind] * maxPixels;
  assert.ok(
    result.peak <= budget,
    `peak ${result.peak} bytes over the budget of ${budget}`,
  );
  assert.ok(!result.outcome.startsWith("bug"), result.outcome);
}

/** Refused before any pixel memory: the probe's process barely grows. */
const EARLY_REFUSAL_BYTES = 48 * 2 ** 20;

const photo = await testPhoto();
const { default: encodeJpeg } = await import("@jsquash/jpeg/encode.js");
const photoJpeg = new Uint8Array(
  await encodeJpeg(toImageData(photo), { quality: 90 }),
);

Deno.test({
  name: "hostile files stay within the memory budget",
  // Each case is a subprocess; they run one after another.
  sanitizeResources: false,
  fn: async (t) => {
    await t.step(
      "a JPEG header claiming 7000x7000 over 27 kB of data",
      async () => {
        const huge = withJpegSize(photoJpeg, 7000, 7000);
        const result = await measure("huge.jpg", huge, 50_000_000);
        assert.equal(result.outcome, "truncated_image");
        assertWithinBudget(result, 50_000_000, "jpeg");
        assert.ok(result.peak < EARLY_REFUSAL_BYTES, `${result.peak}`);
      },
    );

    await t.step(
      "a 1.2 MB PNG split into 1-byte IDAT chunks decodes",
      async () => {
        const next = seeded(5);
        const width = 640, height = 640;
        const noise = Uint8Array.from(
          { length: width * height * 3 },
          () => next() & 255,
        );
        const { encode } = await import("fast-png");
        const png = encode({
          width,
          height,
          data: noise,
          channels: 3,
          depth: 8,
        });
        assert.ok(png.length > 1_100_000, `${png.length}`);
        const split = splitIdat(png, 1);
        const result = await measure("split.png", split, DEFAULT_MAX_PIXELS);
        assert.equal(result.outcome, `ok ${width}x${height}`);
        assertWithinBudget(result, DEFAULT_MAX_PIXELS, "png");
      },
    );

    await t.step(
      "a PNG claiming 4000x3000 RGBA over 1 kB of data",
      async () => {
        const ihdr = new Uint8Array(13);
        const view = new DataView(ihdr.buffer);
        view.setUint32(0, 4000);
        view.setUint32(4, 3000);
        ihdr.set([8, 6], 8);
        const png = concat([
          encodePng({
            width: 1,
            height: 1,
            colorType: 0,
            bitDepth: 8,
            samples: [0],
          })
            .subarray(0, 8),
          pngChunk("IHDR", ihdr),
          pngChunk("IDAT", new Uint8Array(1000).fill(0x55)),
          pngChunk("IEND", []),
        ]);
        const result = await measure("huge.png", png, DEFAULT_MAX_PIXELS);
        assert.equal(result.outcome, "truncated_image");
        assert.ok(result.peak < EARLY_REFUSAL_BYTES, `${result.peak}`);
      },
    );

    await t.step(
      "a lossless WebP header claiming 4096x3072 over noise",
      async () => {
        const bits = (4095) | (3071 << 14);
        const body = new Uint8Array(5 + 4000);
        body[0] = 0x2f;
        new DataView(body.buffer).setUint32(1, bits, true);
        const next = seeded(9);
        for (let i = 5; i < body.length; i++) body[i] = next() & 255;
        const webp = riff("VP8L", body);
        const { default: encodeWebp } = await import("@jsquash/webp/encode.js");
        const warm = new Uint8Array(
          await encodeWebp(toImageData(syntheticPicture(16, 16)), {
            lossless: 1,
          }),
        );
        const result = await measure(
          "huge.webp",
          webp,
          DEFAULT_MAX_PIXELS,
          warm,
        );
        assert.ok(
          ["corrupt_image", "truncated_image"].includes(result.outcome),
          result.outcome,
        );
        assertWithinBudget(result, DEFAULT_MAX_PIXELS, "webp");
      },
    );

    await t.step("an AVIF and a HEIC whose ispe claims 4000x3000", async () => {
      const { default: encodeAvif } = await import("@jsquash/avif/encode.js");
      const small = new Uint8Array(
        await encodeAvif(toImageData(syntheticPicture(64, 48)), { speed: 10 }),
      );
      const heic = await Deno.readFile(
        new URL("testdata/synthetic.heic", import.meta.url),
      );
      for (
        const [name, file] of [["huge.avif", small], [
          "huge.heic",
          heic,
        ]] as const
      ) {
        const huge = withIspe(file, 4000, 3000);
        const kind = name.endsWith("avif") ? "avif" : "heic";
        const limit = defaultMaxPixels(kind);
        const result = await measure(name, huge, limit, file);
        assert.equal(result.outcome, "corrupt_image");
        assertWithinBudget(result, limit, kind);
      }
    });

    await t.step(
      "GIF, BMP and TIFF headers claiming 4000x3000 over little data",
      async () => {
        const gif = Uint8Array.from([
          ...new TextEncoder().encode("GIF89a"),
          0xa0,
          0x0f,
          0xb8,
          0x0b,
          0x80,
          0,
          0,
          0,
          0,
          0,
          255,
          255,
          255,
          0x2c,
          0,
          0,
          0,
          0,
          0xa0,
          0x0f,
          0xb8,
          0x0b,
          0,
          2,
          3,
          0x84,
          0x8f,
          0xa9,
          0,
          0x3b,
        ]);
        const bmp = encodeBmp({
          width: 4,
          height: 4,
          bitsPerPixel: 24,
          samples: new Uint8Array(48),
        });
        new DataView(bmp.buffer).setInt32(18, 4000, true);
        new DataView(bmp.buffer).setInt32(22, 3000, true);
        const tiff = encodeTiff({
          width: 4,
          height: 4,
          photometric: 2,
          bitsPerSample: 8,
          samplesPerPixel: 3,
          samples: new Uint8Array(48),
          compression: 8,
        });
        // Width and height are the first two entries (LONG values) of IFD0.
        new DataView(tiff.buffer).setUint32(18, 4000, true);
        new DataView(tiff.buffer).setUint32(30, 3000, true);
        for (
          const [name, file] of [["huge.gif", gif], ["huge.bmp", bmp], [
            "huge.tif",
            tiff,
          ]] as const
        ) {
          const result = await measure(name, file, DEFAULT_MAX_PIXELS);
          assert.ok(
            ["truncated_image", "corrupt_image"].includes(result.outcome),
            `${name}: ${result.outcome}`,
          );
          assert.ok(
            result.peak < EARLY_REFUSAL_BYTES,
            `${name}: ${result.peak}`,
          );
        }
      },
    );
  },
});

Deno.test({
  name: "a 24-megapixel phone JPEG is read within the budget by default",
  sanitizeResources: false,
  fn: async (t) => {
    // 6000 × 4000, quality 90, 4:2:0, with a camera's grain: 5.6 MB.
    const picture = faceCanvas({
      width: 6000,
      height: 4000,
      backgrounds: [photo],
      faces: [{ photo, x: 2400, y: 1300, size: 1800 }],
      grain: 10,
    });
    const jpeg = new Uint8Array(
      await encodeJpeg(toImageData(picture), {
        quality: 90,
        baseline: true,
        auto_subsample: false,
        chroma_subsample: 2,
      }),
    );
    const limit = defaultMaxPixels("jpeg");
    assert.ok(6000 * 4000 <= limit);
    await t.step("decoded whole (MozJPEG)", async () => {
      const result = await measure("phone.jpg", jpeg, limit, photoJpeg);
      assert.equal(result.outcome, "ok 6000x4000");
      assertWithinBudget(result, 6000 * 4000, "jpeg");
      assert.ok(result.peak <= DECODE_MEMORY_BUDGET);
    });
    await t.step("opened, and read as the face pipeline reads", async () => {
      const result = await measure("phone.jpg", jpeg, limit, photoJpeg, true);
      assert.equal(result.outcome, "ok 6000x4000");
      // The 1/8 image, the index and the face's blocks: about 1 byte a
      // pixel where a full decode takes 12.
      assert.ok(result.peak < 2 * 6000 * 4000, `${result.peak}`);
    });
  },
});

function riff(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(20 + body.length + (body.length & 1));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("RIFF"));
  view.setUint32(4, out.length - 8, true);
  out.set(new TextEncoder().encode(`WEBP${type}`), 8);
  view.setUint32(16, body.length, true);
  out.set(body, 20);
  return out;
}
