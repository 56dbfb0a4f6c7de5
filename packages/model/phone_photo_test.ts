/**
 * Phone photos read without decoding them whole (`openImage`) must give
 * what decoding them whole gives: LFW photos placed on 4000 × 3000
 * canvases at several sizes and positions, saved as quality-90 JPEGs
 * (4:2:0), some with an EXIF orientation; every face found either way, and
 * each embedding within cosine 0.99 of the full decode's.
 */
import assert from "node:assert/strict";
import { cosineSimilarity, decodeImage, type RgbImage } from "@facever/core";
import { type Analysis, FaceEngine } from "@facever/model";
import {
  concat,
  exifSegment,
  faceCanvas,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  type PlacedFace,
  storedForOrientation,
} from "@facever/testing";

const root = lfwRoot();
if (!root) console.log(`skipping phone photo tests: ${LFW_MISSING}`);

const { default: encode } = await import("@jsquash/jpeg/encode.js");

async function photo(name: string): Promise<RgbImage> {
  return await decodeImage(await Deno.readFile(lfwImagePath(root!, name, 1)));
}

/**
 * The canvas (upright, `width` × `height`) as a phone saves it: the pixels
 * stored turned for EXIF `orientation`, baseline JPEG, quality 90, 4:2:0.
 */
async function phoneJpeg(
  width: number,
  height: number,
  faces: PlacedFace[],
  backgrounds: RgbImage[],
  orientation: number,
): Promise<Uint8Array> {
  const upright = faceCanvas({
    width,
    height,
    backgrounds,
    faces,
    grain: 8,
    seed: faces.length,
  });
  const stored = storedForOrientation(upright, orientation);
  const rgba = new Uint8ClampedArray(stored.width * stored.height * 4);
  for (let i = 0, o = 0; i < stored.data.length; i += 3, o += 4) {
    rgba.set(stored.data.subarray(i, i + 3), o);
    rgba[o + 3] = 255;
  }
  const image = { width: stored.width, height: stored.height, data: rgba };
  const jpeg = new Uint8Array(
    await encode(image as ImageData, {
      quality: 90,
      baseline: true,
      auto_subsample: false,
      chroma_subsample: 2,
    }),
  );
  return concat([
    jpeg.subarray(0, 2),
    exifSegment(orientation),
    jpeg.subarray(2),
  ]);
}

function iou(a: Analysis["faces"][number], b: Analysis["faces"][number]) {
  const x1 = Math.max(a.box.x, b.box.x), y1 = Math.max(a.box.y, b.box.y);
  const x2 = Math.min(a.box.x + a.box.width, b.box.x + b.box.width);
  const y2 = Math.min(a.box.y + a.box.height, b.box.y + b.box.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const area = (f: typeof a) => f.box.width * f.box.height;
  return inter / (area(a) + area(b) - inter);
}

Deno.test({
  name: "a phone photo opened gives the faces of a full decode",
  ignore: !root,
  fn: async (t) => {
    const engine = await FaceEngine.create();
    const people = await Promise.all(
      [
        "Aaron_Peirsol",
        "Serena_Williams",
        "Tony_Blair",
        "Gloria_Macapagal_Arroyo",
      ]
        .map(photo),
    );
    const backgrounds = await Promise.all(
      ["Abdullah_Gul", "Adam_Sandler", "Al_Gore", "Alvaro_Uribe"].map(photo),
    );
    // Sizes of the LFW photo on the canvas: faces from about 1,000 pixels
    // wide (a selfie) down to about 90 (someone at the back of the room),
    // on 4000 × 3000 photos, one held upright (3000 × 4000, stored turned:
    // EXIF 6) and one upside down (EXIF 3).
    const layouts: [string, number, number, number, PlacedFace[]][] = [
      ["a selfie and a friend", 1, 4000, 3000, [
        { photo: people[0], x: 1203, y: 401, size: 2400 },
        { photo: people[1], x: 3, y: 1901, size: 700 },
      ]],
      ["three people, held upright (EXIF 6)", 6, 3000, 4000, [
        { photo: people[2], x: 1517, y: 1123, size: 1300 },
        { photo: people[3], x: 611, y: 333, size: 610 },
        { photo: people[1], x: 500, y: 3300, size: 230 },
      ]],
      ["a face at the edge, upside down (EXIF 3)", 3, 4000, 3000, [
        { photo: people[1], x: 3100, y: 2099, size: 900 },
        { photo: people[0], x: 900, y: 700, size: 420 },
      ]],
    ];
    for (const [name, orientation, width, height, faces] of layouts) {
      await t.step(name, async () => {
        const jpeg = await phoneJpeg(
          width,
          height,
          faces,
          backgrounds,
          orientation,
        );
        const full = await decodeImage(jpeg);
        const expected = await engine.analyze(full);
        const opened = await engine.analyze(jpeg);
        assert.deepEqual([full.width, full.height], [width, height]);
        assert.deepEqual([opened.width, opened.height], [width, height]);
        // The full decode is the reference: it finds the placed faces, and
        // may find a face-like patch of background too.
        assert.ok(expected.faces.length >= faces.length);
        assert.equal(opened.faces.length, expected.faces.length);
        for (const [i, face] of expected.faces.entries()) {
          const same = opened.faces[i];
          assert.ok(
            iou(face, same) > 0.85,
            `face ${i}: IoU ${iou(face, same)}`,
          );
          const cosine = cosineSimilarity(face.embedding!, same.embedding!);
          assert.ok(
            cosine >= 0.99,
            `face ${i} (${face.box.width.toFixed(0)} px): cosine ${cosine}`,
          );
        }
        console.log(
          expected.faces.map((face, i) =>
            `${face.box.width.toFixed(0)} px: cosine ${
              cosineSimilarity(face.embedding!, opened.faces[i].embedding!)
                .toFixed(4)
            }`
          ).join(", "),
        );
        const largest = await engine.embedImage(jpeg);
        const cosine = cosineSimilarity(
          largest.embedding,
          expected.faces[0].embedding!,
        );
        assert.ok(cosine >= 0.99, `the largest face: cosine ${cosine}`);
      });
    }
  },
});
