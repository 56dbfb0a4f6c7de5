/**
 * Command-line face verification.
 *
 * ```sh
 * deno task verify a.jpg b.jpg     # one JSON object: similarity, match, threshold, faces
 * deno task embed a.jpg b.png ...  # one JSON line per file: its faces with embeddings
 * deno task liveness a.jpg ...     # one JSON line per file: each face's passive liveness
 * deno task verify --help          # every option, its default, the exit codes
 * ```
 *
 * Exit status: 0 on success, 1 when an input was refused (for `embed`: when
 * any file was; the others are still reported), 2 on a usage error, 3 on an
 * internal error (a bug: it is named as one, and `embed` still goes on with
 * the other files). See ARCHITECTURE.md for the rule behind them.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Box,
  DEFAULT_MAX_PIXELS,
  FaceError,
  type Point,
} from "@facever/core";
import {
  type Analysis,
  type AnalyzedFace,
  type AnalyzeOptions,
  DEFAULT_LIVENESS_THRESHOLD,
  DEFAULT_THRESHOLD,
  type EmbedChoice,
  type Face,
  FaceEngine,
  type FaceEngineOptions,
  type FaceQuality,
  type VerifyResult,
} from "@facever/model";

const EXIT_CODES = `Exit status:
  0  success
  1  an input was refused (not an image, damaged, too large, no face)
  2  usage error
  3  internal error (a bug in facever: please report it)`;

const HELP = {
  main: `facever: are these two photos the same person?

Usage:
  verify [options] A B      compare one face of each image
  embed [options] FILE...   embed the faces of each image, one JSON line per file
  liveness [options] FILE...
                            the passive liveness check of each face, one JSON
                            line per file

Run "verify --help", "embed --help" or "liveness --help" for the options. "-" reads an image
from standard input. Formats are recognised by their bytes.

${EXIT_CODES}`,
  verify: `Usage: verify [options] A B

Compares one face of image A with one face of image B and prints one JSON
object: {"similarity", "match", "threshold", "faces": [per image: "file",
"faceCount", "faceIndex" (of the face used, largest first), "box", "score",
"landmarks", "quality"]}.

Options:
  --face largest|central  which face of each image (default largest)
  --threshold T           cosine similarity that counts as a match, in
                          [-1, 1] (default ${DEFAULT_THRESHOLD})
  --max-pixels N          largest image decoded, in pixels (default
                          ${DEFAULT_MAX_PIXELS}); a file over 16 bytes a
                          pixel plus 64 MiB is refused unread (too_large)
  -h, --help              this text

"-" for A or B reads that image from standard input.

${EXIT_CODES}`,
  embed: `Usage: embed [options] FILE...

Prints one JSON line per file: {"file", "width", "height", "faceCount",
"faces": [{"faceIndex", "box", "score", "landmarks", "quality",
"embedding"}]}, faces largest first, each embedding 512 numbers of unit
length; or {"file", "error": {"code", "message"}}. A file that fails does
not stop the others.

Options:
  --face all|largest|central  which faces of each image (default all)
  --max-pixels N              largest image decoded, in pixels (default
                              ${DEFAULT_MAX_PIXELS}); a file over 16 bytes
                              a pixel plus 64 MiB is refused unread
                              (too_large)
  -h, --help                  this text

"-" reads one image from standard input.

${EXIT_CODES}`,
  liveness: `Usage: liveness [options] FILE...

Prints one JSON line per file: {"file", "faces": [{"box", "liveness":
{"score", "live"}}]}, faces largest first, score the passive check's
probability of a live person in front of the camera (a bona fide
presentation), live whether it reaches the threshold; or {"file", "error":
{"code", "message"}}. A file that fails does not stop the others; a photo
without a face is an error (no_face).

A passive check of one photo is a deterrent, not proof: it catches the
marks of cheap prints and screens and misses good replays and 3-D masks.

Options:
  --threshold T     score that counts as live, in [0, 1] (default
                    ${DEFAULT_LIVENESS_THRESHOLD})
  --max-pixels N    largest image decoded, in pixels (default
                    ${DEFAULT_MAX_PIXELS})
  -h, --help        this text

"-" reads one image from standard input.

${EXIT_CODES}`,
} as const;

/** What went wrong with one input, as printed by the CLI. */
interface FileError {
  readonly code: string;
  readonly message: string;
}

