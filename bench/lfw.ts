/**
 * The LFW verification protocol: reading the pair lists, embedding their
 * images with the pipeline, and scoring similarities.
 *
 * The dataset is read where it lies (`LFW_DIR`, default
 * `../shared/datasets/lfw` beside the repository) and never copied.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cosineSimilarity } from "@facever/core";
import type { FaceEngine } from "@facever/model";

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

function imagePath(root: string, name: string, index: string): string {
  return join(
    root,
    "images_deepfunneled",
    name,
    `${name}_${index.padStart(4, "0")}.jpg`,
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
          a: imagePath(root, name, i1),
          b: imagePath(root, name, i2),
          same: true,
        });
      } else if (fields.length === 4) {
        const [name1, i1, name2, i2] = fields;
        pairs.push({
          a: imagePath(root, name1, i1),
          b: imagePath(root, name2, i2),
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
 * Embeds each distinct image of `pairs` with the face nearest the image
 * centre: LFW pairs are about the person in the middle, and some images hold
 * bystanders. An image without a face maps to `undefined` and is scored as
 * a failure, never dropped.
 *
 * @example
 * ```ts
 * import { FaceEngine } from "@facever/model";
 * import { embedPairs, lfwRoot, readPairs } from "./lfw.ts";
 * const [pairs] = await readPairs(lfwRoot()!, "pairsDevTest.txt");
 * const embeddings = await embedPairs(await FaceEngine.create(), pairs.slice(0, 2));
 * console.log(embeddings.size);
 * ```
 */
export async function embedPairs(
  engine: FaceEngine,
  pairs: readonly Pair[],
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, Float32Array | undefined>> {
  const files = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))];
  const embeddings = new Map<string, Float32Array | undefined>();
  for (const file of files) {
    try {
      const face = await engine.embedImage(await Deno.readFile(file), {
        pick: "central",
      });
      embeddings.set(file, face.embedding);
    } catch (error) {
      if ((error as { code?: string }).code !== "no_face") throw error;
      embeddings.set(file, undefined);
    }
    onProgress?.(embeddings.size, files.length);
  }
  return embeddings;
}

/**
 * Cosine similarity of each pair. A pair with a missing face scores -1 (the
 * lowest possible), so it counts as a non-match: wrong for same-person pairs.
 *
 * @example
 * ```ts
 * import { scorePairs } from "./lfw.ts";
 * const e = new Float32Array([1, 0]);
 * const scores = scorePairs([{ a: "x", b: "y", same: true }], new Map([["x", e], ["y", e]]));
 * console.log(scores[0]); // 1
 * ```
 */
export function scorePairs(
  pairs: readonly Pair[],
  embeddings: ReadonlyMap<string, Float32Array | undefined>,
): number[] {
  return pairs.map((pair) => {
    const a = embeddings.get(pair.a);
    const b = embeddings.get(pair.b);
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
