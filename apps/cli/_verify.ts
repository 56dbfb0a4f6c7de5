/**
 * `verify A B`: are the faces of two photos the same person?
 *
 * @module
 */
import type { Analysis, AnalyzedFace, Face } from "@facever/model";
import { HELP } from "./_help.ts";
import {
  checkStdin,
  faceOption,
  fileLimit,
  parse,
  UsageError,
} from "./_args.ts";
import { type CliOptions, createEngine } from "./_engine.ts";
import {
  describe,
  faceSummary,
  readInput,
  reportFailure,
  round,
} from "./_io.ts";

/** `verify A B`: one face of each image compared; the exit status. */
export async function verify(
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
