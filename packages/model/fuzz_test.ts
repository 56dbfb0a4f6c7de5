/**
 * Damaged images through the whole pipeline: seeded mutations of one valid
 * file per format (`formatSamples` of @facever/testing, as the decoder's
 * fuzz test makes them) and of a real LFW photo, each through
 * `FaceEngine.analyze` and `FaceEngine.embedImage` on the wasm backend.
 * Only our typed errors may come out, every input must return within its
 * deadline, valid samples must give their first result again between
 * damaged ones, and the process's resident memory must stay within the
 * decode budget over what the models and decoders hold.
 *
 * The inputs run in a subprocess (this file under `deno run`) that a
 * supervisor in the test watches (`runFuzz`): a decoder that loops forever
 * in wasm blocks every timer of its own process. For a longer hunt:
 * `FUZZ_MUTATIONS=400 FUZZ_SEED=3 deno task test packages/model/fuzz_test.ts`,
 * or `deno task fuzz:images`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DECODE_BYTES_PER_PIXEL, decodeImage, FaceError } from "@facever/core";
import { FaceEngine } from "@facever/model";
import {
  facePipeline,
  formatSamples,
  FUZZ_BUGS,
  type FuzzPlanEntry,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  runFuzz,
  runFuzzChild,
} from "@facever/testing";

/**
 * The decode limit of the fuzzed engine, as in `deno task fuzz:images`:
 * 2048 x 2048 holds every sample here (the photo is 250 x 250) and a
 * 1920 x 1080 frame there, with room for headers that mutations enlarge;
 * the memory bound below is one decode at this limit.
 */
const MAX_PIXELS = 2048 * 2048;
const MUTATIONS = Number(Deno.env.get("FUZZ_MUTATIONS") ?? 35);
/** The stored photo is the sample most like real input: it gets more. */
const PHOTO_MUTATIONS = 2 * MUTATIONS;
/** The photo in every other format: a few each, as decodes with a face cost most. */
const PHOTO_FORMAT_MUTATIONS = Math.ceil(MUTATIONS / 6);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0);
/** Per input; a 250 x 250 photo takes about 0.2 s on a busy machine. */
const TIMEOUT_MS = 15_000;

const codeOf = (error: unknown) =>
  error instanceof FaceError ? error.code : undefined;

if (import.meta.main) {
  const engine = await FaceEngine.create({
    backend: "wasm",
    maxPixels: MAX_PIXELS,
  });
  await runFuzzChild(facePipeline(engine, codeOf));
} else {
  Deno.test({
    name: "fuzz: damaged images through decode, detect and embed",
    // The child process is awaited by runFuzz; its streams close with it.
    sanitizeResources: false,
    fn: async () => {
      const plan: FuzzPlanEntry[] = (await formatSamples()).map((sample) => ({
        ...sample,
        mutations: MUTATIONS,
      }));
      const root = lfwRoot();
      if (root) {
        const photo = await Deno.readFile(
          lfwImagePath(root, "Aaron_Peirsol", 1),
        );
        plan.push({
          name: "LFW photo (jpeg)",
          bytes: photo,
          mutations: PHOTO_MUTATIONS,
        });
        // The HEIC of every set is the synthetic one: no encoder here.
        for (const sample of await formatSamples(await decodeImage(photo))) {
          if (sample.name === "heic") continue;
          plan.push({
            name: `LFW photo as ${sample.name}`,
            bytes: sample.bytes,
            mutations: PHOTO_FORMAT_MUTATIONS,
          });
        }
      } else {
        console.log(`no LFW photo among the samples: ${LFW_MISSING}`);
      }
      const report = await runFuzz({
        // All: Deno lets only --allow-all read /proc, where the exact
        // peak (VmHWM) is; the child reads only its samples and models.
        command: [
          Deno.execPath(),
          "run",
          "--allow-all",
          fileURLToPath(import.meta.url),
        ],
        plan,
        seed: SEED,
        timeoutMs: TIMEOUT_MS,
      });
      const budget = Math.max(...Object.values(DECODE_BYTES_PER_PIXEL)) *
        MAX_PIXELS;
      // The sampled peak misses what a synchronous wasm call holds; the
      // high-water mark (where readable) does not.
      const peak = Math.max(report.peakRss, report.highWaterMark ?? 0);
      const growth = peak - report.warmRss;
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `${report.inputs} inputs in ${
          (report.ms / 1000).toFixed(1)
        } s, ${report.rechecks} rechecks; rss after warm-up ${
          mib(report.warmRss)
        }, peak ${mib(report.peakRss)} sampled, ${
          report.highWaterMark === undefined
            ? "no VmHWM"
            : `${mib(report.highWaterMark)} VmHWM`
        } (+${mib(growth)}, bound +${mib(budget)})`,
      );
      for (const [sample, counts] of Object.entries(report.counts)) {
        console.log(`  ${sample}: ${JSON.stringify(counts)}`);
      }
      if (root) {
        assert.equal(report.samples["LFW photo (jpeg)"].outcome, "faces");
      }
      assert.deepEqual(
        report.bugs.map((bug) =>
          `${bug.outcome}: ${bug.sample}, input ${bug.index} (${bug.what}): ${bug.detail}`
        ),
        [],
      );
      assert.ok(
        Object.values(report.counts).every((counts) =>
          FUZZ_BUGS.every((bug) => !(bug in counts))
        ),
      );
      // The bound: one decode's budget (DECODE_BYTES_PER_PIXEL x the
      // largest image the engine decodes) over the child's resident size
      // after its warm-up, which holds the models, every decoder and their
      // heaps grown by the valid samples. Detection works on the decoded
      // image and smaller copies of it, within what its decode used.
      assert.ok(
        growth <= budget,
        `peak ${mib(peak)} is ${mib(growth)} over the ${
          mib(report.warmRss)
        } after warm-up; the bound is ${mib(budget)}`,
      );
    },
  });
}
