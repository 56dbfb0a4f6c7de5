/**
 * Calibrates the verification threshold on LFW View 1: the threshold that
 * maximises accuracy on `pairsDevTrain.txt`, then its accuracy, FAR and TAR
 * on the held-out `pairsDevTest.txt`, for both input channel orders (the
 * order the model was trained on is measured, not assumed).
 *
 * ```sh
 * deno task calibrate
 * ```
 *
 * Embeddings come from the cache that `deno task bench:lfw` shares, so a
 * rerun only re-scores.
 *
 * @module
 */

import type { ChannelOrder } from "@facever/core";
import {
  accuracy,
  areaUnderCurve,
  bestThreshold,
  rates,
  tarAtFar,
} from "./_metrics.ts";
import { embedPairs } from "./_embeddings.ts";
import { ProgressBar } from "@facever/gallery";
import { lfwRoot } from "@facever/testing";
import { readPairs, scorePairs } from "./_lfw_pairs.ts";

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}
const [train] = await readPairs(root, "pairsDevTrain.txt");
const [test] = await readPairs(root, "pairsDevTest.txt");
const pairs = [...train, ...test];

for (const channelOrder of ["bgr", "rgb"] as ChannelOrder[]) {
  const started = performance.now();
  let bar: ProgressBar | undefined;
  const embeddings = await embedPairs(pairs, {
    pipeline: { channelOrder },
    cache: true,
    onProgress: (done, total) => {
      bar ??= new ProgressBar(channelOrder, total);
      bar.update(done);
    },
  });
  bar?.finish();
  const trainScores = scorePairs(train, embeddings);
  const testScores = scorePairs(test, embeddings);
  const trainSame = train.map((pair) => pair.same);
  const testSame = test.map((pair) => pair.same);
  const threshold = bestThreshold(trainScores, trainSame);
  console.log(JSON.stringify({
    channelOrder,
    threshold: Number(threshold.toFixed(4)),
    trainAccuracy: accuracy(trainScores, trainSame, threshold),
    testAccuracy: accuracy(testScores, testSame, threshold),
    test: rates(testScores, testSame, threshold),
    // Threshold-free, over all 3,200 View 1 pairs: these choose the channel order.
    auc: areaUnderCurve([...trainScores, ...testScores], [
      ...trainSame,
      ...testSame,
    ]),
    tarAtFar1e2: tarAtFar([...trainScores, ...testScores], [
      ...trainSame,
      ...testSame,
    ], 1e-2),
    noFace: [...embeddings].filter(([, e]) => !e.embedding).map(([file]) =>
      file
    ),
    images: embeddings.size,
    seconds: Math.round((performance.now() - started) / 1000),
  }));
}
