/**
 * The gates `quality_gates.ts` measures (each figure's candidate cut-offs
 * and the defaults the measurement proposes) and the figures it reports of
 * a group of faces, a set of pairs and a degradation of photos.
 *
 * @module
 */
import { OPERATING_POINTS } from "@facever/model";
import type { FaceRecord, ImageAnalysis } from "./_analyses.ts";
import { groupFigures, type ImageScores, percentiles } from "./_gate_stats.ts";
import { accuracy, rates } from "./_metrics.ts";
import type { Pair } from "./_lfw_types.ts";

/** The threshold of best accuracy, at which the effects are measured. */
export const ACCEPT = OPERATING_POINTS.accuracy.threshold;
/** The threshold of FAR 1e-3, at which they are measured too. */
export const STRICT = OPERATING_POINTS["far-1e-3"].threshold;

/**
 * A gate on one figure of a face: refused when the figure is below
 * (`"min"`) or above (`"max"`) the cut-off. `cutoffs` are measured,
 * `proposed` is the default this measurement proposes.
 */
export interface Gate {
  readonly name: string;
  readonly kind: "min" | "max";
  readonly figure: (face: FaceRecord) => number;
  readonly cutoffs: readonly number[];
  readonly proposed: number;
}

/** The shorter side of a face's box, what the size gate reads. */
export const shortSide = (face: FaceRecord) =>
  Math.min(face.box.width, face.box.height);

/** The figure gates measured, each at its candidate cut-offs. */
export const GATES: readonly Gate[] = [
  {
    name: "minScore",
    kind: "min",
    figure: (face) => face.score,
    cutoffs: [0.9, 0.95, 0.98, 0.99],
    proposed: 0.9,
  },
  {
    name: "minFaceSize",
    kind: "min",
    figure: shortSide,
    cutoffs: [50, 60, 70, 80],
    proposed: 60,
  },
  {
    name: "minSharpness",
    kind: "min",
    figure: (face) => face.sharpness,
    cutoffs: [10, 15, 20, 30, 40, 50],
    proposed: 20,
  },
  {
    name: "maxYaw",
    kind: "max",
    figure: (face) => Math.abs(face.pose.yaw),
    cutoffs: [30, 35, 40, 45, 50],
    proposed: 45,
  },
  {
    name: "maxPitch",
    kind: "max",
    figure: (face) => Math.abs(face.pose.pitch),
    cutoffs: [30, 35, 40, 45, 50, 60],
    proposed: 45,
  },
];

/**
 * The defaults this measurement proposes (see bench/README.md): each
 * refuses a small share of LFW, and together they refuse the share
 * reported under `proposal`.
 */
export const PROPOSED = {
  ...Object.fromEntries(GATES.map((gate) => [gate.name, gate.proposed])),
  /**
   * Another face makes the photo ambiguous when its shorter side is at
   * least this share of the largest face's.
   */
  otherFaceShare: 0.75,
  maxDuplicateSimilarity: 0.95,
};

/** Whether `face` fails `gate` at `cutoff`. */
export function fails(gate: Gate, cutoff: number, face: FaceRecord): boolean {
  return gate.kind === "min"
    ? gate.figure(face) < cutoff
    : gate.figure(face) > cutoff;
}

/** Whether `face` fails any of the proposed figure gates. */
export function failsProposed(face: FaceRecord): boolean {
  return GATES.some((gate) => fails(gate, gate.proposed, face));
}

/**
 * How many faces beside the largest (the one the product enrols) are at
 * least `share` of its size: 0 counts every other face.
 */
export function otherFaces(analysis: ImageAnalysis, share: number): number {
  return analysis.faces.slice(1).filter((face) =>
    shortSide(face) >= share * shortSide(analysis.faces[0])
  ).length;
}

/** The face nearest the centre: LFW's subject. */
export function centralFace(analysis: ImageAnalysis): FaceRecord | undefined {
  return analysis.faces[analysis.central];
}

