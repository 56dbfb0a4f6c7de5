/**
 * Damage is an error, not a grey image: what libjpeg only warns about
 * (and paints grey) must fail with `corrupt_image` or `truncated_image`,
 * as must data far too short for the size a header declares.
 */
import assert from "node:assert/strict";
import { decodeImage, readImageInfo } from "./decode.ts";
import { ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import {
  concat,
  encodeFlatJpeg,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  syntheticPicture,
  withJpegSize,
} from "@facever/testing";
import {
  assertDecodeError,
  outcome,
  toImageData,
} from "./testdata/assertions.ts";

/** A real photo's JPEG (LFW), or the synthetic picture through MozJPEG. */
async function photoJpeg(): Promise<Uint8Array> {
  const root = lfwRoot();
  if (root) return await Deno.readFile(lfwImagePath(root, "Aaron_Eckhart", 1));
  console.log(`synthetic picture instead of a photo: ${LFW_MISSING}`);
  const { default: encode } = await import("@jsquash/jpeg/encode.js");
  const picture = syntheticPicture(250, 250);
  return new Uint8Array(await encode(toImageData(picture), { quality: 90 }));
}

function markerPos(jpeg: Uint8Array, code: number, from = 0): number {
  for (let i = from; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === code) return i;
  }
  throw new Error(`marker ${code.toString(16)} not found`);
}

/** Start of the entropy-coded data of the first scan. */
function scanStart(jpeg: Uint8Array): number {
  const sos = markerPos(jpeg, 0xda);
  return sos + 2 + ((jpeg[sos + 2] << 8) | jpeg[sos + 3]);
}

function dri(interval: number): Uint8Array {
  return Uint8Array.from([0xff, 0xdd, 0, 4, interval >> 8, interval & 255]);
}

/** The JPEG with a DRI segment inserted right before its first scan. */
function withDri(jpeg: Uint8Array, interval: number): Uint8Array {
  const sos = markerPos(jpeg, 0xda);
  return concat([jpeg.subarray(0, sos), dri(interval), jpeg.subarray(sos)]);
}

const photo = await photoJpeg();

Deno.test("JPEG damage that libjpeg only warns about", async (t) => {
  await t.step("the photo itself decodes", async () => {
    assert.equal((await decodeImage(photo)).width, readImageInfo(photo).width);
  });

  await t.step("a DRI segment inserted: corrupt_image", async () => {
    for (const interval of [1, 4, 100]) {
      const error = await assertDecodeError(
        withDri(photo, interval),
        "corrupt_image",
        `DRI ${interval}`,
      );
      assert.match(error.message, /restart/);
    }
  });

  await t.step(
    "bytes cut in the middle of the scan: truncated_image",
    async () => {
      const start = scanStart(photo);
      for (
        const cut of [start + 10, (start + photo.length) >> 1, photo.length - 3]
      ) {
        await assertDecodeError(
          photo.slice(0, cut),
          "truncated_image",
          `cut ${cut}`,
        );
      }
    },
  );

  await t.step("the scan cut and closed with EOI: an error", async () => {
    const start = scanStart(photo);
    for (const keep of [0.02, 0.5, 0.9]) {
      const cut = start + Math.floor((photo.length - start) * keep);
      const closed = concat([
        photo.subarray(0, cut),
        Uint8Array.from([0xff, 0xd9]),
      ]);
      const code = await outcome(closed);
      assert.ok(
        code === "truncated_image" || code === "corrupt_image",
        `kept ${keep}: ${code}`,
      );
    }
  });

  await t.step("a run of bytes zeroed in the scan: corrupt_image", async () => {
    const start = scanStart(photo);
    // Huffman codes resynchronise, so a short run can decode silently into
    // wrong pixels (no JPEG decoder can see it); these runs throw libjpeg
    // off its block count, which it reports.
    for (const [at, length] of [[0.3, 64], [0.5, 300], [0.7, 1000]]) {
      const zeroed = photo.slice();
      const from = start + Math.floor((photo.length - start) * at);
      zeroed.fill(0, from, from + length);
      await assertDecodeError(
        zeroed,
        "corrupt_image",
        `zeroed ${length} at ${at}`,
      );
    }
  });

  await t.step(
    "a run of bytes changed in the scan: corrupt_image",
    async () => {
      const start = scanStart(photo);
      const changed = photo.slice();
      for (let i = 0; i < 200; i++) {
        const at = start + 400 + i;
        if (changed[at] !== 0xff && changed[at - 1] !== 0xff) {
          changed[at] ^= 0x5a;
        }
      }
      await assertDecodeError(changed, "corrupt_image", "changed bytes");
    },
  );
});

