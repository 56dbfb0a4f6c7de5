/**
 * The speed of every stage, and of the alternatives on the same inputs in
 * the same process:
 *
 * ```sh
 * deno task bench
 * ```
 *
 * Inputs are LFW photos (250×250 JPEG), a 1920×1080 frame tiled from 40
 * of them, encoded as JPEG (quality 90, 4:2:0) and in every other format
 * we decode, and a 12-megapixel phone photo with one face (see
 * `_speed_inputs.ts`). Our rows run the wasm backend, `.native` rows the
 * native one. Peers: a stock onnxruntime-web session
 * (`InferenceSession.create(bytes)`, no options) and onnxruntime-node on
 * the same `weights/mobilefacenet.onnx` and the same input tensors, and
 * imagescript against our decoder. The run writes the median of each row
 * to `bench/results/speed.json`, what it ran on to
 * `bench/results/speed-run.json`, and prints the ratios.
 *
 * Over 500 lines on purpose: every row is measured in this one run, beside
 * its peers, on inputs made and models loaded once at the top; its inputs
 * are made in `_speed_inputs.ts` and its recorder is `_speed.ts`.
 *
 * @module
 */

import encodePng from "@jsquash/png/encode.js";
import { Image } from "imagescript";
import * as ortNode from "onnxruntime-node";
import * as stockOrt from "onnxruntime-web";
import {
  alignFace,
  cosineSimilarity,
  decodeImage,
  facesToTensor,
  openImage,
} from "@facever/core";
import {
  DEFAULT_CHANNEL_ORDER,
  EyeState,
  FACE_SIZE,
  FaceDetector,
  FaceEmbedder,
  FaceEngine,
  LivenessChecker,
} from "@facever/model";
import { describeMachine } from "./_machine.ts";
import { SpeedRecorder } from "./_speed.ts";
import { ratios } from "./_speed_ratios.ts";
import { lfwRoot } from "@facever/testing";
import { DETECTOR_URL, EMBEDDER_URL, LANDMARKER_URL } from "@facever/weights";
import { readPairs } from "./_lfw_pairs.ts";
import {
  baselineJpeg,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  kioskFrame,
  otherFormats,
  phonePhoto,
  PHOTO_HEIGHT,
  PHOTO_WIDTH,
  TILE,
  tiledFrame,
  toImageData,
} from "./_speed_inputs.ts";

const RESULTS = new URL("./results/", import.meta.url);
const CACHE = new URL("../.cache/speed-inputs/", import.meta.url);
const MODEL = EMBEDDER_URL;
const BATCH = 8;
/**
 * Distinct LFW photos `pipeline.lfw` embeds one after the other, each once:
 * its measured calls and `deno bench`'s ten warm-up calls.
 */
const STREAM = 510;

const root = lfwRoot();
if (!root) {
  throw new Error(
    "the benchmark measures real photos: set LFW_DIR, or place LFW (pairs.txt and images_deepfunneled/) at ../shared/datasets/lfw",
  );
}

// The images of the first View 2 pairs: 8 for the per-image rows, 40 more
// for the frame, then the stream of distinct photos.
const pairFiles = [
  ...new Set(
    (await readPairs(root, "pairs.txt")).flat().flatMap((p) => [p.a, p.b]),
  ),
];
const files = pairFiles.slice(0, BATCH + 40);
const jpegs = await Promise.all(files.map((file) => Deno.readFile(file)));
// Read before any row runs: the row measures the pipeline, not the disk.
const stream = await Promise.all(
  pairFiles.slice(BATCH + 40, BATCH + 40 + STREAM).map((file) =>
    Deno.readFile(file)
  ),
);
const photos = await Promise.all(jpegs.map((bytes) => decodeImage(bytes)));
for (const [i, photo] of photos.entries()) {
  if (photo.width !== TILE || photo.height !== TILE) {
    throw new RangeError(
      `${
        files[i]
      } is ${photo.width}x${photo.height}; LFW photos are ${TILE}x${TILE}`,
    );
  }
}

const frame = tiledFrame(photos.slice(BATCH));
const frameJpeg = await baselineJpeg(frame);
const framePng = new Uint8Array(await encodePng(toImageData(frame)));
const frameImage = await decodeImage(frameJpeg);
const formats = await otherFormats(frame, CACHE);
// The person of the first pair, on the corners of the frame's photos.
const photoJpeg = await phonePhoto(photos[0], photos.slice(BATCH));

