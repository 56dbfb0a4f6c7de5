/**
 * Measures the passive liveness check, in ISO/IEC 30107-3 terms: BPCER
 * (bona fide presentations classified as attacks) on every LFW View 2
 * image, APCER (attack presentations classified as bona fide) on synthetic
 * screen and print attacks made from LFW photos (`_attacks.ts`) and on the
 * ten labelled spoof samples (a smoke test only). The threshold is chosen
 * on a development split (LFW View 1 images outside View 2, half the
 * synthetic attacks; see `_liveness_sets.ts`), where the channel order and
 * crop are also compared (`_liveness_variants.ts`), and reported on the
 * held-out rest. Writes `bench/results/liveness.json` and prints the
 * tables of `bench/README.md`.
 *
 * ```sh
 * deno task bench:liveness
 * ```
 *
 * Scores are cached in `.cache/liveness/`, so a stopped run resumes and a
 * rerun only re-reports; the key holds the models' sha256 and a version of
 * the attacks: after changing how attacks are made or the check computes,
 * delete `.cache/liveness/`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { decodeImage } from "@facever/core";
import {
  DEFAULT_LIVENESS_THRESHOLD,
  FacePool,
  LivenessChecker,
} from "@facever/model";
import { ProgressBar } from "@facever/gallery";
import { lfwRoot } from "@facever/testing";
import { AttackFrames } from "./_attack_frames.ts";
import { cacheKey } from "./_cache.ts";
import { describeMachine } from "./_machine.ts";
import {
  lfwPresentations,
  type Presentation,
  samplePresentations,
} from "./_liveness_sets.ts";
import { VARIANTS } from "./_liveness_variants.ts";
import {
  apcer,
  bpcer,
  equalErrorRate,
  type Rate,
  thresholdAtBpcer,
} from "./_pad_metrics.ts";
import { ScoreCache } from "./_score_cache.ts";

/** Bump when `_attacks.ts` makes different frames: it voids the cache. */
const ATTACK_VERSION = 1;
/** The BPCER the threshold is chosen for, on the development photos. */
const BPCER_TARGET = 0.05;
/** Thresholds the held-out table also reports. */
const CURVE = [0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99];
const RESULTS = new URL("./results/liveness.json", import.meta.url);

const root = lfwRoot();
if (!root) {
  throw new Error(
    "the benchmark measures real photos: set LFW_DIR, or place LFW (pairs.txt and images_deepfunneled/) at ../shared/datasets/lfw",
  );
}
const samplesDir = Deno.env.get("SPOOF_SAMPLES_DIR") ??
  fileURLToPath(
    new URL("../../shared/datasets/spoof-samples", import.meta.url),
  );

const presentations = [
  ...await lfwPresentations(root),
  ...samplePresentations(samplesDir),
];
const cache = await ScoreCache.open(
  await cacheKey({
    bench: "liveness",
    attacks: ATTACK_VERSION,
    variants: VARIANTS.map((v) => v.name),
  }),
);
await score(presentations.filter((p) => !cache.get(p.id)));
await cache.close();

/**
 * Scores `missing` with the shipped check on a FacePool (the face nearest
 * the centre of LFW photos and of attack frames, the largest of a spoof
 * sample), and the development ones and the samples with every variant
 * too, on this thread; attack frames are made on as many worker threads as the pool has.
 */
async function score(missing: readonly Presentation[]): Promise<void> {
  if (missing.length === 0) return;
  await using pool = await FacePool.create({ liveness: true });
  await using frames = AttackFrames.start(pool.workers);
  const checker = await LivenessChecker.load({ backend: "wasm" });
  const bar = new ProgressBar("liveness", missing.length);
  let next = 0, done = 0, noFace = 0;
  const lane = async () => {
    while (next < missing.length) {
      const p = missing[next++];
      const bytes = p.attack
        ? await frames.make(p.path, p.attack.kind, p.attack.seed)
        : await Deno.readFile(p.path);
      const keep = p.set === "held-out" ? undefined : bytes.slice();
      const { faces } = await pool.analyze(bytes, {
        embed: p.set === "smoke" ? "largest" : "central",
      });
      const face = faces.find((f) => f.liveness);
      let variants: Record<string, number> | undefined;
      if (face && keep) {
        const image = await decodeImage(keep);
        variants = {};
        for (const variant of VARIANTS) {
          const given = variant.prepare(image, face.box);
          const [verdict] = await checker.check(given.image, [given.box]);
          variants[variant.name] = verdict.score;
        }
      }
      if (!face) noFace++;
      cache.put(p.id, { score: face?.liveness?.score, variants });
      bar.update(++done, `no face ${noFace}`);
    }
  };
  await Promise.all(Array.from({ length: 2 * pool.workers }, lane));
}

/** The scores of the presentations matching `where`, and how many had no face. */
function scoresOf(where: (p: Presentation) => boolean, variant?: string) {
  const chosen = presentations.filter(where);
  const scores: number[] = [];
  for (const p of chosen) {
    const record = cache.get(p.id);
    const value = variant ? record?.variants?.[variant] : record?.score;
    if (value !== undefined) scores.push(value);
  }
  return { scores, noFace: chosen.length - scores.length };
}

const is = (
  set: Presentation["set"],
  group?: string,
  truth?: Presentation["truth"],
) =>
(p: Presentation) =>
  p.set === set && (group === undefined || p.group === group) &&
  (truth === undefined || p.truth === truth);

const devBona = scoresOf(is("development", "LFW"));
const chosen = thresholdAtBpcer(devBona.scores, BPCER_TARGET);
const threshold = DEFAULT_LIVENESS_THRESHOLD;

