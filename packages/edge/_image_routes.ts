// The routes that look at images and nothing stored: health, detect, embed
// and verify.

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { roundedFace } from "@facever/model";
import { MANIFEST } from "@facever/weights";
import type { AppEnv } from "./_context.ts";
import { decide } from "./_decision.ts";
import { readInputs } from "./_inputs.ts";
import { ApiError } from "./errors.ts";
import {
  DetectResponseSchema,
  EmbedResponseSchema,
  FacesQuerySchema,
  HealthSchema,
  ImageFormSchema,
  InputSchema,
  PairFormSchema,
  PairSchema,
  VerifyQuerySchema,
  VerifyResponseSchema,
} from "./_schemas.ts";
import {
  compareEmbeddings,
  embeddingJson,
  errorResponses,
  largestFace,
} from "./_shared.ts";

/** The bodies an image route takes: JSON, a multipart file or the image. */
export const IMAGE_BODY = {
  required: false,
  description:
    'one image: the file itself as the body (any image type; the format is read from its bytes), a multipart file "image", or JSON {"image": base64} or {"embedding": [...]}',
  content: {
    "application/json": { schema: InputSchema },
    "multipart/form-data": { schema: ImageFormSchema },
    "image/*": {
      schema: z.any().openapi({ type: "string", format: "binary" }),
    },
    "application/octet-stream": {
      schema: z.any().openapi({ type: "string", format: "binary" }),
    },
  },
};

const health = createRoute({
  method: "get",
  path: "/v1/health",
  summary: "Is the service up, with which models and backend",
  security: [],
  responses: {
    200: {
      description: "the service is up",
      content: { "application/json": { schema: HealthSchema } },
    },
    ...errorResponses(),
  },
});

const detect = createRoute({
  method: "post",
  path: "/v1/detect",
  summary: "Every face of an image, largest first, with quality figures",
  request: { body: IMAGE_BODY },
  responses: {
    200: {
      description: "the faces found (none is an empty list)",
      content: { "application/json": { schema: DetectResponseSchema } },
    },
    ...errorResponses(400, 401, 413, 415, 422, 429),
  },
});

const embed = createRoute({
  method: "post",
  path: "/v1/embed",
  summary: "The embedding of every face (or the largest) of an image",
  request: { query: FacesQuerySchema, body: IMAGE_BODY },
  responses: {
    200: {
      description: "each face with its 512-number embedding",
      content: { "application/json": { schema: EmbedResponseSchema } },
    },
    ...errorResponses(400, 401, 413, 415, 422, 429),
  },
});

const verify = createRoute({
  method: "post",
  path: "/v1/verify",
  summary: "Are a and b the same person? (images, embeddings, or one of each)",
  request: {
    query: VerifyQuerySchema,
    body: {
      required: false,
      description:
        'multipart files (or JSON text parts) "a" and "b", or JSON {"a": {"image"|"embedding"}, "b": …}',
      content: {
        "application/json": { schema: PairSchema },
        "multipart/form-data": { schema: PairFormSchema },
      },
    },
  },
  responses: {
    200: {
      description: "the similarity and the decision",
      content: { "application/json": { schema: VerifyResponseSchema } },
    },
    ...errorResponses(400, 401, 413, 415, 422, 429),
  },
});

/** Adds the image routes to `app`. */
export function imageRoutes(
  app: OpenAPIHono<AppEnv>,
  version: string,
): void {
  app.openapi(health, (c) =>
    c.json({
      status: "ok" as const,
      version,
      backend: c.get("services").engine.backend,
      models: MANIFEST.models.map(({ id, sha256 }) => ({
        id,
        sha256: sha256.slice(0, 12),
      })),
    }, 200));

  app.openapi(detect, async (c) => {
    const [input] = await readInputs(c, ["image"], c.req.valid("json"));
    if ("embedding" in input) throw embeddingRefused("detect");
    const analysis = await c.get("services").engine.analyze(input.image, {
      embed: "none",
    });
    return c.json({
      width: analysis.width,
      height: analysis.height,
      faces: analysis.faces.map(roundedFace),
    }, 200);
  });

  app.openapi(embed, async (c) => {
    const [input] = await readInputs(c, ["image"], c.req.valid("json"));
    if ("embedding" in input) throw embeddingRefused("embed");
    const { faces } = c.req.valid("query");
    const analysis = await c.get("services").engine.analyze(input.image, {
      embed: faces === "largest" ? "largest" : "all",
    });
    return c.json({
      width: analysis.width,
      height: analysis.height,
      faces: analysis.faces.flatMap((face) =>
        face.embedding
          ? [{ ...roundedFace(face), embedding: embeddingJson(face.embedding) }]
          : []
      ),
    }, 200);
  });

  app.openapi(verify, async (c) => {
    const query = c.req.valid("query");
    const decision = decide(query);
    const services = c.get("services");
    const inputs = await readInputs(c, ["a", "b"], c.req.valid("json"));
    const [a, b] = await Promise.all(
      inputs.map((input) => largestFace(services, input, query.liveness)),
    );
    return c.json({
      ...compareEmbeddings(a.embedding, b.embedding, decision.threshold),
      ...decision,
      faces: [a, b].map(({ face }) => face && roundedFace(face)),
    }, 200);
  });
}

function embeddingRefused(route: string): ApiError {
  return new ApiError(
    "invalid_request",
    `/v1/${route} looks at an image; an embedding cannot stand in for one here`,
  );
}