const cameraFrame = kioskFrame(frameImage, photos[0]);

const images = photos.slice(0, BATCH);
// Rows without a suffix run the wasm backend, the one that runs everywhere
// (Deno Deploy included); `.native` rows run onnxruntime-node through our
// code. Both with the default of one thread.
const detector = await FaceDetector.load({ backend: "wasm" });
const embedder = await FaceEmbedder.load({ backend: "wasm", batchSize: BATCH });
const mirrorEmbedder = await FaceEmbedder.load({
  backend: "wasm",
  mirror: true,
});
const engine = await FaceEngine.create({ backend: "wasm" });
const nativeDetector = await FaceDetector.load({ backend: "native" });
const nativeEmbedder = await FaceEmbedder.load({ backend: "native" });
// The ONNX files on onnxruntime-web through our code: what the wasm backend
// ran before the detector and landmark nets were compiled.
const ortWebDetector = await FaceDetector.load({
  backend: "wasm",
  detector: DETECTOR_URL,
  landmarks: LANDMARKER_URL,
});
// Native at onnxruntime-node's default thread count, for the peer row that
// uses that default.
const nativeEmbedder2 = await FaceEmbedder.load({
  backend: "native",
  threads: navigator.hardwareConcurrency,
});
const nativeEngine = await FaceEngine.create({ backend: "native" });
const livenessChecker = await LivenessChecker.load({ backend: "wasm" });
const eyeState = await EyeState.load({ backend: "wasm" });
const detections = await Promise.all(
  images.map((image) => detector.detectFaces(image)),
);
const faces = images.map((image, i) => {
  if (detections[i].length === 0) {
    throw new Error(`no face found in ${files[i]}`);
  }
  return alignFace(image, detections[i][0].landmarks);
});
const embeddings = await embedder.embed(faces);
const frameFaces = (await detector.detectFaces(frameImage)).length;

// The peers get the tensors our embedder would build, made once, outside
// the timing: they are measured on inference alone.
const tensors = faces.map((face) =>
  facesToTensor([face], { channelOrder: DEFAULT_CHANNEL_ORDER })
);
const batchTensor = facesToTensor(faces, {
  channelOrder: DEFAULT_CHANNEL_ORDER,
});
const dims = (n: number) => [n, 3, FACE_SIZE, FACE_SIZE];
const modelBytes = await Deno.readFile(MODEL);
const stock = await stockOrt.InferenceSession.create(modelBytes);
const native = await ortNode.InferenceSession.create(modelBytes);
const nativeOneThread = await ortNode.InferenceSession.create(modelBytes, {
  intraOpNumThreads: 1,
});

const speed = new SpeedRecorder();
/** Round-robin over the 8 photos, so no row measures one lucky input. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

const jpeg250 = cycle(jpegs.slice(0, BATCH));
const jpeg250Peer = cycle(jpegs.slice(0, BATCH));
speed.bench(
  "decode.250",
  { group: "decode.250", n: 200, baseline: true },
  () => decodeImage(jpeg250()),
);
speed.bench(
  "decode.250.imagescript",
  { group: "decode.250", n: 200 },
  () => Image.decode(jpeg250Peer()),
);
speed.bench(
  "decode.1080p",
  { group: "decode.1080p", n: 40, baseline: true },
  () => decodeImage(frameJpeg),
);
speed.bench(
  "decode.1080p.imagescript",
  { group: "decode.1080p", n: 40 },
  () => Image.decode(frameJpeg),
);
speed.bench(
  "decode.png.1080p",
  { group: "decode.png", n: 30, baseline: true },
  () => decodeImage(framePng),
);
speed.bench(
  "decode.png.1080p.imagescript",
  { group: "decode.png", n: 30 },
  () => Image.decode(framePng),
);

// The other formats at 1920×1080, through decodeImage (checks, decode,
// RGB). Slow decoders get fewer calls: the median settles on fewer.
const FORMAT_CALLS: Record<string, number> = { avif: 10, heic: 10 };
for (const [format, bytes] of Object.entries(formats)) {
  speed.bench(
    `decode.${format}.1080p`,
    { group: "decode.format", n: FORMAT_CALLS[format] ?? 30 },
    () => decodeImage(bytes),
  );
}
speed.bench(
  "decode.12mp",
  { group: "decode.12mp", n: 10, baseline: true },
  () => decodeImage(photoJpeg),
);
speed.bench(
  "open.12mp",
  { group: "decode.12mp", n: 20 },
  () => openImage(photoJpeg),
);

const image250 = cycle(images);
speed.bench(
  "detect",
  { group: "detect", n: 100, baseline: true },
  () => detector.detectFaces(image250()),
);
speed.bench(
  "detect.1080p",
  { group: "detect", n: 20 },
  () => detector.detectFaces(frameImage),
);
const nativeImage250 = cycle(images);
speed.bench(
  "detect.native",
  { group: "detect", n: 100 },
  () => nativeDetector.detectFaces(nativeImage250()),
);
const ortWebImage250 = cycle(images);
speed.bench(
  "detect.ort-web",
  { group: "detect", n: 100 },
  () => ortWebDetector.detectFaces(ortWebImage250()),
);

/** Decode, detect and align the largest face: all of the pipeline but the net. */
async function front(detect: FaceDetector, bytes: Uint8Array): Promise<void> {
  const image = await decodeImage(bytes);
  const [face] = await detect.detectFaces(image, { maxFaces: 1 });
  alignFace(image, face.landmarks);
}
const frontJpeg = cycle(jpegs.slice(0, BATCH));
speed.bench(
  "front.250",
  { group: "front", n: 100, baseline: true },
  () => front(detector, frontJpeg()),
);
const nativeFrontJpeg = cycle(jpegs.slice(0, BATCH));
speed.bench(
  "front.250.native",
  { group: "front", n: 100 },
  () => front(nativeDetector, nativeFrontJpeg()),
);

