/**
 * Bulk enrolment from a folder of `<subject>/<image files>`, through any
 * face pipeline, with a progress bar, an outcome per image and resumption.
 *
 * @module
 */

import { type Box, FaceError } from "@facever/core";
import type { Gallery } from "./gallery.ts";

/**
 * A face as a pipeline reports it; `FaceEngine.faces` of `@facever/model`
 * returns these.
 *
 * @example
 * ```ts
 * import type { CandidateFace } from "@facever/gallery";
 * const face: CandidateFace = {
 *   box: { x: 70, y: 60, width: 110, height: 135 },
 *   score: 0.99,
 *   embedding: new Float32Array(512).fill(1 / Math.sqrt(512)),
 * };
 * console.log(face.box.width);
 * ```
 */
export interface CandidateFace {
  /** Where the face is, in pixels. */
  readonly box: Box;
  /** The detector's confidence, in [0, 1]. */
  readonly score: number;
  /** The face's unit-length embedding. */
  readonly embedding: ArrayLike<number>;
}

/**
 * Finds every face in an encoded image. It may throw a `FaceError`: codes
 * `too_large`, `unsupported_format`, `corrupt_image`, `truncated_image` and
 * `no_face` become rejections; any other error stops the enrolment.
 *
 * @example
 * ```ts
 * import type { FaceFinder } from "@facever/gallery";
 * // In real use: (image) => engine.faces(image), with FaceEngine of
 * // @facever/model.
 * const oneFace: FaceFinder = () =>
 *   Promise.resolve([{
 *     box: { x: 0, y: 0, width: 100, height: 100 },
 *     score: 0.99,
 *     embedding: [0.6, 0.8],
 *   }]);
 * console.log((await oneFace(new Uint8Array())).length); // 1
 * ```
 */
export type FaceFinder = (
  image: Uint8Array,
) => Promise<readonly CandidateFace[]>;

/**
 * Why an image was not enrolled: no face, more than one usable face, a
 * face too small or too unsure, a file that is not a readable image, a
 * file or image over the size limit, or a subject already at
 * `MAX_FACES_PER_SUBJECT`.
 *
 * @example
 * ```ts
 * import type { RejectionCode } from "@facever/gallery";
 * const code: RejectionCode = "multiple_faces";
 * console.log(code);
 * ```
 */
export type RejectionCode =
  | "no_face"
  | "multiple_faces"
  | "face_too_small"
  | "low_score"
  | "decode_error"
  | "too_large"
  | "limit_exceeded";

const REJECTION_CODES: readonly RejectionCode[] = [
  "no_face",
  "multiple_faces",
  "face_too_small",
  "low_score",
  "decode_error",
  "too_large",
  "limit_exceeded",
];

/**
 * What happened to one image. `skipped` means an earlier run had already
 * enrolled the same file (by content) for the same subject.
 *
 * @example
 * ```ts
 * import type { EnrolOutcome } from "@facever/gallery";
 * const outcome: EnrolOutcome = {
 *   file: "ada/2.jpg",
 *   subjectId: "ada",
 *   status: "rejected",
 *   code: "no_face",
 *   message: "no face found",
 * };
 * console.log(outcome.status);
 * ```
 */
export type EnrolOutcome =
  | {
    /** Path relative to the folder, with `/` separators. */
    readonly file: string;
    readonly subjectId: string;
    readonly status: "enrolled" | "skipped";
    readonly faceId: string;
  }
  | {
    /** Path relative to the folder, with `/` separators. */
    readonly file: string;
    readonly subjectId: string;
    readonly status: "rejected";
    readonly code: RejectionCode;
    /** What was wrong and what is allowed. */
    readonly message: string;
  };

/**
 * Counts of an enrolment so far.
 *
 * @example
 * ```ts
 * import type { EnrolCounts } from "@facever/gallery";
 * function line(c: EnrolCounts): string {
 *   return `${c.done}/${c.total}: ${c.enrolled} enrolled`;
 * }
 * console.log(line({
 *   total: 2, done: 1, enrolled: 1, skipped: 0, rejected: 0,
 *   rejections: {
 *     no_face: 0, multiple_faces: 0, face_too_small: 0, low_score: 0,
 *     decode_error: 0, too_large: 0, limit_exceeded: 0,
 *   },
 *   elapsedMs: 80,
 * }));
 * ```
 */
