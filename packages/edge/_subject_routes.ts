// The routes of a tenant's subjects and their faces: create, list, read,
// update, delete; enrol a face through the gates, list and remove faces;
// verify a photo against one subject.

import { excerpt, FaceError } from "@facever/core";
import type { FaceInfo, Gallery, Subject } from "@facever/gallery";
import { roundedFace } from "@facever/model";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./_context.ts";
import { decide } from "./_decision.ts";
import { readInputs } from "./_inputs.ts";
import {
  DecisionQuerySchema,
  EnrolmentInputSchema,
  EnrolmentSchema,
  FaceInfoSchema,
  GatesQuerySchema,
  ImageFormSchema,
  NewSubjectSchema,
  PageQuerySchema,
  SubjectPageSchema,
  SubjectPatchSchema,
  SubjectSchema,
  SubjectVerifyResponseSchema,
} from "./_schemas.ts";
import { errorResponses, largestFace } from "./_shared.ts";
import { IMAGE_BODY } from "./_image_routes.ts";
import { ApiError } from "./errors.ts";
import {
  checkDuplicate,
  checkFaces,
  DEFAULT_GATES,
  type EnrolmentGates,
  type Refusal,
  REFUSAL_REASONS,
} from "@facever/gallery";

const SubjectParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" } }),
});
const FaceParams = SubjectParams.extend({
  faceId: z.string().openapi({ param: { name: "faceId", in: "path" } }),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const createSubject = createRoute({
  method: "post",
  path: "/v1/subjects",
  summary: "Create a subject (a person), with no faces yet",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: NewSubjectSchema } },
    },
  },
  responses: {
    201: json(SubjectSchema, "the subject"),
    ...errorResponses(400, 401, 409, 429),
  },
});

const listSubjects = createRoute({
  method: "get",
  path: "/v1/subjects",
  summary: "One page of the tenant's subjects, in id order",
  request: { query: PageQuerySchema },
  responses: {
    200: json(SubjectPageSchema, "a page"),
    ...errorResponses(400, 401, 429),
  },
});

const getSubject = createRoute({
  method: "get",
  path: "/v1/subjects/{id}",
  summary: "One subject",
  request: { params: SubjectParams },
  responses: {
    200: json(SubjectSchema, "the subject"),
    ...errorResponses(400, 401, 404, 429),
  },
});

const patchSubject = createRoute({
  method: "patch",
  path: "/v1/subjects/{id}",
  summary: "Replace a subject's metadata",
  request: {
    params: SubjectParams,
    body: {
      required: true,
      content: { "application/json": { schema: SubjectPatchSchema } },
    },
  },
  responses: {
    200: json(SubjectSchema, "the subject"),
    ...errorResponses(400, 401, 404, 429),
  },
});

const deleteSubject = createRoute({
  method: "delete",
  path: "/v1/subjects/{id}",
  summary: "Delete a subject and every face of it, for good",
  request: { params: SubjectParams },
  responses: {
    204: { description: "deleted" },
    ...errorResponses(400, 401, 404, 429),
  },
});

const addFace = createRoute({
  method: "post",
  path: "/v1/subjects/{id}/faces",
  summary: "Enrol a face of the subject from a photo, through the gates",
  description: `Refused with 422 enrolment_refused (error.details.reason: ${
    REFUSAL_REASONS.join(", ")
  }) when the photo fails a gate; each gate can be relaxed with its query parameter. With liveness=true the face must also pass the passive liveness check (else reason spoof). An embedding may stand in for the photo: then only the duplicate gate applies.`,
  request: {
    params: SubjectParams,
    query: GatesQuerySchema,
    body: {
      ...IMAGE_BODY,
      content: {
        ...IMAGE_BODY.content,
        "application/json": { schema: EnrolmentInputSchema },
        "multipart/form-data": { schema: ImageFormSchema },
      },
    },
  },
  responses: {
    201: json(EnrolmentSchema, "the face enrolled, with its quality figures"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 429),
  },
});

const listFaces = createRoute({
  method: "get",
  path: "/v1/subjects/{id}/faces",
  summary: "The faces of a subject (never their embeddings)",
  request: { params: SubjectParams },
  responses: {
    200: json(z.object({ faces: z.array(FaceInfoSchema) }), "the faces"),
    ...errorResponses(400, 401, 404, 429),
  },
});

const removeFace = createRoute({
  method: "delete",
  path: "/v1/subjects/{id}/faces/{faceId}",
  summary: "Remove one face of a subject",
  request: { params: FaceParams },
  responses: {
    204: { description: "removed" },
    ...errorResponses(400, 401, 404, 429),
  },
});

const verifySubject = createRoute({
  method: "post",
  path: "/v1/subjects/{id}/verify",
  summary: "Is this the subject? (1:1 against the subject's faces)",
  request: {
    params: SubjectParams,
    query: DecisionQuerySchema,
    body: IMAGE_BODY,
  },
  responses: {
    200: json(SubjectVerifyResponseSchema, "the closest face and the decision"),
    ...errorResponses(400, 401, 404, 413, 415, 422, 429),
  },
});