/** One row of a results table: a set of presentations and its error rate. */
interface Row {
  readonly set: string;
  readonly truth: Presentation["truth"];
  readonly metric: "APCER" | "BPCER";
  readonly error: Rate;
  readonly noFace: number;
}

function row(
  label: string,
  where: (p: Presentation) => boolean,
  truth: Presentation["truth"],
  at: number,
): Row {
  const { scores, noFace } = scoresOf(where);
  return truth === "attack"
    ? { set: label, truth, metric: "APCER", error: apcer(scores, at), noFace }
    : { set: label, truth, metric: "BPCER", error: bpcer(scores, at), noFace };
}

const rows = (at: number): Row[] => [
  row(
    "LFW View 2, every image (held out)",
    is("held-out", "LFW"),
    "bona fide",
    at,
  ),
  row(
    "synthetic screen replays (held out)",
    is("held-out", "screen"),
    "attack",
    at,
  ),
  row("synthetic prints (held out)", is("held-out", "print"), "attack", at),
  row(
    "spoof samples, live (smoke test)",
    is("smoke", undefined, "bona fide"),
    "bona fide",
    at,
  ),
  row(
    "spoof samples, attacks (smoke test)",
    is("smoke", undefined, "attack"),
    "attack",
    at,
  ),
  row(
    "LFW View 1 outside View 2 (development)",
    is("development", "LFW"),
    "bona fide",
    at,
  ),
  row(
    "synthetic screen replays (development)",
    is("development", "screen"),
    "attack",
    at,
  ),
  row(
    "synthetic prints (development)",
    is("development", "print"),
    "attack",
    at,
  ),
];

const variants = VARIANTS.map((variant) => {
  const bona = scoresOf(is("development", "LFW"), variant.name).scores;
  const screen = scoresOf(is("development", "screen"), variant.name).scores;
  const print = scoresOf(is("development", "print"), variant.name).scores;
  const at = thresholdAtBpcer(bona, BPCER_TARGET);
  return {
    name: variant.name,
    description: variant.description,
    eer: equalErrorRate(bona, [...screen, ...print]).rate,
    threshold: at,
    apcerScreen: apcer(screen, at).rate,
    apcerPrint: apcer(print, at).rate,
    presentations: {
      bonaFide: bona.length,
      attacks: screen.length + print.length,
    },
  };
});

const heldOutBona = scoresOf(is("held-out", "LFW")).scores;
const heldOutAttacks =
  scoresOf((p) => p.set === "held-out" && p.truth === "attack").scores;
const smoke = presentations.filter((p) => p.set === "smoke").map((p) => ({
  file: p.id.slice("smoke/".length),
  truth: p.truth,
  score: cache.get(p.id)?.score ?? null,
  variants: cache.get(p.id)?.variants ?? null,
}));

const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: describeMachine(),
  threshold: {
    shipped: threshold,
    chosen,
    rule:
      `the highest score with BPCER <= ${BPCER_TARGET} on the development bona fide photos`,
  },
  heldOut: rows(threshold),
  heldOutEer: equalErrorRate(heldOutBona, heldOutAttacks),
  curve: CURVE.map((at) => ({
    threshold: at,
    rows: rows(at).slice(0, 3).map(({ set, metric, error }) => ({
      set,
      metric,
      rate: error.rate,
    })),
  })),
  variants,
  smoke,
};
await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");

const percent = (r: Rate) =>
  `${
    (100 * r.rate).toFixed(r.rate < 0.1 ? 2 : 1)
  } % (${r.errors} of ${r.presentations})`;
console.log(
  `\nThreshold chosen on development: ${
    chosen.toFixed(4)
  }; shipped DEFAULT_LIVENESS_THRESHOLD: ${threshold}${
    Math.abs(chosen - threshold) > 0.001
      ? "  ← differs: update liveness.ts"
      : ""
  }\n`,
);
console.log(
  "| presentations | metric | rate at the shipped threshold | no face found |",
);
console.log("| --- | --- | --: | --: |");
for (const r of results.heldOut) {
  console.log(`| ${r.set} | ${r.metric} | ${percent(r.error)} | ${r.noFace} |`);
}
console.log(
  `\nHeld-out EER (LFW View 2 against both synthetic attacks): ${
    (100 * results.heldOutEer.rate).toFixed(2)
  } % at ${results.heldOutEer.threshold.toFixed(4)}\n`,
);
console.log("| threshold | BPCER LFW View 2 | APCER screen | APCER print |");
console.log("| --: | --: | --: | --: |");
for (const { threshold: at, rows: r } of results.curve) {
  console.log(
    `| ${at} | ${r.map((x) => `${(100 * x.rate).toFixed(1)} %`).join(" | ")} |`,
  );
}
console.log(
  "\n| variant (development) | EER | threshold at BPCER 5 % | APCER screen | APCER print |",
);
console.log("| --- | --: | --: | --: | --: |");
for (const v of variants) {
  console.log(
    `| ${v.name} | ${(100 * v.eer).toFixed(1)} % | ${
      v.threshold.toFixed(3)
    } | ${(100 * v.apcerScreen).toFixed(1)} % | ${
      (100 * v.apcerPrint).toFixed(1)
    } % |`,
  );
}
console.log(
  `\n| spoof sample | truth | ${VARIANTS.map((v) => v.name).join(" | ")} |`,
);
console.log(`| --- | --- | ${VARIANTS.map(() => "--:").join(" | ")} |`);
for (const s of smoke) {
  console.log(
    `| ${s.file} | ${s.truth} | ${
      VARIANTS.map((v) => s.variants?.[v.name]?.toFixed(3) ?? "no face").join(
        " | ",
      )
    } |`,
  );
}