const toAlign = cycle(images.map((image, i) => ({ image, i })));
speed.benchSync("align", { group: "align", n: 500 }, () => {
  const { image, i } = toAlign();
  alignFace(image, detections[i][0].landmarks);
});

const face = cycle(faces);
const stockTensor = cycle(tensors);
const nativeTensor = cycle(tensors);
const nativeOneTensor = cycle(tensors);
speed.bench(
  "embed.ours",
  { group: "embed", n: 100, baseline: true },
  () => embedder.embed([face()]),
);
// Beside embed.ours, measured right after it: a passive liveness score of
// one detected face (its crop, resize and the compiled net), and the eye
// openness of one face (two 24×24 crops, one call).
const livenessFace = cycle(
  images.map((image, i) => ({ image, face: detections[i][0] })),
);
speed.bench(
  "liveness.ours",
  { group: "embed", n: 100 },
  () => {
    const { image, face } = livenessFace();
    return livenessChecker.check(image, [face.box]);
  },
);
const eyesFace = cycle(
  images.map((image, i) => ({ image, face: detections[i][0] })),
);
speed.bench(
  "eyes.ours",
  { group: "embed", n: 200 },
  () => {
    const { image, face } = eyesFace();
    return eyeState.openness(image, face.landmarks);
  },
);
const nativeFace = cycle(faces);
speed.bench(
  "embed.ours.native",
  { group: "embed", n: 200 },
  () => nativeEmbedder.embed([nativeFace()]),
);
const mirrorFace = cycle(faces);
speed.bench(
  "embed.ours.mirror",
  { group: "embed", n: 100 },
  () => mirrorEmbedder.embed([mirrorFace()]),
);
speed.bench(
  "embed.stock-ort-web",
  { group: "embed", n: 100 },
  () =>
    stock.run({
      input: new stockOrt.Tensor("float32", stockTensor(), dims(1)),
    }),
);
// Right before its peer, so that both see the same state of the process
// (the thread pools of the other native sessions).
const nativeFace2 = cycle(faces);
speed.bench(
  "embed.ours.native.all-threads",
  { group: "embed", n: 200 },
  () => nativeEmbedder2.embed([nativeFace2()]),
);
speed.bench(
  "embed.ort-node",
  { group: "embed", n: 200 },
  () =>
    native.run({
      input: new ortNode.Tensor("float32", nativeTensor(), dims(1)),
    }),
);
speed.bench(
  "embed.ort-node.1-thread",
  { group: "embed", n: 200 },
  () =>
    nativeOneThread.run({
      input: new ortNode.Tensor("float32", nativeOneTensor(), dims(1)),
    }),
);
speed.bench("embed.ours.batch8", {
  group: "embed.batch8",
  n: 20,
  baseline: true,
}, () => embedder.embed(faces));
speed.bench(
  "embed.stock-ort-web.batch8",
  { group: "embed.batch8", n: 20 },
  () =>
    stock.run({
      input: new stockOrt.Tensor("float32", batchTensor, dims(BATCH)),
    }),
);
speed.bench(
  "embed.ort-node.batch8",
  { group: "embed.batch8", n: 50 },
  () =>
    native.run({
      input: new ortNode.Tensor("float32", batchTensor, dims(BATCH)),
    }),
);