/** Adds the subject routes to `app`. */
export function subjectRoutes(
  app: OpenAPIHono<AppEnv>,
): void {
  const gallery = (
    c: {
      get(name: "services"): AppEnv["Variables"]["services"];
      get(name: "tenant"): string | undefined;
    },
  ) => c.get("services").gallery(c.get("tenant")!);

  app.openapi(createSubject, async (c) => {
    const { id, metadata } = c.req.valid("json");
    const subject = await (await gallery(c)).createSubject(id, { metadata });
    return c.json(subjectJson(subject), 201);
  });

  app.openapi(listSubjects, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const page = await (await gallery(c)).listSubjects({ cursor, limit });
    return c.json({
      subjects: page.subjects.map(subjectJson),
      cursor: page.cursor ?? null,
    }, 200);
  });

  app.openapi(getSubject, async (c) => {
    const { id } = c.req.valid("param");
    const subject = await (await gallery(c)).getSubject(id);
    if (!subject) throw noSubject(id);
    return c.json(subjectJson(subject), 200);
  });

  app.openapi(patchSubject, async (c) => {
    const { id } = c.req.valid("param");
    const { metadata } = c.req.valid("json");
    const subject = await (await gallery(c)).updateSubject(id, { metadata });
    return c.json(subjectJson(subject), 200);
  });

  app.openapi(deleteSubject, async (c) => {
    const { id } = c.req.valid("param");
    await (await gallery(c)).deleteSubject(id);
    return c.body(null, 204);
  });

  app.openapi(addFace, async (c) => {
    const { id } = c.req.valid("param");
    const { liveness, ...relaxed } = c.req.valid("query");
    const gates: EnrolmentGates = { ...DEFAULT_GATES, ...defined(relaxed) };
    const body = c.req.valid("json");
    const [input] = await readInputs(c, ["image"], body);
    const subjects = await gallery(c);
    // The subject is checked first: a photo for nobody is not analysed.
    if (!(await subjects.getSubject(id))) throw noSubject(id);
    let embedding: Float32Array;
    let face = null;
    let faceCount = 0;
    if ("embedding" in input) {
      embedding = input.embedding;
    } else {
      const analysis = await c.get("services").engine.analyze(input.image, {
        embed: "largest",
        liveness,
      });
      const checked = checkFaces(analysis.faces, gates);
      if (!("face" in checked)) throw refused(checked);
      face = checked.face;
      embedding = face.embedding!;
      faceCount = analysis.faces.length;
    }
    const duplicate = checkDuplicate(
      await closestOwnFace(subjects, id, embedding),
      gates,
    );
    // A retry of an enrolment that was stored but never answered (a lost
    // connection, a server killed mid-request) brings the same photo and
    // source again: its answer is the face already made, which addFace
    // returns for a known source, not a refusal of the photo as a copy of
    // itself.
    if (duplicate && !(await hasSource(subjects, id, body?.source))) {
      throw refused(duplicate);
    }
    const faceId = await subjects.addFace(id, embedding, {
      metadata: body?.metadata,
      source: body?.source,
    });
    return c.json({
      faceId,
      subjectId: id,
      faceCount,
      face: face && roundedFace(face),
    }, 201);
  });

  app.openapi(listFaces, async (c) => {
    const { id } = c.req.valid("param");
    const faces = await (await gallery(c)).listFaces(id);
    return c.json({ faces: faces.map(faceInfoJson) }, 200);
  });

  app.openapi(removeFace, async (c) => {
    const { id, faceId } = c.req.valid("param");
    const subjects = await gallery(c);
    const faces = await subjects.listFaces(id);
    // A face id of another subject is as unknown here as a made-up one.
    if (!faces.some((face) => face.faceId === faceId)) {
      throw new FaceError(
        "not_found",
        `subject ${JSON.stringify(id)} has no face ${
          JSON.stringify(excerpt(faceId))
        }`,
      );
    }
    await subjects.removeFace(faceId);
    return c.body(null, 204);
  });

  app.openapi(verifySubject, async (c) => {
    const { id } = c.req.valid("param");
    const decision = decide(c.req.valid("query"));
    const subjects = await gallery(c);
    if (!(await subjects.getSubject(id))) throw noSubject(id);
    const [input] = await readInputs(c, ["image"], c.req.valid("json"));
    const used = await largestFace(c.get("services"), input);
    const result = await subjects.verify(id, used.embedding, {
      threshold: decision.threshold,
    });
    return c.json({
      subjectId: id,
      faceId: result.faceId,
      similarity: Math.round(result.similarity * 1e6) / 1e6,
      match: result.match,
      ...decision,
      face: used.face && roundedFace(used.face),
    }, 200);
  });
}

/** The similarity of the subject's face closest to `embedding`, if any. */
async function closestOwnFace(
  subjects: Awaited<ReturnType<AppEnv["Variables"]["services"]["gallery"]>>,
  subjectId: string,
  embedding: Float32Array,
): Promise<number | undefined> {
  try {
    const { similarity } = await subjects.verify(subjectId, embedding, {
      threshold: 1,
    });
    return similarity;
  } catch (error) {
    // A subject with no face yet has nothing to duplicate.
    if (error instanceof FaceError && error.code === "not_found") {
      return undefined;
    }
    throw error;
  }
}

/** Whether the subject has a face enrolled from `source`. */
async function hasSource(
  subjects: Gallery,
  subjectId: string,
  source: string | undefined,
): Promise<boolean> {
  if (source === undefined) return false;
  const faces = await subjects.listFaces(subjectId);
  return faces.some((face) => face.source === source);
}

function refused(refusal: Refusal): ApiError {
  return new ApiError("enrolment_refused", refusal.message, refusal);
}

function noSubject(id: string): FaceError {
  return new FaceError(
    "not_found",
    `there is no subject ${JSON.stringify(id)}`,
  );
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function subjectJson(subject: Subject) {
  return {
    id: subject.id,
    metadata: subject.metadata,
    faceCount: subject.faceCount,
    createdAt: subject.createdAt.toISOString(),
  };
}

function faceInfoJson(face: FaceInfo) {
  return {
    faceId: face.faceId,
    subjectId: face.subjectId,
    metadata: face.metadata,
    source: face.source,
    createdAt: face.createdAt.toISOString(),
  };
}
