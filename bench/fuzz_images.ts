/**
 * Damaged images through the whole pipeline, at scale: at least 10,000
 * seeded mutations (bits flipped, bytes inserted, deleted, overwritten,
 * duplicated, the file cut) of one valid file per format and variant made
 * from three pictures — a 32 × 32 synthetic one, an LFW photo and a
 * 1920 × 1080 frame of LFW faces on a textured background — and of ten
 * LFW photos as the dataset stores them. Each input goes through
 * `FaceEngine.analyze` and `FaceEngine.embedImage` in a child process whose
 * resident memory is measured (`Deno.memoryUsage().rss` sampled, and
 * Linux's VmHWM; `runFuzz` of `@facever/testing`), under a per-input
 * deadline. Prints the outcomes by sample (decoded with faces,
 * decoded without, each error code, untyped errors, timeouts, …), the
 * memory and the bugs, each input that found one saved for replaying;
 * exits 1 when there was any bug, or when the child's peak went more than
 * one decode's budget at `--max-pixels` over what it held after its
 * warm-up.
 *
 * ```sh
 * deno task fuzz:images [--inputs 10000] [--seed 0] [--backend wasm|native]
 *                       [--timeout 60000] [--max-pixels 4194304]
 * ```
 *
 * HEIC of the photo and the frame come from `heif-enc` (Debian's
 * `libheif-examples`) when it is installed; without it every set carries
 * the committed synthetic HEIC, and the script says so.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  DECODE_BYTES_PER_PIXEL,
  decodeImage,
  FaceError,
  resizeImage,
  type RgbImage,
} from "@facever/core";
import { FaceEngine } from "@facever/model";
import {
  encodePng,
  facePipeline,
  formatSamples,
  FUZZ_BUGS,
  type FuzzPlanEntry,
  type FuzzSample,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  runFuzz,
  runFuzzChild,
  syntheticPicture,
} from "@facever/testing";

const { values } = parseArgs({
  args: Deno.args,
  // The child gets its plan file as the last argument.
  allowPositionals: true,
  options: {
    inputs: { type: "string", default: "10000" },
    seed: { type: "string", default: "0" },
    backend: { type: "string", default: "wasm" },
    timeout: { type: "string", default: "60000" },
    // 2048 x 2048: holds the 1920 x 1080 frame, and mutated headers
    // somewhat larger.
    "max-pixels": { type: "string", default: String(2048 * 2048) },
    child: { type: "boolean", default: false },
  },
});
if (!["wasm", "native"].includes(values.backend)) {
  throw new RangeError(
    `--backend takes wasm or native, got ${JSON.stringify(values.backend)}`,
  );
}
const backend = values.backend as "wasm" | "native";
const maxPixels = Number(values["max-pixels"]);

/** The LFW photos stored as the dataset has them (baseline JPEGs). */
const PHOTOS = [
  "Aaron_Peirsol",
  "Serena_Williams",
  "George_W_Bush",
  "Aaron_Eckhart",
  "Colin_Powell",
  "Tony_Blair",
  "Jennifer_Aniston",
  "Gerhard_Schroeder",
  "Venus_Williams",
  "Hugo_Chavez",
];
const CACHE = fileURLToPath(new URL("../.cache", import.meta.url));
const SAVED = join(CACHE, "fuzz-images");

/**
 * A 1920 x 1080 frame: the synthetic texture with three LFW faces, one
 * close to the camera (540 px), one as stored (250 px), one far (120 px).
 */
function frame(photos: readonly RgbImage[]): RgbImage {
  const width = 1920, height = 1080;
  const out = syntheticPicture(width, height);
  const place = (image: RgbImage, left: number, top: number) => {
    for (let y = 0; y < image.height; y++) {
      out.data.set(
        image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3),
        ((top + y) * width + left) * 3,
      );
    }
  };
  place(resizeImage(photos[0], 540, 540), 160, 270);
  place(photos[1], 1000, 200);
  place(resizeImage(photos[2], 120, 120), 1500, 700);
  return out;
}

