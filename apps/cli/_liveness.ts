/**
 * `liveness FILE...`: the passive liveness check of every face of each
 * image, one JSON line per file.
 *
 * @module
 */
import type { Box } from "@facever/core";
import { roundedFace } from "@facever/model";
import { HELP } from "./_help.ts";
import { checkStdin, fileLimit, parse, UsageError } from "./_args.ts";
import { type CliEngine, type CliOptions, createEngine } from "./_engine.ts";
import { describe, exitStatus, type FileError, readInput } from "./_io.ts";

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

/** `liveness FILE...`: each face's passive check; the exit status. */
export async function liveness(
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
      faces: faces.map((face) => {
        // Every face was checked: liveness was asked for.
        const { box, liveness } = roundedFace(face);
        return { box, liveness: liveness! };
      }),
    };
  } catch (error) {
    return { file, error: describe(error) };
  }
}
