/**
 * Bulk enrolment from a folder of `<subject>/<image files>`, through any
 * face pipeline, with a progress bar, an outcome per image and resumption.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import type {
  CandidateFace,
  EnrolCounts,
  EnrolOptions,
  EnrolOutcome,
  EnrolProgress,
  EnrolSummary,
  FaceFinder,
  RejectionCode,
} from "./enrol_types.ts";
import type { Gallery } from "./gallery.ts";
import { checkNumber } from "./_validate.ts";
import {
  checkDuplicate,
  checkFaces,
  DEFAULT_GATES,
  type EnrolmentGates,
  REFUSAL_REASONS,
} from "./gates.ts";
import { ProgressBar, type ProgressOutput } from "./progress.ts";

/** Every rejection code, in the order summaries list them. */
const REJECTION_CODES: readonly RejectionCode[] = [
  ...REFUSAL_REASONS,
  "decode_error",
  "too_large",
  "limit_exceeded",
];

/**
 * Default {@linkcode EnrolOptions.maxBytes}: 20 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BYTES } from "@facever/gallery";
 * console.log(DEFAULT_MAX_BYTES); // 20971520
 * ```
 */
export const DEFAULT_MAX_BYTES: number = 20 * 1024 * 1024;

/**
 * Enrols every image of `folder/<subject>/`, creating subjects as needed
 * (the subfolder's name is the subject id). Each image is enrolled when it
 * shows exactly one usable face (shorter side at least `minFaceSize`,
 * score at least `minScore`); other faces may be present if they are not
 * usable. Files and folders whose names start with `.` are ignored.
 *
 * Resumable: each face's source is the SHA-256 of its file, so a rerun
 * skips images already enrolled for that subject, and a run cut short at
 * any point leaves no duplicate. Rejected images are tried again on a
 * rerun.
 *
 * @throws {FaceError} `invalid_argument` when a subfolder's name is not a
 * valid subject id (checked before any image is read); whatever
 * `findFaces` throws that is not a rejection.
 * @throws {TypeError} when `minFaceSize`, `minScore` or `maxBytes` is not a
 * number.
 * @throws {RangeError} when `minFaceSize` is negative or not finite,
 * `minScore` is outside [0, 1], or `maxBytes` is not a whole number above 0.
 *
 * @example
 * ```ts
 * import { enrolFolder, Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * const folder = await Deno.makeTempDir();
 * await Deno.mkdir(`${folder}/ada`);
 * await Deno.writeFile(`${folder}/ada/1.jpg`, new Uint8Array([0xff, 0xd8]));
 * // In real use: (image) => engine.faces(image), with FaceEngine of
 * // @facever/model.
 * const findFaces = () =>
 *   Promise.resolve([{
 *     box: { x: 0, y: 0, width: 100, height: 100 },
 *     score: 0.99,
 *     embedding: [0.6, 0.8],
 *   }]);
 * const summary = await enrolFolder(gallery, folder, findFaces);
 * console.log(summary.enrolled, summary.outcomes[0].status); // 1 enrolled
 * kv.close();
 * ```
 */
export async function enrolFolder(
  gallery: Gallery,
  folder: string,
  findFaces: FaceFinder,
  options: EnrolOptions = {},
): Promise<EnrolSummary> {
  const gates = checkGates({ ...DEFAULT_GATES, ...options.gates });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkNumber("maxBytes", maxBytes, {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    whole: true,
    allowed: "a whole number of bytes above 0",
  });
  const started = performance.now();
  const plan = await planFolder(gallery, folder);
  const total = plan.reduce((sum, { files }) => sum + files.length, 0);
  const outcomes: EnrolOutcome[] = [];
  const rejections = Object.fromEntries(
    REJECTION_CODES.map((code) => [code, 0]),
  ) as Record<RejectionCode, number>;
  const counts = { enrolled: 0, skipped: 0, rejected: 0 };
  const snapshot = (): EnrolCounts => ({
    total,
    done: outcomes.length,
    ...counts,
    rejections: { ...rejections },
    elapsedMs: performance.now() - started,
  });

  for (const { subjectId, exists, files } of plan) {
    if (!exists) await createIfMissing(gallery, subjectId);
    const known = new Map(
      (await gallery.listFaces(subjectId)).map((face) => [
        face.source,
        face.faceId,
      ]),
    );
    for (const name of files) {
      const outcome = await enrolImage(
        gallery,
        findFaces,
        { folder, subjectId, name, known },
        { gates, maxBytes },
      );
      outcomes.push(outcome);
      if (outcome.status === "rejected") {
        counts.rejected++;
        rejections[outcome.code]++;
      } else {
        counts[outcome.status]++;
      }
      if (options.onProgress) {
        const now = snapshot();
        options.onProgress({
          ...now,
          etaMs: (now.elapsedMs / now.done) * (total - now.done),
          outcome,
        });
      }
    }
  }
  return { ...snapshot(), outcomes };
}