/** `value` to `digits` decimals, as the results file keeps it. */
export function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** Every value of `record` rounded. */
export function roundAll(record: Record<string, number>, digits = 4) {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, round(value, digits)]),
  );
}

/** How a group of images verifies, at both thresholds. */
export function figures(group: readonly ImageScores[]) {
  const { images, meanGenuine, frr, far } = groupFigures(group, ACCEPT, STRICT);
  return {
    images,
    meanGenuine: round(meanGenuine),
    frrAtAccuracy: round(frr, 5),
    farAtFar1e3: round(far, 6),
  };
}

/** The accuracy of a set of pairs at the accuracy threshold. */
export function pairAccuracy(
  pairs: readonly Pair[],
  scores: readonly number[],
) {
  return {
    pairs: pairs.length,
    accuracy: pairs.length === 0
      ? null
      : round(accuracy(scores, pairs.map((pair) => pair.same), ACCEPT), 5),
  };
}

/** What one degradation of the second photos does to them and to the pairs. */
export function degradedFigures(
  images: readonly ImageAnalysis[],
  same: readonly boolean[],
  pairScores: readonly number[],
) {
  const faces = images.map(centralFace).filter((face): face is FaceRecord =>
    !!face
  );
  const some = [5, 50, 95];
  const genuine = pairScores.filter((_, i) => same[i] && pairScores[i] > -1);
  const found = pairScores.flatMap((score, i) => score > -1 ? [i] : []);
  const share = (refused: (face: FaceRecord) => boolean) =>
    faces.length ? round(faces.filter(refused).length / faces.length) : null;
  return {
    noFace: images.length - faces.length,
    // Of the faces found, the share each proposed gate would refuse.
    refused: {
      ...Object.fromEntries(
        GATES.map((gate) => [
          gate.name,
          share((face) => fails(gate, gate.proposed, face)),
        ]),
      ),
      any: share(failsProposed),
    },
    sharpness: faces.length
      ? roundAll(percentiles(faces.map((f) => f.sharpness), some), 1)
      : null,
    shortSide: faces.length
      ? roundAll(percentiles(faces.map(shortSide), some), 1)
      : null,
    score: faces.length
      ? roundAll(percentiles(faces.map((f) => f.score), some), 4)
      : null,
    accuracy: round(accuracy(pairScores, same, ACCEPT), 4),
    // Over the pairs where both faces were found: what a face that passed
    // detection is worth.
    accuracyFound: found.length
      ? round(
        accuracy(
          found.map((i) => pairScores[i]),
          found.map((i) => same[i]),
          ACCEPT,
        ),
        4,
      )
      : null,
    tarAtAccuracy: round(rates(pairScores, same, ACCEPT).tar, 4),
    farAtAccuracy: round(rates(pairScores, same, ACCEPT).far, 4),
    tarAtFar1e3: round(rates(pairScores, same, STRICT).tar, 4),
    meanGenuine: genuine.length
      ? round(genuine.reduce((s, x) => s + x, 0) / genuine.length)
      : null,
  };
}

/** Every pair of two images of one person, both with a face, and its cosine. */
export function genuinePairs(
  embeddings: readonly (Float32Array | undefined)[],
  labels: readonly number[],
): { i: number; j: number; cosine: number }[] {
  const present = embeddings.flatMap((e, i) => e ? [i] : []);
  const pairs: { i: number; j: number; cosine: number }[] = [];
  for (const members of Map.groupBy(present, (i) => labels[i]).values()) {
    for (let k = 0; k < members.length; k++) {
      for (let m = k + 1; m < members.length; m++) {
        const a = embeddings[members[k]]!, b = embeddings[members[m]]!;
        let cosine = 0;
        for (let d = 0; d < a.length; d++) cosine += a[d] * b[d];
        pairs.push({ i: members[k], j: members[m], cosine });
      }
    }
  }
  return pairs;
}
