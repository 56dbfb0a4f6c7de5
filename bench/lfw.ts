/**
 * The LFW verification protocol: reading the pair lists, embedding their
 * images with the pipeline (on one worker per core, with a disk cache), and
 * the metrics: accuracy under 10-fold cross-validation, TAR at FAR, AUC and
 * the ROC curve.
 *
 * The dataset is read where it lies (`LFW_DIR`, default
 * `../shared/datasets/lfw` beside the repository) and never copied.
 *
 * @module
 */

import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChannelOrder, cosineSimilarity, FaceError } from "@facever/core";
import {
  type Backend,
  DEFAULT_CHANNEL_ORDER,
  type FacePick,
  FacePool,
} from "@facever/model";
import { cacheKey, EmbeddingCache } from "./_cache.ts";

/** One LFW pair: two image paths and whether they show the same person. */
export interface Pair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

/**
 * The LFW root directory, or `undefined` when it is absent (callers then
 * skip and say why).
 *
 * @example
 * ```ts
 * import { lfwRoot } from "./lfw.ts";
 * console.log(lfwRoot() ?? "LFW not found");
 * ```
 */
export function lfwRoot(): string | undefined {
  const root = Deno.env.get("LFW_DIR") ??
    fileURLToPath(new URL("../../shared/datasets/lfw", import.meta.url));
  try {
    return Deno.statSync(join(root, "pairs.txt")).isFile ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The path of one LFW image: `index` is the person's photo number as the
 * pair lists give it (1-based).
 *
 * @example
 * ```ts
 * import { lfwImagePath } from "./lfw.ts";
 * console.log(lfwImagePath("/data/lfw", "Aaron_Peirsol", 2));
 * // /data/lfw/images_deepfunneled/Aaron_Peirsol/Aaron_Peirsol_0002.jpg
 * ```
 */
export function lfwImagePath(
  root: string,
  name: string,
  index: number | string,
): string {
  return join(
    root,
    "images_deepfunneled",
    name,
    `${name}_${String(index).padStart(4, "0")}.jpg`,
  );
}

/**
 * Reads a pair list as folds of pairs: View 2 `pairs.txt` gives 10 folds of
 * 600, the View 1 files (`pairsDevTrain.txt`, `pairsDevTest.txt`) one fold.
 *
 * @example
 * ```ts
 * import { lfwRoot, readPairs } from "./lfw.ts";
 * const folds = await readPairs(lfwRoot()!, "pairs.txt");
 * console.log(folds.length); // 10
 * ```
 */
export async function readPairs(root: string, file: string): Promise<Pair[][]> {
  const lines = (await Deno.readTextFile(join(root, file))).trim().split(
    /\r?\n/,
  );
  const header = lines[0].trim().split(/\s+/).map(Number);
  const [folds, perClass] = header.length === 2 ? header : [1, header[0]];
  const result: Pair[][] = [];
  let line = 1;
  for (let fold = 0; fold < folds; fold++) {
    const pairs: Pair[] = [];
    for (let i = 0; i < 2 * perClass; i++, line++) {
      const fields = lines[line]?.trim().split(/\s+/) ?? [];
      if (fields.length === 3) {
        const [name, i1, i2] = fields;
        pairs.push({
          a: lfwImagePath(root, name, i1),
          b: lfwImagePath(root, name, i2),
          same: true,
        });
      } else if (fields.length === 4) {
        const [name1, i1, name2, i2] = fields;
        pairs.push({
          a: lfwImagePath(root, name1, i1),
          b: lfwImagePath(root, name2, i2),
          same: false,
        });
      } else {
        throw new SyntaxError(`${file}:${line + 1}: expected 3 or 4 fields`);
      }
    }
    result.push(pairs);
  }
  return result;
}

/**
 * Pipeline choices that change embeddings, for {@linkcode embedPairs}.
 *
 * @example
 * ```ts
 * import type { PipelineOptions } from "./lfw.ts";
 * const flipTest: PipelineOptions = { mirror: true };
 * console.log(flipTest);
 * ```
 */
export interface PipelineOptions {
  /** Channel order fed to the embedder; default the model's own (BGR). */
  readonly channelOrder?: ChannelOrder;
  /** Average each face's embedding with its mirror image's; default false. */
  readonly mirror?: boolean;
  /**
   * Which face of an image to use. Default `"central"`: LFW pairs are about
   * the person in the middle, and some images hold bystanders.
   */
  readonly pick?: FacePick;
}

/**
 * What the pipeline made of one image.
 *
 * @example
 * ```ts
 * import type { ImageEmbedding } from "./lfw.ts";
 * const noFace: ImageEmbedding = { embedding: undefined, ms: 38.5 };
 * console.log(noFace.embedding === undefined); // true
 * ```
 */
export interface ImageEmbedding {
  /** The unit-length embedding, or `undefined` when no face was found. */
  readonly embedding: Float32Array | undefined;
  /**
   * Milliseconds from handing the file's bytes to the pool to the
   * embedding (decode, detect, align, embed and the round trip to the
   * worker), with every worker busy.
   */
  readonly ms: number;
}

/**
 * Options of {@linkcode embedPairs}.
 *
 * @example
 * ```ts
 * import type { EmbedOptions } from "./lfw.ts";
 * const options: EmbedOptions = { workers: 2, cache: true };
 * console.log(options);
 * ```
 */
export interface EmbedOptions {
  /** The pipeline's choices; see {@linkcode PipelineOptions}. */
  readonly pipeline?: PipelineOptions;
  /** Workers of the `FacePool`, each with its own models; default one per core. */
  readonly workers?: number;
  /**
   * The ONNX Runtime of the workers (see `Backend`); default `"auto"`.
   * Backends agree on embeddings within 1e-5, so the cache is shared.
   */
  readonly backend?: Backend;
  /**
   * Read and extend the embedding cache in `.cache/lfw-embeddings/`, keyed
   * by the models' sha256, the pipeline options and the image path (delete
   * it after changing how the pipeline computes). Default false.
   */
  readonly cache?: boolean;
  /**
   * Called before the first image and after each image embedded now (not
   * for those from the cache) with the count done and the count to do.
   */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Every option of `pipeline` with its default filled in.
 *
 * @example
 * ```ts
 * import { resolvePipeline } from "./lfw.ts";
 * console.log(resolvePipeline({ mirror: true }));
 * // { channelOrder: "bgr", mirror: true, pick: "central" }
 * ```
 */
export function resolvePipeline(
  pipeline: PipelineOptions = {},
): Required<PipelineOptions> {
  return {
    channelOrder: pipeline.channelOrder ?? DEFAULT_CHANNEL_ORDER,
    mirror: pipeline.mirror ?? false,
    pick: pipeline.pick ?? "central",
  };
}

/**
 * The pipeline failed on an image for a reason other than "no face": the
 * benchmark stops rather than score a broken run.
 *
 * @example
 * ```ts
 * import { EmbedError } from "./lfw.ts";
 * const error = new EmbedError("a.jpg", new Error("truncated"));
 * console.log(error.message); // "cannot embed a.jpg: truncated"
 * ```
 */
export class EmbedError extends Error {
  override name = "EmbedError";
  /** The image that failed. */
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`cannot embed ${file}: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
    this.file = file;
  }
}

/**
 * Embeds each distinct image of `pairs` on a {@linkcode FacePool}, one
 * worker per core by default. An image without a face maps to an
 * `undefined` embedding and is scored as a failure, never dropped; any
 * other failure rejects with an {@linkcode EmbedError}.
 *
 * @example
 * ```ts
 * import { embedPairs, lfwRoot, readPairs } from "./lfw.ts";
 * const [pairs] = await readPairs(lfwRoot()!, "pairsDevTest.txt");
 * const embeddings = await embedPairs(pairs.slice(0, 2));
 * console.log(embeddings.size);
 * ```
 */
export async function embedPairs(
  pairs: readonly Pair[],
  options: EmbedOptions = {},
): Promise<Map<string, ImageEmbedding>> {
  const pipeline = resolvePipeline(options.pipeline);
  const files = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))];
  const cache = options.cache
    ? await EmbeddingCache.open(await cacheKey({ ...pipeline }))
    : undefined;
  const results = new Map<string, ImageEmbedding>();
  const missing: string[] = [];
  for (const file of files) {
    const cached = cache?.get(file);
    if (cached) results.set(file, cached);
    else missing.push(file);
  }
  let done = 0;
  options.onProgress?.(0, missing.length);
  try {
    if (missing.length > 0) {
      await embedFiles(missing, pipeline, options, (file, result) => {
        results.set(file, result);
        cache?.put(file, result);
        options.onProgress?.(++done, missing.length);
      });
    }
  } finally {
    await cache?.close();
  }
  // In the order of `pairs`, whatever order the workers finished in.
  return new Map(files.map((file) => [file, results.get(file)!]));
}

async function embedFiles(
  files: readonly string[],
  pipeline: Required<PipelineOptions>,
  options: EmbedOptions,
  onResult: (file: string, result: ImageEmbedding) => void,
): Promise<void> {
  await using pool = await FacePool.create({
    workers: options.workers,
    backend: options.backend,
    embedder: { channelOrder: pipeline.channelOrder, mirror: pipeline.mirror },
  });
  let next = 0;
  // One call in flight per worker, so that a call never waits behind
  // another and its time is the pipeline's.
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++];
      const bytes = await Deno.readFile(file);
      const started = performance.now();
      let embedding: Float32Array | undefined;
      try {
        embedding = (await pool.embedImage(bytes, { pick: pipeline.pick }))
          .embedding;
      } catch (error) {
        if (!(error instanceof FaceError && error.code === "no_face")) {
          next = files.length;
          throw new EmbedError(file, error);
        }
      }
      onResult(file, { embedding, ms: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: pool.workers }, lane));
}

/**
 * Cosine similarity of each pair. A pair with a missing face scores -1 (the
 * lowest possible), so it counts as a non-match: wrong for same-person pairs.
 *
 * @example
 * ```ts
 * import { scorePairs } from "./lfw.ts";
 * const face = { embedding: new Float32Array([1, 0]) };
 * const scores = scorePairs([{ a: "x", b: "y", same: true }], new Map([["x", face], ["y", face]]));
 * console.log(scores[0]); // 1
 * ```
 */
export function scorePairs(
  pairs: readonly Pair[],
  embeddings: ReadonlyMap<string, Pick<ImageEmbedding, "embedding">>,
): number[] {
  return pairs.map((pair) => {
    const a = embeddings.get(pair.a)?.embedding;
    const b = embeddings.get(pair.b)?.embedding;
    return a && b ? cosineSimilarity(a, b) : -1;
  });
}

/**
 * Fraction of pairs decided right at `threshold` (match when score ≥ it).
 *
 * @example
 * ```ts
 * import { accuracy } from "./lfw.ts";
 * console.log(accuracy([0.9, 0.1], [true, false], 0.5)); // 1
 * ```
 */
export function accuracy(
  scores: readonly number[],
  same: readonly boolean[],
  threshold: number,
): number {
  let right = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((scores[i] >= threshold) === same[i]) right++;
  }
  return right / scores.length;
}

/**
 * The threshold that maximises accuracy on the given pairs: the midpoint
 * between neighbouring sorted scores, so it does not sit on a training score.
 *
 * @example
 * ```ts
 * import { bestThreshold } from "./lfw.ts";
 * console.log(bestThreshold([0.9, 0.8, 0.2, 0.1], [true, true, false, false])); // 0.5
 * ```
 */
export function bestThreshold(
  scores: readonly number[],
  same: readonly boolean[],
): number {
  const order = scores.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
  // Threshold below everything: every pair is called a match.
  let right = same.filter(Boolean).length;
  let best = right;
  let threshold = scores[order[0]] - 1e-6;
  for (let k = 0; k < order.length; k++) {
    // Moving the threshold above order[k] turns that pair into a non-match.
    right += same[order[k]] ? -1 : 1;
    const next = k + 1 < order.length
      ? scores[order[k + 1]]
      : scores[order[k]] + 2e-6;
    if (right > best && next > scores[order[k]]) {
      best = right;
      threshold = (scores[order[k]] + next) / 2;
    }
  }
  return threshold;
}

/**
 * False accept rate (different-person pairs called a match) and true accept
 * rate (same-person pairs called a match) at `threshold`.
 *
 * @example
 * ```ts
 * import { rates } from "./lfw.ts";
 * console.log(rates([0.9, 0.6, 0.1], [true, false, false], 0.5)); // { far: 0.5, tar: 1 }
 * ```
 */
export function rates(
  scores: readonly number[],
  same: readonly boolean[],
  threshold: number,
): { far: number; tar: number } {
  let accepted = 0, positives = 0, falseAccepted = 0, negatives = 0;
  for (let i = 0; i < scores.length; i++) {
    const match = scores[i] >= threshold;
    if (same[i]) {
      positives++;
      if (match) accepted++;
    } else {
      negatives++;
      if (match) falseAccepted++;
    }
  }
  return { far: falseAccepted / negatives, tar: accepted / positives };
}

/**
 * Area under the ROC curve: the chance that a random same-person pair
 * scores above a random different-person pair (ties count half). It needs
 * no threshold, so it compares pipelines without tuning one.
 *
 * @example
 * ```ts
 * import { areaUnderCurve } from "./lfw.ts";
 * console.log(areaUnderCurve([0.9, 0.2, 0.5], [true, false, false])); // 1
 * ```
 */
export function areaUnderCurve(
  scores: readonly number[],
  same: readonly boolean[],
): number {
  const order = scores.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
  let rankSum = 0, positives = 0;
  for (let k = 0; k < order.length;) {
    let end = k;
    while (
      end + 1 < order.length && scores[order[end + 1]] === scores[order[k]]
    ) end++;
    const rank = (k + end) / 2 + 1; // mean 1-based rank of the tied run
    for (let m = k; m <= end; m++) {
      if (same[order[m]]) {
        rankSum += rank;
        positives++;
      }
    }
    k = end + 1;
  }
  const negatives = order.length - positives;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

/**
 * True accept rate at the lowest threshold whose false accept rate does not
 * exceed `far`.
 *
 * @example
 * ```ts
 * import { tarAtFar } from "./lfw.ts";
 * console.log(tarAtFar([0.9, 0.8, 0.7, 0.1], [true, false, true, false], 0.5)); // 1
 * ```
 */
export function tarAtFar(
  scores: readonly number[],
  same: readonly boolean[],
  far: number,
): number {
  const negatives = scores.filter((_, i) => !same[i]).sort((a, b) => b - a);
  const allowed = Math.floor(far * negatives.length);
  // Accept strictly above the (allowed+1)-th highest impostor score.
  const threshold = allowed < negatives.length ? negatives[allowed] : -Infinity;
  const positives = scores.filter((_, i) => same[i]);
  return positives.filter((s) => s > threshold).length / positives.length;
}

/**
 * Scores and labels of one fold of pairs.
 *
 * @example
 * ```ts
 * import type { ScoredFold } from "./lfw.ts";
 * const fold: ScoredFold = { scores: [0.7, 0.1], same: [true, false] };
 * console.log(fold.scores.length);
 * ```
 */
export interface ScoredFold {
  readonly scores: readonly number[];
  readonly same: readonly boolean[];
}

/**
 * The result of {@linkcode crossValidate}.
 *
 * @example
 * ```ts
 * import type { CrossValidation } from "./lfw.ts";
 * const result: CrossValidation = { accuracies: [1, 0.5], thresholds: [0.3, 0.2], mean: 0.75, std: 0.25 };
 * console.log(result.mean);
 * ```
 */
export interface CrossValidation {
  /** Each fold's accuracy at the threshold chosen on the other folds. */
  readonly accuracies: number[];
  /** The threshold each fold was measured at. */
  readonly thresholds: number[];
  /** Mean of `accuracies`. */
  readonly mean: number;
  /**
   * Standard deviation of `accuracies` over the folds (population form,
   * dividing by the fold count, as LFW results are usually reported).
   */
  readonly std: number;
}

/**
 * The LFW View 2 protocol: for each fold, the accuracy-maximising threshold
 * is chosen on all the other folds and the accuracy measured on this one.
 *
 * @throws {RangeError} With fewer than two folds.
 *
 * @example
 * ```ts
 * import { crossValidate } from "./lfw.ts";
 * const fold = { scores: [0.9, 0.1], same: [true, false] };
 * console.log(crossValidate([fold, fold, fold]).mean); // 1
 * ```
 */
export function crossValidate(folds: readonly ScoredFold[]): CrossValidation {
  if (folds.length < 2) {
    throw new RangeError(
      `cross-validation needs at least 2 folds, got ${folds.length}`,
    );
  }
  const thresholds = folds.map((_, k) => {
    const others = folds.filter((_, j) => j !== k);
    return bestThreshold(
      others.flatMap((fold) => fold.scores),
      others.flatMap((fold) => fold.same),
    );
  });
  const accuracies = folds.map((fold, k) =>
    accuracy(fold.scores, fold.same, thresholds[k])
  );
  const mean = accuracies.reduce((sum, a) => sum + a, 0) / folds.length;
  const variance = accuracies.reduce((sum, a) => sum + (a - mean) ** 2, 0) /
    folds.length;
  return { accuracies, thresholds, mean, std: Math.sqrt(variance) };
}

/**
 * One point of an ROC curve.
 *
 * @example
 * ```ts
 * import type { RocPoint } from "./lfw.ts";
 * const point: RocPoint = { threshold: 0.33, far: 0.001, tar: 0.987 };
 * console.log(point.tar);
 * ```
 */
export interface RocPoint {
  /** Pairs scoring at least this are accepted. */
  readonly threshold: number;
  /** False accept rate at `threshold`. */
  readonly far: number;
  /** True accept rate at `threshold`. */
  readonly tar: number;
}

/**
 * The ROC curve: one point per distinct score, from the highest threshold
 * (FAR 0, TAR 0) down to the lowest (FAR 1, TAR 1).
 *
 * @example
 * ```ts
 * import { rocCurve } from "./lfw.ts";
 * console.log(rocCurve([0.9, 0.5, 0.1], [true, false, true]).map((p) => [p.far, p.tar]));
 * // [[0, 0], [0, 0.5], [1, 0.5], [1, 1]]
 * ```
 */
export function rocCurve(
  scores: readonly number[],
  same: readonly boolean[],
): RocPoint[] {
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const positives = same.filter(Boolean).length;
  const negatives = same.length - positives;
  const curve: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let accepted = 0, falseAccepted = 0;
  for (let k = 0; k < order.length; k++) {
    if (same[order[k]]) accepted++;
    else falseAccepted++;
    // Tied scores are accepted together: emit once after the last of them.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) {
      continue;
    }
    curve.push({
      threshold: scores[order[k]],
      far: falseAccepted / negatives,
      tar: accepted / positives,
    });
  }
  return curve;
}

/**
 * LFW View 2 results of one pipeline, as written to `bench/results/lfw.json`.
 *
 * @example
 * ```ts
 * import type { Evaluation } from "./lfw.ts";
 * function summary(result: Evaluation): string {
 *   return `${(result.accuracy.mean * 100).toFixed(2)} % ± ${(result.accuracy.std * 100).toFixed(2)}`;
 * }
 * ```
 */
export interface Evaluation {
  /** 10-fold accuracy: mean, standard deviation and each fold's. */
  readonly accuracy: {
    readonly mean: number;
    readonly std: number;
    readonly folds: number[];
  };
  /** The threshold each fold was measured at, chosen on the other nine. */
  readonly thresholds: number[];
  /** TAR at FAR 1e-3 and 1e-2, over all pairs. */
  readonly tarAtFar: { readonly "1e-3": number; readonly "1e-2": number };
  /** Area under the ROC curve, over all pairs. */
  readonly auc: number;
  /** Images, relative to the LFW root, where no face was found. */
  readonly noFace: string[];
  /** Pairs and distinct images scored. */
  readonly pairs: number;
  readonly images: number;
  /** Median milliseconds per image, every worker busy (see {@linkcode ImageEmbedding}). */
  readonly msPerImage: number;
}

/**
 * Scores every fold of View 2 with `embeddings` and applies the protocol:
 * {@linkcode crossValidate} for accuracy, and the threshold-free metrics over
 * all pairs. Also returns the ROC curve, for plotting.
 *
 * @example
 * ```ts
 * import { embedPairs, evaluate, lfwRoot, readPairs } from "./lfw.ts";
 * const root = lfwRoot()!;
 * const folds = await readPairs(root, "pairs.txt");
 * const embeddings = await embedPairs(folds.flat(), { cache: true });
 * const { evaluation } = evaluate(root, folds, embeddings);
 * console.log(evaluation.accuracy.mean);
 * ```
 */
export function evaluate(
  root: string,
  folds: readonly (readonly Pair[])[],
  embeddings: ReadonlyMap<string, ImageEmbedding>,
): { evaluation: Evaluation; roc: RocPoint[] } {
  const scored = folds.map((pairs) => ({
    scores: scorePairs(pairs, embeddings),
    same: pairs.map((pair) => pair.same),
  }));
  const scores = scored.flatMap((fold) => fold.scores);
  const same = scored.flatMap((fold) => fold.same);
  const { accuracies, thresholds, mean, std } = crossValidate(scored);
  const files = [...embeddings.keys()];
  const times = [...embeddings.values()].map(({ ms }) => ms);
  return {
    evaluation: {
      accuracy: { mean, std, folds: accuracies },
      thresholds,
      tarAtFar: {
        "1e-3": tarAtFar(scores, same, 1e-3),
        "1e-2": tarAtFar(scores, same, 1e-2),
      },
      auc: areaUnderCurve(scores, same),
      noFace: files.filter((file) => !embeddings.get(file)!.embedding)
        .map((file) => relative(root, file)),
      pairs: scores.length,
      images: files.length,
      msPerImage: median(times),
    },
    roc: rocCurve(scores, same),
  };
}

/**
 * The middle value (the mean of the two middle ones for an even count).
 *
 * @throws {RangeError} For an empty list.
 *
 * @example
 * ```ts
 * import { median } from "./lfw.ts";
 * console.log(median([3, 1, 2, 10])); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError("the median of an empty list is undefined");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
