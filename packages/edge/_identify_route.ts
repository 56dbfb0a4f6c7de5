// Who is this? Every face of an image (or the largest), or an embedding,
// against the tenant's gallery: the best subjects of each, or unknown.

import { roundedFace } from "@facever/model";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./_context.ts";
import { decide } from "./_decision.ts";
import { IMAGE_BODY } from "./_image_routes.ts";
import { readInputs } from "./_inputs.ts";
import { IdentifyQuerySchema, IdentifyResponseSchema } from "./_schemas.ts";
import { errorResponses } from "./_shared.ts";

const identify = createRoute({
  method: "post",
  path: "/v1/identify",
  summary: "Who is in this photo? The best subjects of each face, or unknown",
  request: { query: IdentifyQuerySchema, body: IMAGE_BODY },
  responses: {
    200: {
      description:
        "one result per face, largest first: subjectId null when no subject reaches the threshold",
      content: { "application/json": { schema: IdentifyResponseSchema } },
    },
    ...errorResponses(400, 401, 413, 415, 422, 429),
  },
});

/** Adds `/v1/identify` to `app`. */
export function identifyRoute(
  app: OpenAPIHono<AppEnv>,
): void {
  app.openapi(identify, async (c) => {
    const query = c.req.valid("query");
    const decision = decide(query);
    const services = c.get("services");
    const gallery = await services.gallery(c.get("tenant")!);
    const [input] = await readInputs(c, ["image"], c.req.valid("json"));
    const probes = "embedding" in input
      ? [{ embedding: input.embedding, face: null }]
      : (await services.engine.analyze(input.image, {
        embed: query.faces === "largest" ? "largest" : "all",
        liveness: query.liveness,
      })).faces.flatMap((face) =>
        face.embedding ? [{ embedding: face.embedding, face }] : []
      );
    const results = await Promise.all(
      probes.map(async ({ embedding, face }) => {
        const candidates = await gallery.identify(embedding, {
          threshold: decision.threshold,
          limit: query.limit ?? 1,
        });
        const best = candidates[0];
        return {
          face: face && roundedFace(face),
          subjectId: best?.subjectId ?? null,
          similarity: best ? round(best.similarity) : null,
          candidates: candidates.map((match) => ({
            ...match,
            similarity: round(match.similarity),
          })),
        };
      }),
    );
    return c.json({ ...decision, results }, 200);
  });
}

function round(similarity: number): number {
  return Math.round(similarity * 1e6) / 1e6;
}