const pipelineJpeg = cycle(jpegs.slice(0, BATCH));
speed.bench(
  "pipeline.250",
  { group: "pipeline", n: 50, baseline: true },
  () => engine.embedImage(pipelineJpeg()),
);
// The same pipeline on distinct photos, each once, one after the other:
// what a caller's stream of photos costs, beside 8 photos in turn.
const distinct = cycle(stream);
speed.bench(
  "pipeline.lfw",
  { group: "pipeline", n: STREAM - 10 },
  () => engine.embedImage(distinct()),
);
speed.bench(
  "pipeline.1080p",
  { group: "pipeline", n: 15 },
  () => engine.embedImage(frameJpeg),
);
const nativePipelineJpeg = cycle(jpegs.slice(0, BATCH));
speed.bench(
  "pipeline.250.native",
  { group: "pipeline", n: 50 },
  () => nativeEngine.embedImage(nativePipelineJpeg()),
);
speed.bench(
  "pipeline.1080p.native",
  { group: "pipeline", n: 15 },
  () => nativeEngine.embedImage(frameJpeg),
);

// A phone photo: opened (1/8 scale and the face's blocks only), and, for
// comparison, decoded whole first, as before `openImage`.
speed.bench(
  "pipeline.12mp",
  { group: "pipeline.12mp", n: 20, baseline: true },
  () => engine.embedImage(photoJpeg),
);
speed.bench(
  "pipeline.12mp.decoded",
  { group: "pipeline.12mp", n: 8 },
  async () => engine.embedImage(await decodeImage(photoJpeg)),
);

speed.bench(
  "pipeline.frame",
  { group: "pipeline.frame", n: 30, baseline: true },
  () => engine.embedImage(cameraFrame),
);
speed.bench(
  "pipeline.frame.native",
  { group: "pipeline.frame", n: 30 },
  () => nativeEngine.embedImage(cameraFrame),
);

const pair = cycle(embeddings.map((e, i) => [e, embeddings[(i + 1) % BATCH]]));
speed.benchSync("cosine", { group: "cosine", n: 10_000 }, () => {
  const [a, b] = pair();
  cosineSimilarity(a, b);
});

// deno bench has no hook after the last row; the unload event is the end
// of the run, and it allows only synchronous work.
globalThis.addEventListener("unload", () => {
  const results = speed.results();
  if (Object.keys(results).length === 0) return;
  Deno.mkdirSync(RESULTS, { recursive: true });
  Deno.writeTextFileSync(
    new URL("speed.json", RESULTS),
    JSON.stringify(results, null, 2) + "\n",
  );
  const imports = (JSON.parse(
    Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
  ) as { imports: Record<string, string> }).imports;
  Deno.writeTextFileSync(
    new URL("speed-run.json", RESULTS),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: describeMachine(),
        packages: Object.fromEntries(
          [
            "onnxruntime-web",
            "onnxruntime-node",
            "imagescript",
            "@jsquash/jpeg",
            "fast-png",
            "@jsquash/webp",
            "@jsquash/avif",
            "libheif-js",
            "omggif",
            "utif2",
          ]
            .map((name) => [name, imports[name]]),
        ),
        threads: {
          ours: 1,
          "ours.native": 1,
          "stock-ort-web": stockOrt.env.wasm.numThreads,
          "ort-node": "default (intraOpNumThreads unset)",
        },
        inputs: {
          photos: files.slice(0, BATCH).map((file) =>
            file.slice(root.length + 1)
          ),
          frame: {
            width: FRAME_WIDTH,
            height: FRAME_HEIGHT,
            tiles: files.length - BATCH,
            jpegBytes: frameJpeg.length,
            pngBytes: framePng.length,
            facesFound: frameFaces,
            formatBytes: Object.fromEntries(
              Object.entries(formats).map(([f, bytes]) => [f, bytes.length]),
            ),
          },
          photo: {
            width: PHOTO_WIDTH,
            height: PHOTO_HEIGHT,
            jpegBytes: photoJpeg.length,
          },
          stream: STREAM,
        },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(ratios(results, {
    batch: BATCH,
    stream: STREAM - 10,
    formats: Object.keys(formats),
    frameFaces,
  }));
});
