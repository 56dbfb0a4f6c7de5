/**
 * The presentations the liveness benchmark scores, split into a
 * development set (which chooses the threshold and settles the crop and
 * channel order) and a held-out set (which reports):
 *
 * - **bona fide, development**: the LFW View 1 images (`pairsDevTrain.txt`,
 *   `pairsDevTest.txt`) that View 2 does not use (1,355);
 * - **bona fide, held out**: every View 2 image (`pairs.txt`, 7,701);
 * - **synthetic attacks**: one per development image, and one per image of
 *   a seeded sample of as many View 2 images, screen and print in turn,
 *   so that half the attacks are development and half held out;
 * - **the spoof samples**: ten labelled photos, a smoke test only.
 *
 * @module
 */

import { join } from "node:path";
import { uniform } from "@facever/testing";
import { readPairs } from "./_lfw_pairs.ts";
import { ATTACK_KINDS, type AttackKind } from "./_attacks.ts";

/**
 * What a presentation is, in ISO/IEC 30107-3 terms.
 *
 * @example
 * ```ts
 * import type { Truth } from "./_liveness_sets.ts";
 * const truth: Truth = "bona fide";
 * console.log(truth);
 * ```
 */
export type Truth = "bona fide" | "attack";

/**
 * One presentation to score.
 *
 * @example
 * ```ts
 * import type { Presentation } from "./_liveness_sets.ts";
 * const photo: Presentation = {
 *   id: "dev/bona-fide/Aaron_Peirsol_0001.jpg",
 *   set: "development",
 *   group: "LFW",
 *   truth: "bona fide",
 *   path: "/data/lfw/images_deepfunneled/Aaron_Peirsol/Aaron_Peirsol_0001.jpg",
 * };
 * console.log(photo.truth);
 * ```
 */
export interface Presentation {
  /** Unique, stable across runs: the cache's key. */
  readonly id: string;
  readonly set: "development" | "held-out" | "smoke";
  /** What the report lists it under: "LFW", "screen", "print", a sample folder. */
  readonly group: string;
  readonly truth: Truth;
  /** The photo: shown as it is, or turned into an attack. */
  readonly path: string;
  /** For a synthetic attack: its kind and the seed that makes it. */
  readonly attack?: { readonly kind: AttackKind; readonly seed: number };
}

/** The images a pair list uses, in the order they first appear. */
async function imagesOf(root: string, file: string): Promise<string[]> {
  const folds = await readPairs(root, file);
  return [...new Set(folds.flat().flatMap((pair) => [pair.a, pair.b]))];
}

/**
 * `count` items of `items`, chosen by a seeded shuffle.
 *
 * @example
 * ```ts
 * import { sample } from "./_liveness_sets.ts";
 * console.log(sample([1, 2, 3, 4, 5], 2, 7).length); // 2
 * ```
 */
export function sample<T>(
  items: readonly T[],
  count: number,
  seed: number,
): T[] {
  const random = uniform(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, count);
}

/**
 * Synthetic attacks from `paths`, screen and print in turn, each with its
 * own seed.
 *
 * @example
 * ```ts
 * import { attacksOf } from "./_liveness_sets.ts";
 * const [first, second] = attacksOf(["a.jpg", "b.jpg"], "development", 100);
 * console.log(first.attack, second.attack);
 * // { kind: "screen", seed: 100 } { kind: "print", seed: 101 }
 * ```
 */
export function attacksOf(
  paths: readonly string[],
  set: Presentation["set"],
  firstSeed: number,
): Presentation[] {
  return paths.map((path, i) => {
    const kind = ATTACK_KINDS[i % ATTACK_KINDS.length];
    return {
      id: `${set}/${kind}/${i}`,
      set,
      group: kind,
      truth: "attack",
      path,
      attack: { kind, seed: firstSeed + i },
    };
  });
}

/** Seeds of the development and held-out attacks: disjoint ranges. */
const DEV_SEEDS = 1_000_000, HELD_OUT_SEEDS = 2_000_000;
/** The seed of the sample of View 2 images the held-out attacks are made from. */
const HELD_OUT_SAMPLE_SEED = 30107;

/**
 * The LFW presentations: bona fide photos and synthetic attacks, for
 * development and held out.
 *
 * @example
 * ```ts
 * import { lfwRoot } from "@facever/testing";
 * import { lfwPresentations } from "./_liveness_sets.ts";
 * const all = await lfwPresentations(lfwRoot()!);
 * console.log(all.filter((p) => p.set === "held-out" && p.truth === "bona fide").length); // 7701
 * ```
 */
export async function lfwPresentations(root: string): Promise<Presentation[]> {
  const viewTwo = await imagesOf(root, "pairs.txt");
  const used = new Set(viewTwo);
  const viewOne = [
    ...await imagesOf(root, "pairsDevTrain.txt"),
    ...await imagesOf(root, "pairsDevTest.txt"),
  ];
  const development = [...new Set(viewOne)].filter((path) => !used.has(path));
  const bonaFide = (paths: readonly string[], set: Presentation["set"]) =>
    paths.map((path): Presentation => ({
      id: `${set}/bona-fide/${path.slice(root.length)}`,
      set,
      group: "LFW",
      truth: "bona fide",
      path,
    }));
  return [
    ...bonaFide(development, "development"),
    ...attacksOf(development, "development", DEV_SEEDS),
    ...bonaFide(viewTwo, "held-out"),
    ...attacksOf(
      sample(viewTwo, development.length, HELD_OUT_SAMPLE_SEED),
      "held-out",
      HELD_OUT_SEEDS,
    ),
  ];
}

/**
 * The labelled spoof samples in `dir` (`README.md` there): live photos
 * named `image_T*` or `true_*`, attacks `image_F*` or `fake_*`.
 *
 * @example
 * ```ts
 * import { samplePresentations } from "./_liveness_sets.ts";
 * const samples = samplePresentations("../shared/datasets/spoof-samples");
 * console.log(samples.length); // 10
 * ```
 */
export function samplePresentations(dir: string): Presentation[] {
  const found: Presentation[] = [];
  for (const folder of [...Deno.readDirSync(dir)].sort(byName)) {
    if (!folder.isDirectory) continue;
    for (
      const file of [...Deno.readDirSync(join(dir, folder.name))].sort(byName)
    ) {
      const truth: Truth | undefined = /^(image_T|true_)/.test(file.name)
        ? "bona fide"
        : /^(image_F|fake_)/.test(file.name)
        ? "attack"
        : undefined;
      if (!truth) continue;
      found.push({
        id: `smoke/${folder.name}/${file.name}`,
        set: "smoke",
        group: folder.name,
        truth,
        path: join(dir, folder.name, file.name),
      });
    }
  }
  return found;
}

function byName(a: Deno.DirEntry, b: Deno.DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
