/**
 * Calibrates the verification thresholds on LFW View 1, never touching
 * View 2:
 *
 * 1. For both input channel orders (the order the model was trained on is
 *    measured, not assumed): the threshold that maximises accuracy on
 *    `pairsDevTrain.txt`, then its accuracy, FAR and TAR on the held-out
 *    `pairsDevTest.txt`, printed as one JSON line each.
 * 2. For the shipped pipeline, the operating points: that accuracy
 *    threshold, and the lowest thresholds whose false accept rate on every
 *    cross-identity pair of the training people (those of
 *    `pairsDevTrain.txt`, all their images) stays within 1e-3 and 1e-4.
 *    Each is then measured on every pair of the held-out people (those of
 *    `pairsDevTest.txt`, whom training never saw). Written to
 *    `weights/operating_points.json` and printed as a table.
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
import { DEFAULT_CHANNEL_ORDER } from "@facever/model";
import type { OperatingPoint } from "@facever/weights";
import {
  accuracy,
  areaUnderCurve,
  bestThreshold,
  bestThresholdRange,
  rates,
  shortestBetween,
  tarAtFar,
} from "./_metrics.ts";
import { cacheKey } from "./_cache.ts";
import { embedImages, embedPairs, resolvePipeline } from "./_embeddings.ts";
import { lfwRoot } from "@facever/testing";
import { readPairs, scorePairs } from "./_lfw_pairs.ts";
import { ProgressBar } from "@facever/gallery";
import { type Identity, readIdentities } from "./_identities.ts";
import { scoreAllPairs, thresholdAtFar } from "./_all_pairs.ts";
import { countPairs, operatingPointTable } from "./_operating_points.ts";
import type { Pair } from "./_lfw_types.ts";

const OPERATING_POINTS_FILE = new URL(
  "../weights/operating_points.json",
  import.meta.url,
);
/** The false accept rates the project ships a threshold for. */
const TARGET_FARS = [1e-3, 1e-4];

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

// The operating points, for the shipped pipeline.
const pipeline = resolvePipeline({ channelOrder: DEFAULT_CHANNEL_ORDER });
const trainPeople = await readIdentities(root, "pairsDevTrain.txt");
const heldOutPeople = await readIdentities(root, "pairsDevTest.txt");
let imagesBar: ProgressBar | undefined;
const images = await embedImages(
  [...trainPeople, ...heldOutPeople].flatMap((person) => person.files),
  {
    pipeline,
    cache: true,
    onProgress: (done, total) => {
      if (total === 0) return;
      imagesBar ??= new ProgressBar("View 1 people", total);
      imagesBar.update(done);
    },
  },
);
imagesBar?.finish();

function allPairs(people: readonly Identity[]) {
  const files = people.flatMap((person) => person.files);
  const labels = people.flatMap((person, i) => person.files.map(() => i));
  return scoreAllPairs(
    files.map((file) => images.get(file)!.embedding),
    labels,
  );
}

function describeSet(people: readonly Identity[], pairList: string) {
  const files = people.flatMap((person) => person.files);
  return {
    pairList,
    people: people.length,
    images: files.length,
    noFace: files.filter((file) => !images.get(file)!.embedding).length,
  };
}

function listRates(pairs: readonly Pair[], threshold: number) {
  const scores = scorePairs(pairs, images);
  const same = pairs.map((pair) => pair.same);
  return {
    accuracy: accuracy(scores, same, threshold),
    ...rates(scores, same, threshold),
    pairs: pairs.length,
  };
}

const trainPairs = allPairs(trainPeople);
const heldOutPairs = allPairs(heldOutPeople);
// Any threshold strictly between the two training scores around the
// optimum gives the same accuracy: ship the shortest number in there.
const range = bestThresholdRange(
  scorePairs(train, images),
  train.map((pair) => pair.same),
);
const chosen: [string, number, number | null][] = [
  ["accuracy", shortestBetween(range.low, range.high), null],
  ...TARGET_FARS.map((far): [string, number, number] => [
    `far-${far.toExponential()}`,
    thresholdAtFar(trainPairs.impostor, far),
    far,
  ]),
];
const points: OperatingPoint[] = chosen.map(([name, threshold, targetFar]) => ({
  name,
  threshold,
  targetFar,
  train: countPairs(trainPairs, threshold),
  heldOut: countPairs(heldOutPairs, threshold),
  pairLists: {
    train: listRates(train, threshold),
    heldOut: listRates(test, threshold),
  },
}));
const { models } = await cacheKey({ ...pipeline });
await Deno.writeTextFile(
  OPERATING_POINTS_FILE,
  JSON.stringify(
    {
      date: new Date().toISOString().slice(0, 10),
      pipeline,
      models,
      train: describeSet(trainPeople, "pairsDevTrain.txt"),
      heldOut: describeSet(heldOutPeople, "pairsDevTest.txt"),
      points,
    },
    null,
    2,
  ) + "\n",
);
console.log(
  `\nOperating points (accuracy range on pairsDevTrain.txt: ${
    range.low.toFixed(5)
  } to ${range.high.toFixed(5)}) → weights/operating_points.json\n`,
);
console.log(operatingPointTable(points));