Deno.test("JPEG restart markers are checked", async (t) => {
  const width = 64, height = 32; // 8 x 4 = 32 MCUs
  const samples = syntheticPicture(width, height).data;
  const jpeg = encodeFlatJpeg({
    width,
    height,
    components: 3,
    samples,
    restartInterval: 3,
  });
  const rsts = () => {
    const at: number[] = [];
    for (let i = scanStart(jpeg); i + 1 < jpeg.length; i++) {
      if (jpeg[i] === 0xff && jpeg[i + 1] >= 0xd0 && jpeg[i + 1] <= 0xd7) {
        at.push(i);
      }
    }
    return at;
  };

  await t.step("in sequence: decodes", async () => {
    assert.equal(rsts().length, Math.ceil(32 / 3) - 1);
    assert.equal((await decodeImage(jpeg)).width, width);
  });

  await t.step("out of sequence, missing or extra: corrupt_image", async () => {
    const swapped = jpeg.slice();
    const [first, second] = rsts();
    [swapped[first + 1], swapped[second + 1]] = [
      swapped[second + 1],
      swapped[first + 1],
    ];
    await assertDecodeError(swapped, "corrupt_image", "RST1 before RST0");
    const at = rsts()[4];
    const missing = concat([jpeg.subarray(0, at), jpeg.subarray(at + 2)]);
    await assertDecodeError(missing, "corrupt_image", "one RST removed");
    const noDri = concat([
      jpeg.subarray(0, markerPos(jpeg, 0xdd)),
      jpeg.subarray(markerPos(jpeg, 0xdd) + 6),
    ]);
    await assertDecodeError(noDri, "corrupt_image", "RST without DRI");
    const wrongInterval = jpeg.slice();
    wrongInterval[markerPos(jpeg, 0xdd) + 5] = 2;
    await assertDecodeError(
      wrongInterval,
      "corrupt_image",
      "interval 2, RSTs every 3",
    );
  });
});

Deno.test("data far too short for the declared size is refused before decoding", async (t) => {
  await t.step("the photo's JPEG claiming 7000x7000", async () => {
    const huge = withJpegSize(photo, 7000, 7000);
    assert.ok(huge.length < 100_000);
    // Over the default limit: too_large from the header alone.
    await assert.rejects(decodeImage(huge), ImageTooLargeError);
    // With a limit that allows it: refused all the same, before decoding.
    await assert.rejects(
      decodeImage(huge, { maxPixels: 50_000_000 }),
      (error: unknown) =>
        error instanceof ImageDecodeError &&
        error.code === "truncated_image" &&
        /blocks need at least/.test(error.message),
    );
  });

  await t.step(
    "a progressive JPEG cut after its first scan, closed with EOI",
    async () => {
      // Only the DC scan: libjpeg shows it blurred, without a warning.
      const { default: encode } = await import("@jsquash/jpeg/encode.js");
      const picture = syntheticPicture(64, 64);
      const progressive = new Uint8Array(
        await encode(toImageData(picture), {
          quality: 90,
          progressive: true,
          baseline: false,
        }),
      );
      const secondScan = markerPos(
        progressive,
        0xda,
        markerPos(progressive, 0xda) + 2,
      );
      const cut = concat([
        progressive.subarray(0, secondScan),
        Uint8Array.from([0xff, 0xd9]),
      ]);
      await assertDecodeError(cut, "truncated_image", "DC scan only");
    },
  );
});
