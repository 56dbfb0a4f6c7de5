/**
 * LFW View 2 (`pairs.txt`, 10 folds of 300 same-person and 300
 * different-person pairs) with the whole pipeline, from JPEG to cosine.
 *
 * ```sh
 * deno task bench:lfw      # the pipeline as shipped → results/lfw.json, lfw-roc.svg
 * deno task bench:levers   # every detector and accuracy option → results/levers.json, levers-roc.svg
 * ```
 *
 * `--workers N` sets the worker count (default: one per core). Embeddings
 * are cached in `.cache/lfw-embeddings/`, so a rerun only re-scores.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { describeMachine } from "./_machine.ts";
import { rocSvg } from "./_roc_svg.ts";
import { embedPairs, resolvePipeline } from "./_embeddings.ts";
import { evaluate, type Evaluation } from "./_evaluation.ts";
import { ProgressBar } from "@facever/gallery";
import { lfwRoot } from "@facever/testing";
import { MANIFEST_URL } from "@facever/weights";
import { type PipelineOptions } from "./_lfw_types.ts";
import { readPairs } from "./_lfw_pairs.ts";
import { type RocPoint } from "./_metrics.ts";

/** One pipeline measured by `bench:levers`. */
interface Lever {
  readonly id: string;
  readonly label: string;
  readonly pipeline: PipelineOptions;
}

/**
 * The foundation offers one detector/landmark route (RFB-320 + 68-point
 * landmarks reduced to five), so the options compared are the cheap ones
 * around it. The first is the pipeline as shipped.
 */
const LEVERS: readonly Lever[] = [
  { id: "default", label: "as shipped: BGR, central face", pipeline: {} },
  { id: "rgb", label: "RGB input", pipeline: { channelOrder: "rgb" } },
  { id: "mirror", label: "mean with mirror image", pipeline: { mirror: true } },
  { id: "largest", label: "largest face", pipeline: { pick: "largest" } },
];

/**
 * The backend that runs everywhere, Deno Deploy included: the compiled
 * embedder (`weights/mobilefacenet.wasm`) and onnxruntime-web. Named rather
 * than left to `"auto"`, so that granting `--allow-ffi` does not change what
 * is measured.
 */
const BACKEND = "wasm";
const DETECTOR_ROUTE =
  "RFB-320 face detector (letterboxed, tiled pyramid) + 68-point landmarks reduced to 5, Umeyama similarity to the ArcFace 112x112 template";
const RESULTS = new URL("./results/", import.meta.url);
const MANIFEST = MANIFEST_URL;

const args = parseArgs({
  args: Deno.args,
  options: {
    levers: { type: "boolean", default: false },
    workers: { type: "string" },
  },
});
const workers = args.values.workers === undefined
  ? navigator.hardwareConcurrency
  : Number(args.values.workers);

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR, or place the dataset (pairs.txt and images_deepfunneled/) at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}
const folds = await readPairs(root, "pairs.txt");
const pairs = folds.flat();

async function run(
  lever: Lever,
): Promise<{ evaluation: Evaluation; roc: RocPoint[] }> {
  let bar: ProgressBar | undefined;
  const embeddings = await embedPairs(pairs, {
    pipeline: lever.pipeline,
    workers,
    backend: BACKEND,
    cache: true,
    onProgress: (done, total) => {
      if (total === 0) return;
      bar ??= new ProgressBar(lever.id, total);
      bar.update(done);
    },
  });
  bar?.finish();
  return evaluate(root!, folds, embeddings);
}

function percent(value: number, digits = 2): string {
  return `${(value * 100).toFixed(digits)} %`;
}

function summary(label: string, evaluation: Evaluation): string {
  const { accuracy, tarAtFar, auc, noFace, msPerImage } = evaluation;
  return `${label}: ${percent(accuracy.mean)} ± ${
    percent(accuracy.std)
  }, TAR@FAR1e-3 ${percent(tarAtFar["1e-3"])}, TAR@FAR1e-2 ${
    percent(tarAtFar["1e-2"])
  }, AUC ${auc.toFixed(5)}, ${noFace.length} without a face, ${
    msPerImage.toFixed(1)
  } ms/image`;
}

const manifest = JSON.parse(await Deno.readTextFile(MANIFEST)) as {
  models: { file: string; sha256: string }[];
};
const sha256 = (file: string) =>
  manifest.models.find((model) => model.file === file)?.sha256;
const common = {
  protocol:
    "LFW View 2 pairs.txt (images_deepfunneled): 10 folds of 600 pairs; each fold's threshold maximises accuracy on the other 9; TAR@FAR and AUC over all 6,000 pairs; an image without a face scores -1",
  date: new Date().toISOString(),
  machine: describeMachine(),
  workers,
  backend: BACKEND,
};
await Deno.mkdir(RESULTS, { recursive: true });

if (args.values.levers) {
  const variants = [];
  const curves = [];
  for (const lever of LEVERS) {
    const { evaluation, roc } = await run(lever);
    console.log(summary(lever.label, evaluation));
    variants.push({
      id: lever.id,
      label: lever.label,
      pipeline: resolvePipeline(lever.pipeline),
      ...evaluation,
    });
    curves.push({
      label: `${lever.label} (AUC ${evaluation.auc.toFixed(5)})`,
      points: roc,
    });
  }
  await Deno.writeTextFile(
    new URL("levers.json", RESULTS),
    JSON.stringify({ ...common, detector: DETECTOR_ROUTE, variants }, null, 2) +
      "\n",
  );
  await Deno.writeTextFile(
    new URL("levers-roc.svg", RESULTS),
    rocSvg("LFW View 2: ROC of each pipeline option", curves),
  );
} else {
  const { evaluation, roc } = await run(LEVERS[0]);
  const shipped = resolvePipeline(LEVERS[0].pipeline);
  console.log(summary("LFW View 2", evaluation));
  const result = {
    ...evaluation,
    model: {
      name: "MobileFaceNet",
      files: {
        "weights/mobilefacenet.wasm": sha256("mobilefacenet.wasm"),
        "weights/mobilefacenet.onnx": sha256("mobilefacenet.onnx"),
      },
      channelOrder: shipped.channelOrder,
      mirror: shipped.mirror,
    },
    detector: {
      route: DETECTOR_ROUTE,
      pick: shipped.pick,
      files: {
        "weights/face_detector.onnx": sha256("face_detector.onnx"),
        "weights/face_landmark68.onnx": sha256("face_landmark68.onnx"),
      },
    },
    ...common,
  };
  await Deno.writeTextFile(
    new URL("lfw.json", RESULTS),
    JSON.stringify(result, null, 2) + "\n",
  );
  await Deno.writeTextFile(
    new URL("lfw-roc.svg", RESULTS),
    rocSvg(
      `LFW View 2, ${percent(evaluation.accuracy.mean)} ± ${
        percent(evaluation.accuracy.std)
      } (10-fold)`,
      [{
        label: `facever (AUC ${evaluation.auc.toFixed(5)})`,
        points: roc,
      }],
    ),
  );
}