interface SubjectPlan {
  readonly subjectId: string;
  readonly exists: boolean;
  readonly files: string[];
}

async function planFolder(
  gallery: Gallery,
  folder: string,
): Promise<SubjectPlan[]> {
  const plan: SubjectPlan[] = [];
  for (const subjectId of await visibleEntries(folder, "directory")) {
    const exists = await gallery.getSubject(subjectId) !== undefined;
    const files = await visibleEntries(`${folder}/${subjectId}`, "file");
    plan.push({ subjectId, exists, files });
  }
  return plan;
}

async function visibleEntries(
  path: string,
  kind: "directory" | "file",
): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    const wanted = kind === "directory" ? entry.isDirectory : entry.isFile;
    if (wanted && !entry.name.startsWith(".")) names.push(entry.name);
  }
  return names.sort();
}

async function createIfMissing(
  gallery: Gallery,
  subjectId: string,
): Promise<void> {
  try {
    await gallery.createSubject(subjectId);
  } catch (error) {
    // Another enrolment created it in the meantime: same result.
    if (!(error instanceof FaceError && error.code === "already_exists")) {
      throw error;
    }
  }
}

interface ImageJob {
  readonly folder: string;
  readonly subjectId: string;
  readonly name: string;
  /** Faces the subject already has, by source. */
  readonly known: Map<string | null, string>;
}

interface Limits {
  readonly gates: EnrolmentGates;
  readonly maxBytes: number;
}

async function enrolImage(
  gallery: Gallery,
  findFaces: FaceFinder,
  { folder, subjectId, name, known }: ImageJob,
  limits: Limits,
): Promise<EnrolOutcome> {
  const file = `${subjectId}/${name}`;
  const reject = (code: RejectionCode, message: string): EnrolOutcome => ({
    file,
    subjectId,
    status: "rejected",
    code,
    message,
  });
  const path = `${folder}/${file}`;
  const { size } = await Deno.stat(path);
  if (size > limits.maxBytes) {
    return reject(
      "too_large",
      `file is ${size} bytes; at most ${limits.maxBytes} are read`,
    );
  }
  const bytes = await Deno.readFile(path);
  const source = await sha256(bytes);
  const enrolled = known.get(source);
  if (enrolled !== undefined) {
    return { file, subjectId, status: "skipped", faceId: enrolled };
  }
  let faces: readonly CandidateFace[];
  try {
    faces = await findFaces(bytes);
  } catch (error) {
    const code = error instanceof FaceError ? rejectionOf(error) : undefined;
    if (code === undefined) throw error;
    return reject(code, (error as FaceError).message);
  }
  const judged = checkFaces(faces, limits.gates);
  if (!("face" in judged)) return reject(judged.reason, judged.message);
  const duplicate = checkDuplicate(
    await closestFace(gallery, subjectId, judged.face.embedding),
    limits.gates,
  );
  if (duplicate) return reject(duplicate.reason, duplicate.message);
  try {
    const faceId = await gallery.addFace(subjectId, judged.face.embedding, {
      source,
      metadata: { file: name },
    });
    known.set(source, faceId);
    return { file, subjectId, status: "enrolled", faceId };
  } catch (error) {
    if (error instanceof FaceError && error.code === "limit_exceeded") {
      return reject("limit_exceeded", error.message);
    }
    throw error;
  }
}

