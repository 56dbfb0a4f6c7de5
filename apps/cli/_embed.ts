/**
 * `embed FILE...`: the faces of each image and their embeddings, one JSON
 * line per file.
 *
 * @module
 */
import type { EmbedChoice } from "@facever/model";
import { HELP } from "./_help.ts";
import {
  checkStdin,
  faceOption,
  fileLimit,
  parse,
  UsageError,
} from "./_args.ts";
import { type CliEngine, type CliOptions, createEngine } from "./_engine.ts";
import {
  describe,
  exitStatus,
  type FaceSummary,
  faceSummary,
  type FileError,
  readInput,
} from "./_io.ts";

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

/** `embed FILE...`: the faces of each file embedded; the exit status. */
export async function embed(
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
