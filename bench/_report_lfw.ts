/**
 * The accuracy sections of the bench README: LFW View 2 (`deno task
 * bench:lfw`) and its levers (`deno task bench:levers`).
 *
 * @module
 */
import type { Machine } from "./_machine.ts";
import type { Speed } from "./_speed.ts";
import type { Evaluation } from "./_evaluation.ts";
import type { PipelineOptions } from "./_lfw_types.ts";
import {
  day,
  machineLine,
  num,
  pct,
  readResult,
  table,
} from "./_report_common.ts";

/**
 * Published numbers we compare with, quoted rather than rerun by the
 * benchmark: the paper's best MobileFaceNet (Table III, trained on 3.8 M
 * MS-Celeb-1M images) and Human 3.3.6 with its default pipeline, measured
 * on this machine earlier with the same View 2 protocol.
 */
const PAPER = { accuracy: 0.9955, source: "Chen et al. 2018, Table III" };
const HUMAN = { accuracy: 0.9502, msPerImage: 227 };

interface LfwResult extends Evaluation {
  readonly model: { readonly channelOrder: string; readonly mirror: boolean };
  readonly detector: { readonly route: string; readonly pick: string };
  readonly date: string;
  readonly machine: Machine;
  readonly workers: number;
  readonly backend: string;
}

interface LeversResult {
  readonly date: string;
  readonly machine: Machine;
  readonly workers: number;
  readonly backend: string;
  readonly detector: string;
  readonly variants: readonly (Evaluation & {
    readonly id: string;
    readonly label: string;
    readonly pipeline: Required<PipelineOptions>;
  })[];
}

/** The LFW View 2 section: accuracy beside the paper and Human, speed, ROC. */
export async function lfwSection(speed: Record<string, Speed> | undefined) {
  const lfw = await readResult<LfwResult>("lfw.json", "bench:lfw");
  const ms = speed?.["pipeline.250"]?.ms;
  const accuracy = table(
    [
      "",
      "LFW accuracy",
      "TAR @ FAR 1e-3",
      "TAR @ FAR 1e-2",
      "AUC",
      "no face",
      "ms per image",
    ],
    [
      [
        "**facever** (this run)",
        `**${pct(lfw.accuracy.mean)} ± ${pct(lfw.accuracy.std)}**`,
        pct(lfw.tarAtFar["1e-3"]),
        pct(lfw.tarAtFar["1e-2"]),
        lfw.auc.toFixed(5),
        `${lfw.noFace.length} of ${num(lfw.images)}`,
        ms === undefined
          ? "run `deno task bench`"
          : `${ms.toFixed(1)} (\`pipeline.250\`)`,
      ],
      [
        `MobileFaceNet, paper (${PAPER.source})`,
        pct(PAPER.accuracy),
        "–",
        "–",
        "–",
        "–",
        "–",
      ],
      [
        "Human 3.3.6, default pipeline (measured here, same protocol)",
        pct(HUMAN.accuracy),
        "–",
        "–",
        "–",
        "–",
        String(HUMAN.msPerImage),
      ],
    ],
  );
  const folds = table(
    ["fold", ...lfw.accuracy.folds.map((_, k) => String(k + 1))],
    [
      ["accuracy", ...lfw.accuracy.folds.map((a) => pct(a, 1))],
      ["threshold", ...lfw.thresholds.map((t) => t.toFixed(3))],
    ],
  );
  const noFace = lfw.noFace.length
    ? `Images without a face (scored as failures): ${
      lfw.noFace.map((file) => `\`${file}\``).join(", ")
    }.`
    : "Every image had a face; none was dropped or scored as a failure.";
  return [
    `### LFW View 2 — \`results/lfw.json\`, ${day(lfw.date)}`,
    "",
    accuracy,
    "",
    `Pipeline: ${lfw.detector.route}; the face nearest the image centre; ${lfw.model.channelOrder.toUpperCase()} input${
      lfw.model.mirror ? ", mean with the mirror image" : ""
    }. ${num(lfw.pairs)} pairs, ${
      num(lfw.images)
    } images, ${lfw.workers} workers, ${lfw.backend} backend. ${noFace}`,
    "",
    "Per fold (threshold chosen on the other nine):",
    "",
    folds,
    "",
    "![ROC curve](results/lfw-roc.svg)",
    "",
    `Machine: ${machineLine(lfw.machine)}.`,
  ].join("\n");
}

/** The levers section: LFW View 2 with each pipeline lever flipped. */
export async function leversSection() {
  const levers = await readResult<LeversResult>("levers.json", "bench:levers");
  const [shipped] = levers.variants;
  const rows = levers.variants.map((v) => {
    const delta = (v.accuracy.mean - shipped.accuracy.mean) * 100;
    return [
      v.id === shipped.id ? `**${v.label}**` : v.label,
      `${pct(v.accuracy.mean)} ± ${pct(v.accuracy.std)}`,
      v.id === shipped.id ? "–" : `${delta >= 0 ? "+" : ""}${delta.toFixed(2)}`,
      pct(v.tarAtFar["1e-3"]),
      v.auc.toFixed(5),
      String(v.noFace.length),
      v.msPerImage.toFixed(1),
    ];
  });
  return [
    `### Detector, alignment and accuracy options — \`results/levers.json\`, ${
      day(levers.date)
    }`,
    "",
    `Detector and landmarks: ${levers.detector} (the only route the foundation offers).`,
    "",
    table(
      [
        "option",
        "LFW accuracy",
        "Δ points",
        "TAR @ FAR 1e-3",
        "AUC",
        "no face",
        "ms per image",
      ],
      rows,
    ),
    "",
    `ms per image: median time from handing a file's bytes to the pool to its embedding, with ${levers.workers} workers busy at once on the ${levers.backend} backend, measured option after option while other jobs may share the machine: options that do the same work (channel order, which face) differ only by that load. The cost of the mirror lever measured side by side is the \`embed.ours.mirror\` row of the speed table.`,
    "",
    "![ROC curves of the options](results/levers-roc.svg)",
    "",
    `Machine: ${machineLine(levers.machine)}.`,
  ].join("\n");
}