export interface EnrolCounts {
  /** Image files found. */
  readonly total: number;
  /** Images handled so far. */
  readonly done: number;
  readonly enrolled: number;
  readonly skipped: number;
  readonly rejected: number;
  /** Rejections by code. */
  readonly rejections: Readonly<Record<RejectionCode, number>>;
  /** Time since the enrolment started. */
  readonly elapsedMs: number;
}

/**
 * Reported after each image, through {@linkcode EnrolOptions.onProgress}.
 *
 * @example
 * ```ts
 * import type { EnrolProgress } from "@facever/gallery";
 * const log = (p: EnrolProgress) => console.log(p.outcome.file, p.etaMs);
 * console.log(typeof log);
 * ```
 */
export interface EnrolProgress extends EnrolCounts {
  /** Estimated time to finish, from the pace so far. */
  readonly etaMs: number;
  /** The image just handled. */
  readonly outcome: EnrolOutcome;
}

/**
 * The result of {@linkcode enrolFolder}.
 *
 * @example
 * ```ts
 * import type { EnrolSummary } from "@facever/gallery";
 * const rejectedFiles = (s: EnrolSummary) =>
 *   s.outcomes.filter((o) => o.status === "rejected").map((o) => o.file);
 * console.log(typeof rejectedFiles);
 * ```
 */
export interface EnrolSummary extends EnrolCounts {
  /** One outcome per image, in the order handled. */
  readonly outcomes: EnrolOutcome[];
}

/**
 * Options for {@linkcode enrolFolder}.
 *
 * @example
 * ```ts
 * import { type EnrolOptions, progressBar } from "@facever/gallery";
 * const options: EnrolOptions = { minFaceSize: 80, onProgress: progressBar() };
 * console.log(options.minFaceSize);
 * ```
 */
export interface EnrolOptions {
  /**
   * Smallest face to enrol, in pixels of the box's shorter side. Default
   * {@linkcode DEFAULT_MIN_FACE_SIZE}.
   */
  readonly minFaceSize?: number;
  /** Lowest detector score to enrol. Default {@linkcode DEFAULT_MIN_SCORE}. */
  readonly minScore?: number;
  /** Largest file, in bytes, that is read. Default {@linkcode DEFAULT_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Called after each image; see {@linkcode progressBar}. */
  readonly onProgress?: (progress: EnrolProgress) => void;
}

/**
 * Default {@linkcode EnrolOptions.minFaceSize}: faces are aligned to
 * 112×112, and a face much smaller than that is mostly upsampled blur.
 *
 * @example
 * ```ts
 * import { DEFAULT_MIN_FACE_SIZE } from "@facever/gallery";
 * console.log(DEFAULT_MIN_FACE_SIZE); // 64
 * ```
 */
export const DEFAULT_MIN_FACE_SIZE: number = 64;

/**
 * Default {@linkcode EnrolOptions.minScore}.
 *
 * @example
 * ```ts
 * import { DEFAULT_MIN_SCORE } from "@facever/gallery";
 * console.log(DEFAULT_MIN_SCORE); // 0.9
 * ```
 */
