/**
 * The face pipeline a fuzz run drives and what it says of one input: the
 * engine it calls ({@linkcode FuzzEngine}), the outcome of each input
 * ({@linkcode FuzzResult}), which outcomes are bugs ({@linkcode FUZZ_BUGS}),
 * and {@linkcode facePipeline}, which checks everything the face API
 * promises of a result. The supervisor is in `fuzz_runner.ts`, the child it
 * spawns in `fuzz_child.ts`.
 *
 * It imports nothing of ours: the caller hands in its engine and tells
 * which errors are typed.
 *
 * @module
 */

/**
 * What {@linkcode facePipeline} reads of a face.
 *
 * @example
 * ```ts
 * import type { FuzzFace } from "@facever/testing";
 * const face: FuzzFace = {
 *   box: { x: 1, y: 2, width: 30, height: 40 },
 *   score: 0.9,
 *   landmarks: [],
 * };
 * console.log(face.score);
 * ```
 */
export interface FuzzFace {
  readonly box: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
  readonly score: number;
  readonly landmarks: readonly { readonly x: number; readonly y: number }[];
  readonly embedding?: ArrayLike<number>;
}

/**
 * The two calls of a face engine that {@linkcode facePipeline} drives
 * (`FaceEngine` of `@facever/model` has them).
 *
 * @example
 * ```ts
 * import type { FuzzEngine } from "@facever/testing";
 * const blind: FuzzEngine = {
 *   analyze: () => Promise.resolve({ width: 1, height: 1, faces: [] }),
 *   embedImage: () => Promise.reject(new Error("no face")),
 * };
 * console.log((await blind.analyze(new Uint8Array())).faces.length); // 0
 * ```
 */
export interface FuzzEngine {
  analyze(bytes: Uint8Array): Promise<{
    readonly width: number;
    readonly height: number;
    readonly faces: readonly FuzzFace[];
  }>;
  embedImage(bytes: Uint8Array): Promise<FuzzFace>;
}

/**
 * What one input did: an outcome (see {@linkcode FUZZ_BUGS} for those
 * that are bugs), what went wrong when it is one, and, for a decoded
 * image, a short signature of the result, equal for equal results.
 *
 * @example
 * ```ts
 * import type { FuzzResult } from "@facever/testing";
 * const refused: FuzzResult = { outcome: "truncated_image" };
 * console.log(refused.outcome);
 * ```
 */
export interface FuzzResult {
  /**
   * `"faces"` or `"no faces"` for a decoded image, the error's code for
   * a typed error, or one of {@linkcode FUZZ_BUGS}.
   */
  readonly outcome: string;
  readonly detail?: string;
  readonly signature?: string;
}

/**
 * The outcomes that are bugs: an error that is not one of ours
 * (`"untyped"`), a result that breaks the API's promises (`"invalid
 * result"`: a non-finite or non-unit embedding, a box outside the image,
 * …), `analyze` and `embedImage` disagreeing on one input
 * (`"inconsistent"`), an input that did not return in time (`"timeout"`),
 * the process dying (`"crash"`), and a valid sample that no longer gives
 * its first result after damaged ones (`"valid changed"`).
 *
 * @example
 * ```ts
 * import { FUZZ_BUGS } from "@facever/testing";
 * console.log(FUZZ_BUGS.includes("timeout")); // true
 * ```
 */
export const FUZZ_BUGS: readonly string[] = [
  "untyped",
  "invalid result",
  "inconsistent",
  "timeout",
  "crash",
  "valid changed",
];

type Attempt<T> =
  | { readonly value: T }
  | { readonly code: string }
  | { readonly untyped: string };

async function attempt<T>(
  call: () => Promise<T>,
  codeOf: (error: unknown) => string | undefined,
): Promise<Attempt<T>> {
  try {
    return { value: await call() };
  } catch (error) {
    const code = codeOf(error);
    if (code !== undefined) return { code };
    return {
      untyped: error instanceof Error
        ? error.stack ?? String(error)
        : String(error),
    };
  }
}

const finite = (...values: number[]) => values.every(Number.isFinite);