/** A face as printed: rounded box, score, landmarks and quality. */
interface FaceSummary {
  readonly faceIndex: number;
  readonly box: Box;
  readonly score: number;
  readonly landmarks: Point[];
  readonly quality: FaceQuality;
}

/** One line of `embed`'s output. */
type EmbedLine =
  | { readonly file: string; readonly error: FileError }
  | {
    readonly file: string;
    readonly width: number;
    readonly height: number;
    readonly faceCount: number;
    readonly faces: (FaceSummary & { readonly embedding: number[] })[];
  };

/** One line of `liveness`'s output. */
type LivenessLine =
  | { readonly file: string; readonly error: FileError }
  | {
    readonly file: string;
    readonly faces: {
      readonly box: Box;
      readonly liveness: { readonly score: number; readonly live: boolean };
    }[];
  };

/**
 * What the CLI needs of a face engine: `FaceEngine` itself, or a stand-in
 * in tests of how the CLI reports failures.
 */
export interface CliEngine {
  analyze(image: Uint8Array, options: AnalyzeOptions): Promise<Analysis>;
  compare(a: Face, b: Face): VerifyResult;
}

/**
 * Where the CLI gets its engine and its standard input; the defaults are
 * `FaceEngine.create` and `Deno.stdin`.
 *
 * @example
 * ```ts
 * import type { CliOptions } from "./main.ts";
 * const options: CliOptions = { stdin: () => Promise.resolve(new Uint8Array()) };
 * console.log(typeof options.stdin);
 * ```
 */
export interface CliOptions {
  readonly createEngine?: (options: FaceEngineOptions) => Promise<CliEngine>;
  readonly stdin?: () => Promise<Uint8Array>;
}

/** A mistake in the command line, reported with the command's usage. */
class UsageError extends Error {
  /** The command whose usage is shown with the message. */
  command: keyof typeof HELP = "main";
}

/** Runs a command, so that its usage errors show its usage. */
async function run(
  command: "verify" | "embed" | "liveness",
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) error.command = command;
    throw error;
  }
}

/** The code of an error that is not a `FaceError`: a bug, not bad input. */
const INTERNAL_ERROR = "internal_error";

/**
 * Runs the CLI with `args` (without the program name) and resolves to the
 * exit status. Output goes to stdout, diagnostics to stderr.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["verify", "--help"]);
 * console.log(status); // 0
 * ```
 */
export async function main(
  args: readonly string[],
  options: CliOptions = {},
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "verify":
        return await run("verify", () => verify(rest, options));
      case "embed":
        return await run("embed", () => embed(rest, options));
      case "liveness":
        return await run("liveness", () => liveness(rest, options));
      case "-h":
      case "--help":
      case "help":
        console.log(HELP.main);
        return 0;
      default:
        throw new UsageError(
          command === undefined
            ? "missing command"
            : `unknown command "${command}"`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = HELP[error.command].split("\n\n")
        .find((part) => part.startsWith("Usage:"));
      const help = error.command === "main"
        ? "--help"
        : `${error.command} --help`;
      console.error(
        `error: ${error.message}\n${usage}\nSee "${help}" for every option.`,
      );
      return 2;
    }
    const failure = describe(error);
    console.error(`error: ${failure.message} (${failure.code})`);
    return exitStatus(failure);
  }
}

/** 1 for refused input, 3 for an internal error (a bug). */
function exitStatus(error: FileError): number {
  return error.code === INTERNAL_ERROR ? 3 : 1;
}

function parse(
  args: readonly string[],
  command: "verify" | "embed" | "liveness",
) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        "max-pixels": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...(command === "liveness" ? {} : { face: { type: "string" } }),
        ...(command === "embed" ? {} : { threshold: { type: "string" } }),
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function numberOption(
  value: string | boolean | undefined,
  name: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !isFinite(number)) {
    throw new UsageError(`--${name} takes a number, got "${value}"`);
  }
  return number;
}

function faceOption<T extends string>(
  value: string | boolean | undefined,
  allowed: readonly T[],
): T {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value as T)) {
    throw new UsageError(
      `--face takes ${allowed.join(", ")}, got "${value}"`,
    );
  }
  return value as T;
}

