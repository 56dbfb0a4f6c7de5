/**
 * The LFW View 2 protocol applied to a run's embeddings: 10-fold accuracy
 * and the threshold-free metrics over all pairs.
 *
 * @module
 */

import { relative } from "node:path";
import type { ImageEmbedding, Pair } from "./_lfw_types.ts";
import { scorePairs } from "./_lfw_pairs.ts";
import {
  areaUnderCurve,
  crossValidate,
  rocCurve,
  type RocPoint,
  tarAtFar,
} from "./_metrics.ts";
import { median } from "./_statistics.ts";

/**
 * LFW View 2 results of one pipeline, as written to `bench/results/lfw.json`.
 *
 * @example
 * ```ts
 * import type { Evaluation } from "./_evaluation.ts";
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
 * import { embedPairs } from "./_embeddings.ts";
 * import { evaluate } from "./_evaluation.ts";
 * import { lfwRoot } from "@facever/testing";
 * import { readPairs } from "./_lfw_pairs.ts";
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