/** What breaks the promises of the face API in one face of a w x h image. */
function faceProblems(face: FuzzFace, width: number, height: number) {
  const problems: string[] = [];
  const { x, y, width: w, height: h } = face.box;
  // Boxes are clipped to the image; a hair of float error is allowed.
  const slack = 1e-6;
  if (
    !finite(x, y, w, h) || x < 0 || y < 0 || w <= 0 || h <= 0 ||
    x + w > width + slack || y + h > height + slack
  ) {
    problems.push(
      `box ${JSON.stringify(face.box)} empty or outside ${width}x${height}`,
    );
  }
  if (!(face.score >= 0 && face.score <= 1)) {
    problems.push(`score ${face.score}`);
  }
  if (
    face.landmarks.length !== 5 ||
    !face.landmarks.every((p) => finite(p.x, p.y))
  ) {
    problems.push(`landmarks ${JSON.stringify(face.landmarks)}`);
  }
  if (face.embedding) {
    let sum = 0;
    for (let i = 0; i < face.embedding.length; i++) {
      sum += face.embedding[i] ** 2;
    }
    // NaN or Infinity anywhere makes the norm fail this too.
    const norm = Math.sqrt(sum);
    if (!(Math.abs(norm - 1) <= 1e-3)) {
      problems.push(`embedding of norm ${norm}`);
    }
  }
  return problems;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/**
 * The pipeline a fuzz run drives: `engine.analyze` (decode, detect, embed
 * every face) and `engine.embedImage` (the largest face) on the same
 * bytes, and what came out. Either call failing with an error that
 * `codeOf` does not recognise is `"untyped"`; both must fail with the same
 * code, or both find a face (the same one, embedded alike) or none; every
 * face must be inside the image with a finite score, five finite
 * landmarks and a unit-length embedding.
 *
 * @example
 * ```ts
 * import { facePipeline, type FuzzEngine } from "@facever/testing";
 * class Refused extends Error {}
 * const engine: FuzzEngine = {
 *   analyze: () => Promise.reject(new Refused()),
 *   embedImage: () => Promise.reject(new Refused()),
 * };
 * const run = facePipeline(engine, (e) => e instanceof Refused ? "refused" : undefined);
 * console.log((await run(new Uint8Array(3))).outcome); // "refused"
 * ```
 */
export function facePipeline(
  engine: FuzzEngine,
  codeOf: (error: unknown) => string | undefined,
): (bytes: Uint8Array) => Promise<FuzzResult> {
  return async (bytes) => {
    const all = await attempt(() => engine.analyze(bytes), codeOf);
    const one = await attempt(() => engine.embedImage(bytes), codeOf);
    if ("untyped" in all) {
      return { outcome: "untyped", detail: `analyze: ${all.untyped}` };
    }
    if ("untyped" in one) {
      return { outcome: "untyped", detail: `embedImage: ${one.untyped}` };
    }
    if ("code" in all) {
      return "code" in one && one.code === all.code ? { outcome: all.code } : {
        outcome: "inconsistent",
        detail: `analyze refused it (${all.code}), embedImage gave ${
          "code" in one ? one.code : "a face"
        }`,
      };
    }
    const { width, height, faces } = all.value;
    const problems = Number.isInteger(width) && Number.isInteger(height) &&
        width > 0 && height > 0
      ? faces.flatMap((face) => faceProblems(face, width, height))
      : [`size ${width}x${height}`];
    const areas = faces.map(({ box }) => box.width * box.height);
    if (areas.some((area, i) => i > 0 && area > areas[i - 1])) {
      problems.push("faces not largest first");
    }
    if (faces.some((face) => !face.embedding)) {
      problems.push("a face without an embedding");
    }
    if ("value" in one) {
      problems.push(...faceProblems(one.value, width, height));
      if (!one.value.embedding) problems.push("embedImage gave no embedding");
    }
    if (problems.length > 0) {
      return { outcome: "invalid result", detail: problems.join("; ") };
    }
    if (faces.length === 0) {
      return "code" in one && one.code === "no_face"
        ? { outcome: "no faces", signature: `${width}x${height}, no faces` }
        : {
          outcome: "inconsistent",
          detail: `analyze found no face, embedImage gave ${
            "code" in one ? one.code : "a face"
          }`,
        };
    }
    if (!("value" in one)) {
      return {
        outcome: "inconsistent",
        detail: `analyze found ${faces.length} faces, embedImage ${one.code}`,
      };
    }
    const similarity = cosine(one.value.embedding!, faces[0].embedding!);
    if (similarity < 0.999) {
      return {
        outcome: "inconsistent",
        detail: `embedImage's face ${
          JSON.stringify(one.value.box)
        } is not analyze's largest ${
          JSON.stringify(faces[0].box)
        } (cosine ${similarity})`,
      };
    }
    const first = Array.from(faces[0].embedding!).slice(0, 4)
      .map((v) => v.toFixed(5));
    return {
      outcome: "faces",
      signature: `${width}x${height}, ${faces.length} faces, ${first}`,
    };
  };
}
