/**
 * The LFW pair lists: reading them, and scoring each pair from the
 * embeddings of its two images.
 *
 * @module
 */

import { join } from "node:path";
import { cosineSimilarity } from "@facever/core";
import { lfwImagePath } from "@facever/testing";
import type { ImageEmbedding, Pair } from "./_lfw_types.ts";

/**
 * Reads a pair list as folds of pairs: View 2 `pairs.txt` gives 10 folds of
 * 600, the View 1 files (`pairsDevTrain.txt`, `pairsDevTest.txt`) one fold.
 *
 * @example
 * ```ts
 * import { lfwRoot } from "@facever/testing";
 * import { readPairs } from "./_lfw_pairs.ts";
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
 * Cosine similarity of each pair. A pair with a missing face scores -1 (the
 * lowest possible), so it counts as a non-match: wrong for same-person pairs.
 *
 * @example
 * ```ts
 * import { scorePairs } from "./_lfw_pairs.ts";
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
