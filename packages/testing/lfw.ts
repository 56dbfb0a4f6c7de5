/**
 * Where the LFW dataset lies, for tests and benchmarks that run the real
 * models on real faces. The dataset is read where it lies (`LFW_DIR`,
 * default `../shared/datasets/lfw` beside the repository), never copied.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Why tests on real faces are skipped when {@linkcode lfwRoot} finds no
 * dataset: printed by every such test, so a skip is never silent.
 *
 * @example
 * ```ts
 * import { LFW_MISSING } from "@facever/testing";
 * console.log(LFW_MISSING);
 * ```
 */
export const LFW_MISSING =
  "LFW not found (set LFW_DIR or place it at ../shared/datasets/lfw)";

/**
 * The LFW root directory, or `undefined` when it is absent (callers then
 * skip and say why, with {@linkcode LFW_MISSING}).
 *
 * @example
 * ```ts
 * import { lfwRoot } from "@facever/testing";
 * console.log(lfwRoot() ?? "LFW not found");
 * ```
 */
export function lfwRoot(): string | undefined {
  const root = Deno.env.get("LFW_DIR") ??
    fileURLToPath(new URL("../../../shared/datasets/lfw", import.meta.url));
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
 * import { lfwImagePath } from "@facever/testing";
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