/** The picture as HEIC by heif-enc, or undefined when it is not installed. */
async function heifEnc(picture: RgbImage): Promise<Uint8Array | undefined> {
  await Deno.mkdir(CACHE, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: CACHE, prefix: "heif_" });
  try {
    const png = join(dir, "in.png"), heic = join(dir, "out.heic");
    await Deno.writeFile(
      png,
      encodePng({
        ...picture,
        colorType: 2,
        bitDepth: 8,
        samples: picture.data,
      }),
    );
    const { success } = await new Deno.Command("heif-enc", {
      args: ["-q", "80", png, "-o", heic],
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? await Deno.readFile(heic) : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every sample, named by its set, and how many mutations each gets. */
async function plan(inputs: number): Promise<FuzzPlanEntry[]> {
  const root = lfwRoot();
  if (!root) throw new Error(LFW_MISSING);
  const stored = await Promise.all(
    PHOTOS.map((name) => Deno.readFile(lfwImagePath(root, name, 1))),
  );
  const photos = await Promise.all(stored.map((bytes) => decodeImage(bytes)));
  const large = frame(photos);
  const [photoHeic, largeHeic] = [
    await heifEnc(photos[0]),
    await heifEnc(large),
  ];
  if (!photoHeic || !largeHeic) {
    console.log(
      "heif-enc not found: the HEIC of every set is the synthetic one",
    );
  }
  const named = (set: string, samples: FuzzSample[]) =>
    samples.map((sample) => ({ ...sample, name: `${set} ${sample.name}` }));
  // Shares of the inputs: the frame's decodes cost the most, so it gets a
  // smaller share; the stored photos are each a sample of their own.
  const sets: [FuzzSample[], number][] = [
    [named("synthetic", await formatSamples()), 0.3],
    [
      stored.map((bytes, i) => ({ name: `LFW stored ${PHOTOS[i]}`, bytes })),
      0.2,
    ],
    [named("LFW", await formatSamples(photos[0], photoHeic)), 0.3],
    [named("1080p", await formatSamples(large, largeHeic)), 0.2],
  ];
  return sets.flatMap(([samples, share]) =>
    samples.map((sample) => ({
      ...sample,
      mutations: Math.ceil(inputs * share / samples.length),
    }))
  );
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Rows of samples, a column per outcome, the decoded ones first. */
function table(counts: Record<string, Record<string, number>>): string {
  const outcomes = [
    ...new Set(Object.values(counts).flatMap((row) => Object.keys(row))),
  ].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const total: Record<string, number> = {};
  for (const row of Object.values(counts)) {
    for (const [outcome, n] of Object.entries(row)) {
      total[outcome] = (total[outcome] ?? 0) + n;
    }
  }
  const rows = [...Object.entries(counts), ["all", total] as const];
  const header = ["sample", ...outcomes, "inputs"];
  const cells = rows.map(([sample, row]) => [
    sample,
    ...outcomes.map((outcome) => String(row[outcome] ?? 0)),
    String(Object.values(row).reduce((a, b) => a + b, 0)),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => row[i].length))
  );
  const line = (row: string[]) =>
    row.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])
    )
      .join("  ");
  return [line(header), ...cells.map(line)].join("\n");
}

function rank(outcome: string): number {
  if (outcome === "faces") return 0;
  if (outcome === "no faces") return 1;
  return FUZZ_BUGS.includes(outcome) ? 3 : 2;
}

if (values.child) {
  const engine = await FaceEngine.create({ backend, maxPixels });
  await runFuzzChild(
    facePipeline(
      engine,
      (error) => error instanceof FaceError ? error.code : undefined,
    ),
  );
} else {
  const inputs = Number(values.inputs);
  const seed = Number(values.seed);
  const entries = await plan(inputs);
  const total = entries.reduce((n, entry) => n + entry.mutations, 0);
  console.log(
    `${total} inputs from ${entries.length} samples, seed ${seed}, ${backend}, maxPixels ${maxPixels}`,
  );
  let lastShown = performance.now();
  const report = await runFuzz({
    // All: Deno lets only --allow-all read /proc, where the exact peak
    // (VmHWM) is; the child reads only its samples and the models.
    command: [
      Deno.execPath(),
      "run",
      "--allow-all",
      fileURLToPath(import.meta.url),
      "--child",
      `--backend=${backend}`,
      `--max-pixels=${maxPixels}`,
    ],
    plan: entries,
    seed,
    timeoutMs: Number(values.timeout),
    workDir: CACHE,
    saveBugsTo: SAVED,
    onProgress(done, all) {
      if (performance.now() - lastShown > 30_000 || done === all) {
        lastShown = performance.now();
        console.error(`${done} / ${all}`);
      }
    },
  });
  console.log(`\n${table(report.counts)}\n`);
  // The bound: one decode at the limit by the hungriest decoder (its
  // DECODE_BYTES_PER_PIXEL x maxPixels) over what the child held after its warm-up (the models,
  // every decoder, their heaps grown by the valid samples).
  const budget = Math.max(...Object.values(DECODE_BYTES_PER_PIXEL)) * maxPixels;
  const peak = Math.max(report.peakRss, report.highWaterMark ?? 0);
  const within = peak - report.warmRss <= budget;
  console.log(
    [
      `resident memory of the child: ${
        mib(report.warmRss)
      } after its warm-up (models, every decoder, each sample once)`,
      `peak ${mib(report.peakRss)} (Deno.memoryUsage().rss, sampled)${
        report.highWaterMark === undefined
          ? ""
          : `, ${mib(report.highWaterMark)} (VmHWM since the warm-up)`
      }: +${mib(peak - report.warmRss)}, ${
        within ? "within" : "OVER"
      } the bound of +${mib(budget)} (one decode at maxPixels)`,
      `${report.children} child process(es), ${report.rechecks} rechecks of valid samples`,
      report.slowest
        ? `slowest input: ${report.slowest.sample} #${report.slowest.index}, ${
          report.slowest.ms.toFixed(0)
        } ms`
        : "",
      `${(report.ms / 1000).toFixed(0)} s in all`,
    ].filter(Boolean).join("\n"),
  );
  for (const bug of report.bugs) {
    console.log(
      `BUG ${bug.outcome}: ${bug.sample} #${bug.index} (${bug.what})${
        bug.file ? `, saved as ${bug.file}` : ""
      }\n  ${bug.detail.split("\n").slice(0, 6).join("\n  ")}`,
    );
  }
  if (report.bugs.length > 0 || !within) Deno.exit(1);
}
