/**
 * The people of an LFW pair list and every image of each: what the
 * operating points are calibrated on. LFW View 1 splits its people into a
 * training part (`pairsDevTrain.txt`) and a held-out part
 * (`pairsDevTest.txt`) that share no one, so all the images of the people
 * of one list give millions of cross-identity pairs that the other list
 * never sees.
 *
 * @module
 */

import { join } from "node:path";
import { lfwImagePath } from "@facever/testing";

/**
 * One person and the paths of all their images, in file order.
 *
 * @example
 * ```ts
 * import type { Identity } from "./_identities.ts";
 * const person: Identity = { name: "Aaron_Peirsol", files: ["a/1.jpg", "a/2.jpg"] };
 * console.log(person.files.length);
 * ```
 */
export interface Identity {
  readonly name: string;
  readonly files: readonly string[];
}

/**
 * The names of everyone a pair list mentions, sorted: both people of a
 * different-person line, the one person of a same-person line. The header
 * lines (a count, or a fold count and a count) name no one.
 *
 * @throws {SyntaxError} When a line holds neither 3 nor 4 fields.
 *
 * @example
 * ```ts
 * import { pairListNames } from "./_identities.ts";
 * console.log(pairListNames("1\nAl\t1\t2\nAl\t1\tBo\t3\n")); // ["Al", "Bo"]
 * ```
 */
export function pairListNames(text: string): string[] {
  const names = new Set<string>();
  const lines = text.trim().split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/);
    if (fields.length === 3) names.add(fields[0]);
    else if (fields.length === 4) names.add(fields[0]).add(fields[2]);
    else throw new SyntaxError(`line ${i + 1}: expected 3 or 4 fields`);
  }
  return [...names].sort();
}

/**
 * Every person of the pair list `file` under `root`, each with all their
 * images (`images_deepfunneled/<name>/<name>_NNNN.jpg`, numbered from 1),
 * not only those the list pairs.
 *
 * @throws {Deno.errors.NotFound} When a person's folder is missing.
 *
 * @example
 * ```ts
 * import { lfwRoot } from "@facever/testing";
 * import { readIdentities } from "./_identities.ts";
 * const people = await readIdentities(lfwRoot()!, "pairsDevTest.txt");
 * console.log(people.length);
 * ```
 */
export async function readIdentities(
  root: string,
  file: string,
): Promise<Identity[]> {
  const names = pairListNames(await Deno.readTextFile(join(root, file)));
  return await Promise.all(names.map((name) => readIdentity(root, name)));
}

/**
 * Every person of LFW under `root` (all 5,749), sorted by name, each with
 * all their images.
 *
 * @example
 * ```ts
 * import { lfwRoot } from "@facever/testing";
 * import { readAllIdentities } from "./_identities.ts";
 * const people = await readAllIdentities(lfwRoot()!);
 * console.log(people.reduce((sum, person) => sum + person.files.length, 0)); // 13233
 * ```
 */
export async function readAllIdentities(root: string): Promise<Identity[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(root, "images_deepfunneled"))) {
    if (entry.isDirectory) names.push(entry.name);
  }
  names.sort();
  return await Promise.all(names.map((name) => readIdentity(root, name)));
}

async function readIdentity(root: string, name: string): Promise<Identity> {
  let count = 0;
  for await (
    const entry of Deno.readDir(join(root, "images_deepfunneled", name))
  ) {
    if (entry.isFile && entry.name.endsWith(".jpg")) count++;
  }
  const files = Array.from(
    { length: count },
    (_, i) => lfwImagePath(root, name, i + 1),
  );
  return { name, files };
}
