/**
 * Measures what the enrolment quality gates would refuse, so that their
 * defaults rest on numbers: on every LFW image (13,233, the face nearest
 * the centre), the distributions of the detector score, the box's shorter
 * side, the sharpness and the pose, how many images hold more than one
 * face, and for each candidate cut-off the share refused and how the
 * refused faces verify against the kept ones. Then photos degraded on
 * purpose (blurred, shrunk) on View 1's held-out pairs, to see where
 * accuracy starts to fall, and copies of photos (re-encoded, resized,
 * mirrored, trimmed) against genuine second photos, for the duplicate
 * gate. Writes `bench/results/quality_gates.json`.
 *
 * ```sh
 * deno task bench:gates
 * ```
 *
 * Every analysis is cached in `.cache/lfw-analyses/`, so a stopped run
 * resumes and a rerun only re-scores.
 *
 * @module
 */

import encodeJpeg from "@jsquash/jpeg/encode.js";
import { decodeImage, resizeImage, type RgbImage } from "@facever/core";
import type { ImageInput } from "@facever/model";
import { lfwRoot, uniform } from "@facever/testing";
import {
  AnalysisCache,
  analyzeImages,
  type FaceRecord,
  type ImageAnalysis,
} from "./_analyses.ts";
import { cacheKey } from "./_cache.ts";
import { resolvePipeline } from "./_embeddings.ts";
import {
  blurByRescale,
  imageScores,
  mirror,
  percentiles,
  shrinkTo,
  trim,
} from "./_gate_stats.ts";
import { basename } from "node:path";
import { readAllIdentities } from "./_identities.ts";
import { readPairs, scorePairs } from "./_lfw_pairs.ts";
import { ProgressBar } from "@facever/gallery";
import {
  ACCEPT,
  centralFace,
  degradedFigures,
  fails,
  failsProposed,
  figures,
  GATES,
  genuinePairs,
  otherFaces,
  pairAccuracy,
  PROPOSED,
  round,
  roundAll,
  shortSide,
  STRICT,
} from "./_gate_figures.ts";

const RESULTS = new URL("./results/quality_gates.json", import.meta.url);
/** Different-person images each image is compared with, for its FAR. */
const IMPOSTOR_SAMPLE = 500;

const root = lfwRoot();
if (!root) {
  console.error(
    "LFW not found: set LFW_DIR or place it at ../shared/datasets/lfw",
  );
  Deno.exit(1);
}

function progress(label: string) {
  let bar: ProgressBar | undefined;
  return {
    update(done: number, total: number) {
      if (total === 0) return;
      bar ??= new ProgressBar(label, total);
      bar.update(done);
    },
    finish: () => bar?.finish(),
  };
}

async function analyze(
  cache: AnalysisCache,
  label: string,
  jobs: { id: string; input: () => Promise<ImageInput> | ImageInput }[],
): Promise<Map<string, ImageAnalysis>> {
  const bar = progress(label);
  const analyses = await analyzeImages(jobs, cache, bar.update);
  bar.finish();
  return analyses;
}

