/**
 * Command-line face verification.
 *
 * ```sh
 * deno task verify a.jpg b.jpg     # one JSON object: similarity, match, threshold, faces
 * deno task embed a.jpg b.png ...  # one JSON line per file: every face with its embedding
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
import { type Box, FaceError, type Point } from "@facever/core";
import { type Face, FaceEngine } from "@facever/model";

const USAGE = `Usage:
  verify [--threshold T] [--max-pixels N] A B   compare the largest face of two images
  embed [--max-pixels N] FILE...                embed every face of each image`;

/** What went wrong with one input file, as printed by the CLI. */
interface FileError {
  readonly code: string;
  readonly message: string;
}

/** One line of `embed`'s output. */
type EmbedLine =
  | { readonly file: string; readonly error: FileError }
  | {
    readonly file: string;
    readonly faces: (FaceSummary & { readonly embedding: number[] })[];
  };

/** A face as printed: rounded box, score and landmarks. */
interface FaceSummary {
  readonly box: Box;
  readonly score: number;
  readonly landmarks: Point[];
}

class UsageError extends Error {}

/** The code of an error that is not a `FaceError`: a bug, not bad input. */
const INTERNAL_ERROR = "internal_error";

/**
 * Runs the CLI with `args` (without the program name) and resolves to the
 * exit status. Output goes to stdout, diagnostics to stderr.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["embed", "photo.jpg"]);
 * console.log(status);
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "verify":
        return await verify(rest);
      case "embed":
        return await embed(rest);
      default:
        throw new UsageError(
          command === undefined
            ? "missing command"
            : `unknown command "${command}"`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n${USAGE}`);
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

function parse(args: readonly string[], withThreshold: boolean) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        "max-pixels": { type: "string" },
        ...(withThreshold ? { threshold: { type: "string" } } : {}),
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

async function createEngine(
  values: Record<string, string | boolean | undefined>,
): Promise<FaceEngine> {
  try {
    return await FaceEngine.create({
      threshold: numberOption(values.threshold, "threshold"),
      maxPixels: numberOption(values["max-pixels"], "max-pixels"),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

async function verify(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, true);
  if (positionals.length !== 2) {
    throw new UsageError(
      `verify takes exactly two images, got ${positionals.length}`,
    );
  }
  const engine = await createEngine(values);
  const images: Uint8Array[] = [];
  for (const file of positionals) {
    const bytes = await readInput(file);
    if ("code" in bytes) return reportFailure(file, bytes);
    images.push(bytes);
  }
  const faces: Face[] = [];
  for (const [i, image] of images.entries()) {
    try {
      faces.push(await engine.embedImage(image));
    } catch (error) {
      return reportFailure(positionals[i], describe(error));
    }
  }
  const result = engine.compare(faces[0], faces[1]);
  console.log(JSON.stringify({
    similarity: round(result.similarity, 6),
    match: result.match,
    threshold: result.threshold,
    faces: result.faces.map((face, i) => ({
      file: positionals[i],
      ...faceSummary(face),
    })),
  }));
  return 0;
}

async function embed(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, false);
  if (positionals.length === 0) {
    throw new UsageError("embed takes at least one image");
  }
  const engine = await createEngine(values);
  let status = 0;
  for (const file of positionals) {
    const line = await embedFile(engine, file);
    if ("error" in line) {
      status = Math.max(status, exitStatus(line.error));
      console.error(`${file}: ${line.error.message}`);
    }
    console.log(JSON.stringify(line));
  }
  return status;
}

async function embedFile(
  engine: FaceEngine,
  file: string,
): Promise<EmbedLine> {
  const bytes = await readInput(file);
  if ("code" in bytes) return { file, error: bytes };
  try {
    const faces = await engine.faces(bytes);
    if (faces.length === 0) {
      return {
        file,
        error: { code: "no_face", message: "no face found in the image" },
      };
    }
    return {
      file,
      faces: faces.map((face) => ({
        ...faceSummary(face),
        embedding: Array.from(face.embedding, (v) => Number(v.toPrecision(9))),
      })),
    };
  } catch (error) {
    return { file, error: describe(error) };
  }
}

async function readInput(file: string): Promise<Uint8Array | FileError> {
  try {
    return await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: "not_found", message: "no such file" };
    }
    if (error instanceof Deno.errors.IsADirectory) {
      return { code: "not_a_file", message: "is a directory, not an image" };
    }
    return { code: "read_failed", message: (error as Error).message };
  }
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

function faceSummary(face: Face): FaceSummary {
  return {
    box: roundBox(face.box),
    score: round(face.score, 4),
    landmarks: face.landmarks.map((p: Point) => ({
      x: round(p.x, 2),
      y: round(p.y, 2),
    })),
  };
}

function roundBox(box: Box): Box {
  return {
    x: round(box.x, 2),
    y: round(box.y, 2),
    width: round(box.width, 2),
    height: round(box.height, 2),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