function rejectionOf(error: FaceError): RejectionCode | undefined {
  switch (error.code) {
    case "too_large":
    case "no_face":
      return error.code;
    case "unsupported_format":
    case "corrupt_image":
    case "truncated_image":
      return "decode_error";
    default:
      return undefined;
  }
}

/** The similarity of the subject's face closest to `embedding`, if any. */
async function closestFace(
  gallery: Gallery,
  subjectId: string,
  embedding: ArrayLike<number>,
): Promise<number | undefined> {
  try {
    return (await gallery.verify(subjectId, embedding, { threshold: 1 }))
      .similarity;
  } catch (error) {
    // A subject without faces has nothing to duplicate.
    if (error instanceof FaceError && error.code === "not_found") {
      return undefined;
    }
    throw error;
  }
}

/** The gates, each checked as an option of the calling program. */
function checkGates(gates: EnrolmentGates): EnrolmentGates {
  if (gates.face !== "only" && gates.face !== "largest") {
    throw new RangeError(
      `gates.face must be "only" or "largest", got ${
        JSON.stringify(gates.face)
      }`,
    );
  }
  const limits: [keyof EnrolmentGates, number, number, string][] = [
    ["minFaceSize", 0, Number.MAX_VALUE, "a number of pixels of at least 0"],
    ["minScore", 0, 1, "a detector score in [0, 1]"],
    ["minSharpness", 0, Number.MAX_VALUE, "a sharpness of at least 0"],
    ["maxYaw", 0, 180, "degrees in [0, 180]"],
    ["maxPitch", 0, 180, "degrees in [0, 180]"],
    ["maxDuplicateSimilarity", -1, 1, "a cosine similarity in [-1, 1]"],
  ];
  for (const [name, min, max, allowed] of limits) {
    checkNumber(`gates.${name}`, gates[name] as number, { min, max, allowed });
  }
  return gates;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/**
 * A progress reporter for {@linkcode EnrolOptions.onProgress}: a
 * {@linkcode ProgressBar} labelled `enrol` with the counts so far, then a
 * line with the time taken and every count when the last image is done.
 *
 * @example
 * ```ts
 * import { enrolFolder, Gallery, progressBar } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * const folder = await Deno.makeTempDir();
 * await Deno.mkdir(`${folder}/ada`);
 * await Deno.writeFile(`${folder}/ada/1.jpg`, new Uint8Array([0xff, 0xd8]));
 * const findFaces = () => Promise.resolve([]);
 * await enrolFolder(gallery, folder, findFaces, { onProgress: progressBar() });
 * // stderr, without a terminal:
 * // enrol [####################] 100%  1/1  enrolled 0  skipped 0  rejected 1  …/s  ETA 0s
 * // enrol: 1/1 in 0s  enrolled 0  skipped 0  rejected 1 (no_face 1)
 * kv.close();
 * ```
 */
export function progressBar(
  output: ProgressOutput = Deno.stderr,
): (progress: EnrolProgress) => void {
  let bar: ProgressBar | undefined;
  // The enrolment's own clock drives the bar, so the bar's ETA is the
  // `etaMs` reported, and its start is the enrolment's.
  let elapsedMs = 0;
  return (progress) => {
    bar ??= new ProgressBar("enrol", progress.total, {
      output,
      now: () => elapsedMs,
    });
    elapsedMs = progress.elapsedMs;
    const counts =
      `enrolled ${progress.enrolled}  skipped ${progress.skipped}  rejected ${progress.rejected}`;
    bar.update(progress.done, counts);
    if (progress.done === progress.total) {
      const reasons = REJECTION_CODES
        .filter((code) => progress.rejections[code] > 0)
        .map((code) => `${code} ${progress.rejections[code]}`);
      bar.finish(reasons.length ? `${counts} (${reasons.join(", ")})` : counts);
    }
  };
}