export const DEFAULT_MIN_SCORE: number = 0.9;

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
 * @throws {FaceError} `invalid_argument` for bad options, or when a
 * subfolder's name is not a valid subject id (checked before any image is
 * read); whatever `findFaces` throws that is not a rejection.
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
  const minFaceSize = options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE;
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(Number.isFinite(minFaceSize) && minFaceSize >= 0)) {
    throw new FaceError(
      "invalid_argument",
      `minFaceSize must be a number of pixels of at least 0, got ${minFaceSize}`,
    );
  }
  if (!(minScore >= 0 && minScore <= 1)) {
    throw new FaceError(
      "invalid_argument",
      `minScore must be a detector score in [0, 1], got ${minScore}`,
    );
  }
  if (!(Number.isInteger(maxBytes) && maxBytes > 0)) {
    throw new FaceError(
      "invalid_argument",
      `maxBytes must be a whole number of bytes above 0, got ${maxBytes}`,
    );
  }
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
        { minFaceSize, minScore, maxBytes },
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
  readonly minFaceSize: number;
  readonly minScore: number;
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
  const judged = judge(faces, limits);
  if ("code" in judged) return reject(judged.code, judged.message);
  try {
    const faceId = await gallery.addFace(subjectId, judged.embedding, {
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

/** The one face to enrol, or why there is none. */
function judge(
  faces: readonly CandidateFace[],
  { minFaceSize, minScore }: Limits,
): CandidateFace | { code: RejectionCode; message: string } {
  const side = ({ box }: CandidateFace) => Math.min(box.width, box.height);
  const usable = (face: CandidateFace) =>
    side(face) >= minFaceSize && face.score >= minScore;
  if (faces.length === 0) return { code: "no_face", message: "no face found" };
  const largest = faces.reduce((a, b) => side(b) > side(a) ? b : a);
  if (side(largest) < minFaceSize) {
    return {
      code: "face_too_small",
      message: `the largest face is ${Math.round(largest.box.width)}x${
        Math.round(largest.box.height)
      } pixels; faces need at least ${minFaceSize} pixels on the shorter side`,
    };
  }
  if (largest.score < minScore) {
    return {
      code: "low_score",
      message: `the largest face has detector score ${
        largest.score.toFixed(3)
      }; at least ${minScore} is needed`,
    };
  }
  const count = faces.filter(usable).length;
  if (count > 1) {
    return {
      code: "multiple_faces",
      message:
        `${count} faces are large and clear enough to enrol; the photo must show only one`,
    };
  }
  return largest;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/**
 * Where {@linkcode progressBar} writes: `Deno.stderr` or anything alike.
 *
 * @example
 * ```ts
 * import type { ProgressOutput } from "@facever/gallery";
 * const output: ProgressOutput = Deno.stderr;
 * console.log(output.isTerminal());
 * ```
 */
export interface ProgressOutput {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/**
 * A progress reporter for {@linkcode EnrolOptions.onProgress}: a bar with
 * counts and ETA, redrawn in place on a terminal (at most ten times a
 * second) or printed as a line every five seconds otherwise, then a
 * summary line when the last image is done.
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
 * // stderr:
 * // enrol [####################] 100%  1/1  enrolled 0  skipped 0  rejected 1  ETA 0:00
 * // enrol: 1 images in 0:00: 0 enrolled, 0 skipped, 1 rejected (no_face 1)
 * kv.close();
 * ```
 */
export function progressBar(
  output: ProgressOutput = Deno.stderr,
): (progress: EnrolProgress) => void {
  const terminal = output.isTerminal();
  const interval = terminal ? 100 : 5000;
  const encoder = new TextEncoder();
  let shownAt = -Infinity;
  return (progress) => {
    const last = progress.done === progress.total;
    const now = performance.now();
    if (!last && now - shownAt < interval) return;
    shownAt = now;
    const width = 20;
    const filled = Math.round((width * progress.done) / progress.total);
    const bar = `enrol [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
      String(Math.floor((100 * progress.done) / progress.total)).padStart(3)
    }%  ${progress.done}/${progress.total}  enrolled ${progress.enrolled}  skipped ${progress.skipped}  rejected ${progress.rejected}  ETA ${
      clock(progress.etaMs)
    }`;
    let text = terminal ? `\r${bar}\x1b[K` : `${bar}\n`;
    if (last) text += `${terminal ? "\n" : ""}${summaryLine(progress)}\n`;
    output.writeSync(encoder.encode(text));
  };
}

function summaryLine(counts: EnrolCounts): string {
  const reasons = REJECTION_CODES.filter((code) => counts.rejections[code])
    .map((code) => `${code} ${counts.rejections[code]}`).join(", ");
  return `enrol: ${counts.total} images in ${
    clock(counts.elapsedMs)
  }: ${counts.enrolled} enrolled, ${counts.skipped} skipped, ${counts.rejected} rejected${
    reasons ? ` (${reasons})` : ""
  }`;
}

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
