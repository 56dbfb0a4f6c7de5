/**
 * One query at a time, this checkout's index beside the index at another
 * git revision, in one process on the same faces, alternating query by
 * query — so that a change to the index is judged at equal machine load:
 *
 *     deno task bench:gallery-side-by-side [--rev 64ae482] [10000 100000]
 *
 * The revision's `packages/gallery` is written to
 * `.cache/gallery_side_by_side/<rev>/` (with `git show`) and imported from
 * there. Queries as in `gallery_speed.ts`: half random, half an enrolled
 * face plus noise; limit 1, threshold -1. Prints per size the median time
 * of each and the median of the per-query ratios (this checkout over the
 * revision); the answers must agree.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { FaceIndex } from "@facever/gallery/index";
import { unitVectors } from "@facever/testing";
import { median } from "./_statistics.ts";

const DIMS = 512;
const QUERIES = 100;

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { rev: { type: "string", default: "64ae482" } },
  allowPositionals: true,
});

/** The revision's gallery package, written under `.cache/`. */
async function checkout(rev: string): Promise<string> {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const dir = join(root, ".cache", "gallery_side_by_side", rev);
  const git = async (...args: string[]) => {
    const { success, stdout, stderr } = await new Deno.Command("git", {
      args,
      cwd: root,
    }).output();
    if (!success) throw new Error(new TextDecoder().decode(stderr));
    return new TextDecoder().decode(stdout);
  };
  const files =
    (await git("ls-tree", "-r", "--name-only", rev, "packages/gallery"))
      .split("\n").filter((f) => f.endsWith(".ts"));
  for (const file of files) {
    const to = join(dir, file.slice("packages/gallery/".length));
    await Deno.mkdir(join(to, ".."), { recursive: true });
    await Deno.writeTextFile(to, await git("show", `${rev}:${file}`));
  }
  return join(dir, "face_index.ts");
}

interface Index {
  add(faceId: string, subjectId: string, vector: Float32Array): void;
  search(query: Float64Array, limit: number, threshold: number): {
    faceId: string;
  }[];
}

function unit(vector: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] ** 2;
  const norm = Math.sqrt(sum);
  return Float64Array.from(vector, (v) => v / norm);
}

const path = await checkout(values.rev);
const { FaceIndex: Then } = await import(path) as {
  FaceIndex: new (dims: number) => Index;
};
const sizes = positionals.length > 0
  ? positionals.map(Number)
  : [10_000, 100_000];
for (const n of sizes) {
  const random = unitVectors(n, DIMS);
  const then: Index = new Then(DIMS), now: Index = new FaceIndex(DIMS);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const vector = random();
    vectors.push(vector);
    then.add(`face-${i}`, `subject-${i}`, vector);
    now.add(`face-${i}`, `subject-${i}`, vector);
  }
  const noise = unitVectors(1, DIMS);
  const queries = Array.from({ length: QUERIES }, (_, k) => {
    const direction = noise();
    if (k % 2 === 0) return unit(direction);
    const enrolled = vectors[(k * 7919) % n];
    return unit(direction.map((d, i) => enrolled[i] + 1.33 * d));
  });
  for (const query of queries.slice(0, 3)) {
    then.search(query, 1, -1);
    now.search(query, 1, -1);
  }
  const thenMs: number[] = [], nowMs: number[] = [], ratios: number[] = [];
  for (let round = 0; round < (n >= 1_000_000 ? 2 : 5); round++) {
    for (const query of queries) {
      let started = performance.now();
      const a = then.search(query, 1, -1);
      const t = performance.now() - started;
      started = performance.now();
      const b = now.search(query, 1, -1);
      const m = performance.now() - started;
      if (a[0].faceId !== b[0].faceId) throw new Error("the answers differ");
      thenMs.push(t);
      nowMs.push(m);
      ratios.push(m / t);
    }
  }
  const round = (x: number) => Math.round(1000 * x) / 1000;
  console.log(JSON.stringify({
    n,
    rev: values.rev,
    revMs: round(median(thenMs)),
    checkoutMs: round(median(nowMs)),
    medianRatio: round(median(ratios)),
    queries: ratios.length,
  }));
}
