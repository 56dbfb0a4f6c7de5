// `verify A B` and `identify IMAGE`: one photo at a time, on one engine on
// this thread (a worker would only add its start-up time).

import { FaceError } from "@facever/core";
import { type Face, type FaceEngine, roundedFace } from "@facever/model";
import {
  EXIT_CODES,
  numberFlag,
  parse,
  positionals,
  readInput,
  round,
  STORE_OPTIONS,
  storeHelp,
  thresholdFlag,
  thresholdHelp,
} from "./_cli.ts";
import { createEngine } from "./_engine.ts";
import { kvPath, openGallery, openKv } from "./_store.ts";

/** `kiosk verify --help`. */
export const VERIFY_HELP = `Usage: kiosk verify [options] A B

Compares the largest face of image A with the largest face of image B and
prints one JSON object: {"similarity", "match", "threshold", "faces":
[{"file", "box", "score"}, …]}.

Options:
${thresholdHelp("accuracy", 18)}
  -h, --help      this text

${EXIT_CODES}`;

/** `kiosk identify --help`. */
export const IDENTIFY_HELP = `Usage: kiosk identify [options] IMAGE

Who is the largest face of IMAGE? Prints one JSON object: {"file", "box",
"subjectId" (null when nobody enrolled reaches the threshold),
"similarity", "threshold", "candidates": [{"subjectId", "similarity"}, …]}
with the closest subjects, best first, whatever their similarity.

Options:
${thresholdHelp("far-1e-3", 18)}
  --limit N       candidates listed, 1 to 100 (default 3)
${storeHelp(18)}
  -h, --help      this text

${EXIT_CODES}`;

const THRESHOLD_OPTIONS = {
  threshold: { type: "string" },
  far: { type: "string" },
} as const;

/** Runs `kiosk verify`; resolves to the exit status. */
export async function verifyCommand(args: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parse(args, THRESHOLD_OPTIONS);
  const files = positionals(rest, 2, "two images, A and B");
  const engine = await createEngine(thresholdFlag(values, "accuracy"));
  const faces: Face[] = [];
  for (const file of files) faces.push(await largestFace(engine, file));
  const result = engine.compare(faces[0], faces[1]);
  console.log(JSON.stringify({
    similarity: round(result.similarity, 6),
    match: result.match,
    threshold: result.threshold,
    faces: faces.map((face, i) => {
      const { box, score } = roundedFace(face);
      return { file: files[i], box, score };
    }),
  }));
  return 0;
}

/** Runs `kiosk identify`; resolves to the exit status. */
export async function identifyCommand(
  args: readonly string[],
): Promise<number> {
  const { values, positionals: rest } = parse(args, {
    ...THRESHOLD_OPTIONS,
    ...STORE_OPTIONS,
    limit: { type: "string" },
  });
  const [file] = positionals(rest, 1, "one image");
  const threshold = thresholdFlag(values, "far-1e-3");
  const limit = numberFlag(values.limit, "limit", {
    min: 1,
    max: 100,
    whole: true,
  }, 3);
  const kv = await openKv(kvPath(values.kv));
  try {
    const gallery = await openGallery(kv);
    const engine = await createEngine();
    const face = await largestFace(engine, file);
    // Every candidate is listed, so that "unknown" still says how close
    // the nearest subject came.
    const candidates = await gallery.identify(face.embedding, {
      threshold: -1,
      limit,
    });
    const best = candidates[0];
    const known = best !== undefined && best.similarity >= threshold;
    console.log(JSON.stringify({
      file,
      box: roundedFace(face).box,
      subjectId: known ? best.subjectId : null,
      similarity: best ? round(best.similarity, 6) : null,
      threshold,
      candidates: candidates.map(({ subjectId, similarity }) => ({
        subjectId,
        similarity: round(similarity, 6),
      })),
    }));
    return 0;
  } finally {
    kv.close();
  }
}

async function largestFace(
  engine: FaceEngine,
  file: string,
): Promise<Face> {
  const bytes = await readInput(file);
  try {
    const { faces } = await engine.analyze(bytes, { embed: "largest" });
    const face = faces.find((face) => face.embedding);
    if (!face) throw new FaceError("no_face", "no face found in the image");
    return face as Face;
  } catch (error) {
    if (error instanceof FaceError) {
      throw new FaceError(error.code, `${file}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
