// Pieces every route file uses: the error answers of the OpenAPI document,
// the JSON form of an embedding, and one face's analysis from an input.

import { cosineSimilarity, FaceError } from "@facever/core";
import type { AnalyzedFace } from "@facever/model";
import type { Services } from "./_context.ts";
import type { Input } from "./_inputs.ts";
import { ErrorSchema } from "./_schemas.ts";

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "the request is malformed (see error.details)",
  401: "no API key, or not a valid one",
  404: "no such subject or face (in this tenant)",
  409: "conflicts with what is stored",
  410:
    "the challenge was answered already or has expired (error.details.reason: used, expired)",
  413: "the body or the image is too large",
  415: "not an image format we decode, or a body type we do not take",
  422: "the image is damaged, has no face, or the face is refused",
  429: "the key's request budget is spent (see Retry-After)",
  500: "a bug on our side; quote the request id",
  503: "the request took too long, or the models are unavailable",
};

/** The OpenAPI answers of `statuses`, each the error envelope. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    [...statuses, 500, 503].map((status) => [status, {
      description: ERROR_DESCRIPTIONS[status],
      content: { "application/json": { schema: ErrorSchema } },
    }]),
  );
}

/** An embedding as JSON numbers, at float32's precision. */
export function embeddingJson(embedding: Float32Array): number[] {
  return Array.from(embedding, (v) => Number(v.toPrecision(9)));
}

/** The face used from one input: `face` is null where an embedding came. */
export interface UsedFace {
  readonly embedding: Float32Array;
  readonly face: AnalyzedFace | null;
}

/**
 * The largest face of an image input, embedded (with the passive liveness
 * check when `liveness`); an embedding input as it is. An image without a
 * face is a `no_face` error.
 */
export async function largestFace(
  services: Services,
  input: Input,
  liveness = false,
): Promise<UsedFace> {
  if ("embedding" in input) return { embedding: input.embedding, face: null };
  const { faces } = await services.engine.analyze(input.image, {
    embed: "largest",
    liveness,
  });
  const face = faces.find((face) => face.embedding);
  if (!face) throw new FaceError("no_face", "no face found in the image");
  return { embedding: face.embedding!, face };
}

/**
 * Compares two embeddings at `threshold`: the decision is taken on the
 * exact similarity, which the answer then rounds to six places.
 */
export function compareEmbeddings(
  a: Float32Array,
  b: Float32Array,
  threshold: number,
): { similarity: number; match: boolean } {
  const similarity = cosineSimilarity(a, b);
  return {
    similarity: Math.round(similarity * 1e6) / 1e6,
    match: similarity >= threshold,
  };
}