async function createEngine(
  values: Record<string, string | boolean | undefined>,
  options: CliOptions,
  liveness = false,
): Promise<CliEngine> {
  const threshold = numberOption(values.threshold, "threshold");
  const engineOptions: FaceEngineOptions = {
    maxPixels: numberOption(values["max-pixels"], "max-pixels"),
    ...(liveness ? { liveness: { threshold } } : { threshold }),
  };
  try {
    return await (options.createEngine ?? FaceEngine.create)(engineOptions);
  } catch (error) {
    // The engine checks its options first: a RangeError names the flag.
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

function checkStdin(files: readonly string[]): void {
  if (files.filter((file) => file === "-").length > 1) {
    throw new UsageError('standard input ("-") can be read only once');
  }
}

async function verify(
  args: readonly string[],
  options: CliOptions,
): Promise<number> {
  const { values, positionals } = parse(args, "verify");
  if (values.help) {
    console.log(HELP.verify);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      `verify takes exactly two images, got ${positionals.length}`,
    );
  }
  checkStdin(positionals);
  const pick = faceOption(values.face, ["largest", "central"] as const);
  const engine = await createEngine(values, options);
  const limit = fileLimit(values);
  const used: { face: AnalyzedFace; analysis: Analysis }[] = [];
  for (const file of positionals) {
    const bytes = await readInput(file, limit, options);
    if ("code" in bytes) return reportFailure(file, bytes);
    try {
      const analysis = await engine.analyze(bytes, { embed: pick });
      const face = analysis.faces.find((face) => face.embedding);
      if (!face) {
        return reportFailure(file, {
          code: "no_face",
          message: "no face found in the image",
        });
      }
      used.push({ face, analysis });
    } catch (error) {
      return reportFailure(file, describe(error));
    }
  }
  const result = engine.compare(used[0].face as Face, used[1].face as Face);
  console.log(JSON.stringify({
    similarity: round(result.similarity, 6),
    match: result.match,
    threshold: result.threshold,
    faces: used.map(({ face, analysis }, i) => ({
      file: positionals[i],
      faceCount: analysis.faces.length,
      ...faceSummary(face, analysis.faces.indexOf(face)),
    })),
  }));
  return 0;
}

async function embed(
  args: readonly string[],
  options: CliOptions,
): Promise<number> {
  const { values, positionals } = parse(args, "embed");
  if (values.help) {
    console.log(HELP.embed);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("embed takes at least one image");
  }
  checkStdin(positionals);
  const choice = faceOption(
    values.face,
    ["all", "largest", "central"] as const,
  );
  const engine = await createEngine(values, options);
  const limit = fileLimit(values);
  let status = 0;
  for (const file of positionals) {
    const line = await embedFile(engine, file, limit, choice, options);
    if ("error" in line) {
      status = Math.max(status, exitStatus(line.error));
      console.error(`${file}: ${line.error.message}`);
    }
    console.log(JSON.stringify(line));
  }
  return status;
}

async function liveness(
  args: readonly string[],
  options: CliOptions,
): Promise<number> {
  const { values, positionals } = parse(args, "liveness");
  if (values.help) {
    console.log(HELP.liveness);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("liveness takes at least one image");
  }
  checkStdin(positionals);
  const engine = await createEngine(values, options, true);
  const limit = fileLimit(values);
  let status = 0;
  for (const file of positionals) {
    const line = await livenessFile(engine, file, limit, options);
    if ("error" in line) {
      status = Math.max(status, exitStatus(line.error));
      console.error(`${file}: ${line.error.message}`);
    }
    console.log(JSON.stringify(line));
  }
  return status;
}

/** One line of `liveness`: every face's box and passive check. */
async function livenessFile(
  engine: CliEngine,
  file: string,
  limit: number,
  options: CliOptions,
): Promise<LivenessLine> {
  const bytes = await readInput(file, limit, options);
  if ("code" in bytes) return { file, error: bytes };
  try {
    const { faces } = await engine.analyze(bytes, {
      embed: "all",
      liveness: true,
    });
    if (faces.length === 0) {
      return {
        file,
        error: { code: "no_face", message: "no face found in the image" },
      };
    }
    return {
      file,
      faces: faces.map((face) => ({
        box: faceSummary(face, 0).box,
        liveness: {
          score: round(face.liveness!.score, 4),
          live: face.liveness!.live,
        },
      })),
    };
  } catch (error) {
    return { file, error: describe(error) };
  }
}

async function embedFile(
  engine: CliEngine,
  file: string,
  limit: number,
  choice: EmbedChoice,
  options: CliOptions,
): Promise<EmbedLine> {
  const bytes = await readInput(file, limit, options);
  if ("code" in bytes) return { file, error: bytes };
  try {
    const analysis = await engine.analyze(bytes, { embed: choice });
    if (analysis.faces.length === 0) {
      return {
        file,
        error: { code: "no_face", message: "no face found in the image" },
      };
    }
    return {
      file,
      width: analysis.width,
      height: analysis.height,
      faceCount: analysis.faces.length,
      faces: analysis.faces.flatMap((face, i) =>
        face.embedding
          ? [{
            ...faceSummary(face, i),
            embedding: Array.from(
              face.embedding,
              (v) => Number(v.toPrecision(9)),
            ),
          }]
          : []
      ),
    };
  } catch (error) {
    return { file, error: describe(error) };
  }
}

/**
 * The largest input read as an image, in bytes, for images of at most
 * `--max-pixels`: 16 bytes a pixel (no format read here stores more than
 * 10: 16-bit CMYK with alpha in an uncompressed TIFF) and 64 MiB of
 * metadata. Without a limit, a device such as /dev/zero or an endless pipe
 * would be read until memory ran out, and the batch would never reach the
 * next file.
 */
function fileLimit(values: Record<string, string | boolean | undefined>) {
  const maxPixels = numberOption(values["max-pixels"], "max-pixels") ??
    DEFAULT_MAX_PIXELS;
  return 16 * maxPixels + 64 * 2 ** 20;
}

async function readInput(
  file: string,
  limit: number,
  options: CliOptions,
): Promise<Uint8Array | FileError> {
  let bytes: Uint8Array | undefined;
  try {
    if (file === "-") {
      bytes = options.stdin
        ? await options.stdin()
        : await readAtMost(Deno.stdin.readable, limit);
    } else {
      const info = await Deno.stat(file);
      if (info.isDirectory) {
        return { code: "not_a_file", message: "is a directory, not an image" };
      }
      // A regular file's size is known; a device or a pipe is read up to
      // the limit.
      if (!(info.isFile && info.size > limit)) {
        bytes = await readAtMost((await Deno.open(file)).readable, limit);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: "not_found", message: "no such file" };
    }
    if (error instanceof Deno.errors.IsADirectory) {
      return { code: "not_a_file", message: "is a directory, not an image" };
    }
    return { code: "read_failed", message: (error as Error).message };
  }
  if (bytes === undefined || bytes.length > limit) {
    return {
      code: "too_large",
      message:
        `more than ${limit} bytes, larger than any image within --max-pixels`,
    };
  }
  return bytes;
}

/**
 * The whole stream, or undefined as soon as it passes `limit` bytes (the
 * rest unread, the stream cancelled, which closes a file).
 */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function describe(error: unknown): FileError {
  if (error instanceof FaceError) {
    return { code: error.code, message: error.message };
  }
  return {
    code: INTERNAL_ERROR,
    message: `internal error, a bug in facever (please report it): ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }`,
  };
}

function reportFailure(file: string, error: FileError): number {
  console.error(`error: ${file}: ${error.message} (${error.code})`);
  return exitStatus(error);
}

function faceSummary(face: AnalyzedFace, faceIndex: number): FaceSummary {
  const { pose } = face.quality;
  return {
    faceIndex,
    box: {
      x: round(face.box.x, 2),
      y: round(face.box.y, 2),
      width: round(face.box.width, 2),
      height: round(face.box.height, 2),
    },
    score: round(face.score, 4),
    landmarks: face.landmarks.map((p: Point) => ({
      x: round(p.x, 2),
      y: round(p.y, 2),
    })),
    quality: {
      sharpness: round(face.quality.sharpness, 1),
      pose: {
        yaw: round(pose.yaw, 1),
        pitch: round(pose.pitch, 1),
        roll: round(pose.roll, 1),
      },
    },
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
