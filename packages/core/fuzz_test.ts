/**
 * Seeded mutations of one valid file per format (bits flipped, bytes
 * inserted, deleted, overwritten, the file cut; `formatSamples` and
 * `fuzzInputs` of @facever/testing): whatever the damage, decodeImage
 * returns an image or throws one of our typed errors, and returns.
 * Reproducible: the seed is fixed, the mutation printed on failure.
 * For a longer hunt: `FUZZ_MUTATIONS=20000 FUZZ_SEED=3 deno test ...`.
 */
import assert from "node:assert/strict";
import { formatSamples, fuzzInputs } from "@facever/testing";
import { outcome } from "./testdata/assertions.ts";

const MUTATIONS_PER_FORMAT = Number(Deno.env.get("FUZZ_MUTATIONS") ?? 520);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0);

const samples = await formatSamples();

Deno.test("fuzz: damaged files give typed errors and never hang", async (t) => {
  for (const sample of samples) {
    await t.step(
      `${sample.name} (${MUTATIONS_PER_FORMAT} mutations)`,
      async () => {
        assert.equal(
          await outcome(sample.bytes),
          "ok",
          `${sample.name} sample must decode`,
        );
        const counts: Record<string, number> = {};
        const start = performance.now();
        const plan = [{ ...sample, mutations: MUTATIONS_PER_FORMAT }];
        for (const { index, what, bytes } of fuzzInputs(plan, SEED)) {
          let code: string;
          try {
            code = await outcome(bytes);
          } catch (error) {
            throw new Error(
              `${sample.name}, mutation ${index} (${what}): ${error}`,
              { cause: error },
            );
          }
          counts[code] = (counts[code] ?? 0) + 1;
        }
        const ms = performance.now() - start;
        console.log(
          `${sample.name}: ${JSON.stringify(counts)} in ${ms.toFixed(0)} ms`,
        );
      },
    );
  }
});