const key = await cacheKey({ ...resolvePipeline(), embed: "central" });
const cache = await AnalysisCache.open(key);
try {
  // 1. Every LFW image as it is.
  const people = await readAllIdentities(root);
  const files = people.flatMap((person) => person.files);
  const labels = people.flatMap((person, i) => person.files.map(() => i));
  const lfw = await analyze(
    cache,
    "LFW",
    files.map((file) => ({ id: file, input: () => Deno.readFile(file) })),
  );
  const analyses = files.map((file) => lfw.get(file)!);
  const central = analyses.map(centralFace);
  const found = central.filter((face): face is FaceRecord => !!face);
  const distributions = {
    score: roundAll(percentiles(found.map((face) => face.score)), 5),
    shortSide: roundAll(percentiles(found.map(shortSide)), 1),
    sharpness: roundAll(percentiles(found.map((face) => face.sharpness)), 1),
    yaw: roundAll(percentiles(found.map((face) => face.pose.yaw)), 1),
    pitch: roundAll(percentiles(found.map((face) => face.pose.pitch)), 1),
    roll: roundAll(percentiles(found.map((face) => face.pose.roll)), 1),
    absYaw: roundAll(
      percentiles(found.map((face) => Math.abs(face.pose.yaw))),
      1,
    ),
    absPitch: roundAll(
      percentiles(found.map((face) => Math.abs(face.pose.pitch))),
      1,
    ),
  };

  // In these the largest face is not LFW's subject: a photo a one-face
  // gate should refuse, as enrolling it would enrol someone else.
  const notLargest = analyses.filter((a) => a.central > 0);
  const faceCounts = {
    perImage: Object.fromEntries(
      [0, 1, 2, 3, 4].map((n) => [
        String(n),
        analyses.filter((a) => a.faces.length === n).length,
      ]),
    ),
    subjectNotLargest: notLargest.length,
    moreThanOne: [0, 0.5, 0.75, 0.9].map((share) => {
      const refused = analyses.filter((a) => otherFaces(a, share) > 0).length;
      return {
        otherFaceShare: share,
        images: refused,
        share: round(refused / analyses.length, 5),
        subjectNotLargestCaught: notLargest.filter((a) =>
          otherFaces(a, share) > 0
        ).length,
      };
    }),
  };

  // How each image verifies: against every other photo of its person and
  // a sample of other people.
  const scores = imageScores(
    analyses.map((a) => a.embedding),
    labels,
    IMPOSTOR_SAMPLE,
    uniform(2024),
  );
  const [train] = await readPairs(root, "pairsDevTrain.txt");
  const [test] = await readPairs(root, "pairsDevTest.txt");
  const viewOne = [...train, ...test];
  const viewOneScores = scorePairs(viewOne, lfw);
  const gateEffects = (refused: (analysis: ImageAnalysis) => boolean) => {
    const out = analyses.map(refused);
    const byFile = new Map(files.map((file, i) => [file, out[i]]));
    const split = (want: boolean) => {
      const picked = viewOne.flatMap((pair, i) =>
        (byFile.get(pair.a)! || byFile.get(pair.b)!) === want ? [i] : []
      );
      return pairAccuracy(
        picked.map((i) => viewOne[i]),
        picked.map((i) => viewOneScores[i]),
      );
    };
    const refusedCount = out.filter(Boolean).length;
    return {
      refused: refusedCount,
      share: round(refusedCount / analyses.length, 5),
      refusedFaces: figures(scores.filter((_, i) => out[i])),
      keptFaces: figures(scores.filter((_, i) => !out[i])),
      viewOne: { withRefused: split(true), allKept: split(false) },
    };
  };
  const gates = GATES.map((gate) => ({
    name: gate.name,
    kind: gate.kind,
    cutoffs: gate.cutoffs.map((cutoff) => ({
      cutoff,
      ...gateEffects((analysis) => {
        const face = centralFace(analysis);
        return face !== undefined && fails(gate, cutoff, face);
      }),
    })),
  }));
  const proposal = {
    defaults: PROPOSED,
    // The figure gates together, on the face nearest the centre.
    figureGates: gateEffects((analysis) => {
      const face = centralFace(analysis);
      return face !== undefined && failsProposed(face);
    }),
    // The same, with the one-face gate on top.
    withOneFaceGate: gateEffects((analysis) => {
      const face = centralFace(analysis);
      return face !== undefined &&
        (otherFaces(analysis, PROPOSED.otherFaceShare) > 0 ||
          failsProposed(face));
    }),
  };

  // 2. View 1's held-out pairs with the second photo degraded.
  const degradations = [
    ...[1.5, 2, 2.5, 3, 4, 6].map((factor) => ({
      name: `blur-${factor}`,
      make: (image: RgbImage) => blurByRescale(image, factor),
    })),
    ...[200, 160, 136, 120, 108, 96, 84].map((width) => ({
      name: `shrink-${width}`,
      make: (image: RgbImage) => shrinkTo(image, width),
    })),
  ];
  const seconds = [...new Set(test.map((pair) => pair.b))];
  const originalScores = scorePairs(test, lfw);
  const degraded = [{
    name: "original",
    ...degradedFigures(
      seconds.map((file) => lfw.get(file)!),
      test.map((pair) => pair.same),
      originalScores,
    ),
  }];
  for (const { name, make } of degradations) {
    const results = await analyze(
      cache,
      name,
      seconds.map((file) => ({
        id: `${file}#${name}`,
        input: async () => make(await decodeImage(await Deno.readFile(file))),
      })),
    );
    const embeddings = new Map(
      test.flatMap((pair) => [
        [pair.a, lfw.get(pair.a)!],
        [`${pair.b}#${name}`, results.get(`${pair.b}#${name}`)!],
      ]),
    );
    const pairScores = scorePairs(
      test.map((pair) => ({ ...pair, b: `${pair.b}#${name}` })),
      embeddings,
    );
    degraded.push({
      name,
      ...degradedFigures(
        seconds.map((file) => results.get(`${file}#${name}`)!),
        test.map((pair) => pair.same),
        pairScores,
      ),
    });
  }

  // 3. Copies of a photo against a second photo of the same person.
  const originals = [
    ...new Set(test.filter((pair) => pair.same).map((pair) => pair.a)),
  ];
  const jpeg = async (image: RgbImage, quality: number) => {
    const rgba = new Uint8ClampedArray(image.width * image.height * 4);
    for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
      rgba[j] = image.data[i];
      rgba[j + 1] = image.data[i + 1];
      rgba[j + 2] = image.data[i + 2];
      rgba[j + 3] = 255;
    }
    const data = {
      width: image.width,
      height: image.height,
      data: rgba,
      colorSpace: "srgb",
    } as ImageData;
    return new Uint8Array(await encodeJpeg(data, { quality }));
  };
  const copies = [
    { name: "jpeg-q90", make: (image: RgbImage) => jpeg(image, 90) },
    { name: "jpeg-q70", make: (image: RgbImage) => jpeg(image, 70) },
    { name: "jpeg-q50", make: (image: RgbImage) => jpeg(image, 50) },
    {
      name: "resize-0.8",
      make: (image: RgbImage) => jpeg(resizeImage(image, 200, 200), 90),
    },
    {
      name: "resize-1.25",
      make: (image: RgbImage) => jpeg(resizeImage(image, 312, 312), 90),
    },
    { name: "mirror", make: (image: RgbImage) => jpeg(mirror(image), 90) },
    { name: "trim-12", make: (image: RgbImage) => jpeg(trim(image, 12), 90) },
  ];
  const copyCosines: Record<string, number[]> = {};
  for (const { name, make } of copies) {
    const results = await analyze(
      cache,
      name,
      originals.map((file) => ({
        id: `${file}#${name}`,
        input: async () => make(await decodeImage(await Deno.readFile(file))),
      })),
    );
    copyCosines[name] = scorePairs(
      originals.map((file) => ({ a: file, b: `${file}#${name}`, same: true })),
      new Map([...lfw, ...results]),
    );
  }
  const genuine = genuinePairs(analyses.map((a) => a.embedding), labels);
  const genuineCosines = genuine.map((pair) => pair.cosine);
  const byPerson = Map.groupBy(genuine, (pair) => labels[pair.i]);
  const duplicates = {
    originals: originals.length,
    copies: Object.fromEntries(
      Object.entries(copyCosines).map(([name, values]) => [
        name,
        roundAll(percentiles(values, [0, 1, 5, 50]), 4),
      ]),
    ),
    genuine: {
      pairs: genuine.length,
      people: byPerson.size,
      ...roundAll(
        percentiles(genuineCosines, [50, 95, 99, 99.9, 99.99, 100]),
        4,
      ),
    },
    cutoffs: [0.85, 0.9, 0.93, 0.95, 0.97, 0.98].map((cutoff) => {
      // The share of a person's genuine pairs at or above the cut-off,
      // averaged over people with two photos or more: one person with 530
      // photos would otherwise decide it.
      const perPerson = [...byPerson.values()].map((own) =>
        own.filter((pair) => pair.cosine >= cutoff).length / own.length
      );
      return {
        cutoff,
        caught: Object.fromEntries(
          Object.entries(copyCosines).map(([name, values]) => [
            name,
            round(values.filter((v) => v >= cutoff).length / values.length),
          ]),
        ),
        genuinePairsRefused: round(
          genuineCosines.filter((v) => v >= cutoff).length /
            genuineCosines.length,
          6,
        ),
        genuinePairsRefusedPerPerson: round(
          perPerson.reduce((sum, share) => sum + share, 0) / perPerson.length,
          6,
        ),
        peopleWithARefusedPair: perPerson.filter((share) => share > 0).length,
      };
    }),
    closestGenuinePairs: genuine.toSorted((x, y) => y.cosine - x.cosine)
      .slice(0, 10).map((pair) => ({
        a: basename(files[pair.i]),
        b: basename(files[pair.j]),
        cosine: round(pair.cosine),
      })),
  };

  await Deno.writeTextFile(
    RESULTS,
    JSON.stringify(
      {
        date: new Date().toISOString().slice(0, 10),
        pipeline: resolvePipeline(),
        thresholds: { accuracy: ACCEPT, far1e3: STRICT },
        images: analyses.length,
        noFace: analyses.length - found.length,
        impostorSample: IMPOSTOR_SAMPLE,
        distributions,
        faceCounts,
        gates,
        proposal,
        degraded,
        duplicates,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(JSON.stringify({ distributions, proposal }, null, 2));
} finally {
  await cache.close();
}
