// The schemas of the API: each one validates requests (or describes
// answers) and is, by the same object, the OpenAPI 3.1 document served at
// /v1/openapi.json. There is no second copy of the contract.

import { z } from "@hono/zod-openapi";
import { OPERATING_POINT_NAMES, type OperatingPointName } from "@facever/model";
import {
  CHALLENGE_LIMITS,
  CHALLENGE_STEPS,
  REFUSAL_REASONS,
} from "@facever/gallery";

/**
 * A rectangle in image pixels.
 */
export const BoxSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
}).openapi("Box");

const PointSchema = z.object({ x: z.number(), y: z.number() }).openapi(
  "Point",
);

/**
 * A face as every image route reports it.
 */
export const FaceSchema = z.object({
  box: BoxSchema,
  score: z.number().openapi({ description: "detector confidence, 0 to 1" }),
  landmarks: z.array(PointSchema).openapi({
    description:
      "eyes, nose tip, mouth corners (image-left first), in image pixels",
  }),
  quality: z.object({
    sharpness: z.number().openapi({
      description: "variance of the Laplacian of the aligned 112×112 crop",
    }),
    pose: z.object({
      yaw: z.number(),
      pitch: z.number(),
      roll: z.number(),
    }).openapi({ description: "degrees, estimated from the landmarks" }),
  }),
  liveness: z.object({
    score: z.number().openapi({
      description:
        "the passive check's probability of a bona fide presentation, 0 to 1",
    }),
    live: z.boolean().openapi({
      description: "whether the score reaches the liveness threshold",
    }),
  }).optional().openapi({
    description:
      "the passive liveness check of one photo, with ?liveness=true: a deterrent against prints and screens, not proof",
  }),
}).openapi("Face");

const EmbeddedFaceSchema = FaceSchema.extend({
  embedding: z.array(z.number()).openapi({
    description: "512 numbers of unit length",
  }),
}).openapi("EmbeddedFace");

/**
 * One image or one embedding, in a JSON body: exactly one of the two.
 */
export const InputSchema = z.object({
  image: z.string().optional().openapi({
    description: "base64 of an image file (any supported format)",
    format: "byte",
  }),
  embedding: z.array(z.number()).optional().openapi({
    description:
      "an embedding from /v1/embed, standing in for the image: 512 finite numbers of unit length",
  }),
}).openapi("Input", {
  description: "exactly one of `image` and `embedding`",
});

/** The multipart form of an image route: one file. */
export const ImageFormSchema = z.object({
  image: z.any().openapi({ type: "string", format: "binary" }),
}).openapi("ImageForm");

/** The multipart form of a verify request: two files (or embeddings as JSON text). */
export const PairFormSchema = z.object({
  a: z.any().openapi({ type: "string", format: "binary" }),
  b: z.any().openapi({ type: "string", format: "binary" }),
}).openapi("PairForm");

/**
 * A verify request in JSON: two inputs.
 */
export const PairSchema = z.object({ a: InputSchema, b: InputSchema })
  .openapi("Pair");

/** The operating points a request may name with `far`. */
export const OperatingPointNameSchema = z.enum(
  OPERATING_POINT_NAMES as [OperatingPointName, ...OperatingPointName[]],
).openapi("OperatingPointName", {
  description:
    "a calibrated operating point: accuracy-maximising, or false accepts at 1 in 1,000 or 1 in 10,000",
});

/** `?liveness=true`: the passive liveness check of the faces used. */
const LivenessQuery = {
  liveness: z.enum(["true", "false"]).optional().transform((value) =>
    value === "true"
  ).openapi({
    type: "string",
    enum: ["true", "false"],
    description:
      "true: also run the passive liveness check on each face used and report it (default false)",
  }),
};

/** `threshold` or `far`, the decision rule of a request. */
export const DecisionQuerySchema = z.object({
  threshold: z.coerce.number().min(-1).max(1).optional().openapi({
    description: "cosine similarity that counts as a match; overrides far",
  }),
  far: OperatingPointNameSchema.optional(),
});

/** The decision rule of a verification, and its liveness check. */
export const VerifyQuerySchema = DecisionQuerySchema.extend(LivenessQuery);

/** Which faces of an image a route uses. */
export const FacesQuerySchema = z.object({
  faces: z.enum(["all", "largest"]).optional().openapi({
    description: "every face (default) or only the largest",
  }),
});

/** Answer of `/v1/detect`. */
export const DetectResponseSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(FaceSchema),
}).openapi("Detection");

/** Answer of `/v1/embed`. */
export const EmbedResponseSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(EmbeddedFaceSchema),
}).openapi("Embedding");

const DecisionSchema = {
  threshold: z.number(),
  operatingPoint: OperatingPointNameSchema.nullable().openapi({
    description:
      "the operating point the threshold came from; null for a threshold of the request",
  }),
};

/** Answer of `/v1/verify`. */
export const VerifyResponseSchema = z.object({
  similarity: z.number(),
  match: z.boolean(),
  ...DecisionSchema,
  faces: z.array(FaceSchema.nullable()).openapi({
    description:
      "the face used from a and from b; null where an embedding was sent",
  }),
}).openapi("Verification");

/** Health of the service, public. */
export const HealthSchema = z.object({
  status: z.literal("ok"),
  version: z.string(),
  backend: z.enum(["wasm", "native"]),
  models: z.array(z.object({ id: z.string(), sha256: z.string() })),
}).openapi("Health");

/**
 * Metadata kept with a subject or a face. A record's check skips a key
 * named `__proto__` (which `JSON.parse` makes an own key): it is refused
 * here, before that check, rather than dropped without a word.
 */
export const MetadataSchema = z.preprocess(
  (value, ctx) => {
    if (
      typeof value === "object" && value !== null &&
      Object.hasOwn(value, "__proto__")
    ) {
      ctx.addIssue({
        code: "custom",
        message: "metadata cannot have a key named __proto__",
        input: value,
      });
    }
    return value;
  },
  z.record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  ),
).openapi("Metadata");

/** A subject. */
export const SubjectSchema = z.object({
  id: z.string(),
  metadata: MetadataSchema,
  faceCount: z.number().int(),
  createdAt: z.string().openapi({ format: "date-time" }),
}).openapi("Subject");

/** A request to create a subject. */
export const NewSubjectSchema = z.object({
  id: z.string().min(1).max(128),
  metadata: MetadataSchema.optional(),
}).openapi("NewSubject");

/** A request to replace a subject's metadata. */
export const SubjectPatchSchema = z.object({ metadata: MetadataSchema })
  .openapi("SubjectPatch");

/** A page of subjects. */
export const SubjectPageSchema = z.object({
  subjects: z.array(SubjectSchema),
  cursor: z.string().nullable().openapi({
    description: "pass as ?cursor= for the next page; null on the last",
  }),
}).openapi("SubjectPage");

/** An enrolled face. */
export const FaceInfoSchema = z.object({
  faceId: z.string(),
  subjectId: z.string(),
  metadata: MetadataSchema,
  source: z.string().nullable(),
  createdAt: z.string().openapi({ format: "date-time" }),
}).openapi("FaceInfo");

/** Answer of an enrolment. */
export const EnrolmentSchema = z.object({
  faceId: z.string(),
  subjectId: z.string(),
  faceCount: z.number().int().openapi({
    description: "faces found in the image (0 where an embedding was sent)",
  }),
  face: FaceSchema.nullable().openapi({
    description: "the face enrolled; null where an embedding was sent",
  }),
}).openapi("Enrolment");

/** One candidate of an identification. */
export const CandidateSchema = z.object({
  subjectId: z.string(),
  faceId: z.string(),
  similarity: z.number(),
}).openapi("Candidate");

/** Answer of `/v1/identify`. */
export const IdentifyResponseSchema = z.object({
  ...DecisionSchema,
  results: z.array(z.object({
    face: FaceSchema.nullable().openapi({
      description: "null where an embedding was sent",
    }),
    subjectId: z.string().nullable().openapi({
      description: "the best subject at or above the threshold; null: unknown",
    }),
    similarity: z.number().nullable(),
    candidates: z.array(CandidateSchema).openapi({
      description:
        "the best `limit` subjects at or above the threshold, each once, best first",
    }),
  })),
}).openapi("Identification");

/** Answer of `/v1/subjects/{id}/verify`. */
export const SubjectVerifyResponseSchema = z.object({
  subjectId: z.string(),
  faceId: z.string().nullable(),
  similarity: z.number().nullable(),
  match: z.boolean(),
  ...DecisionSchema,
  face: FaceSchema.nullable(),
}).openapi("SubjectVerification");

/**
 * The body of every 4xx and 5xx answer.
 */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
  requestId: z.string(),
}).openapi("Error");

/** Why an enrolment was refused, in the error's details. */
export const RefusalSchema = z.object({
  reason: z.enum(REFUSAL_REASONS).openapi({
    description:
      "spoof: with ?liveness=true, the face failed the passive liveness check",
  }),
  message: z.string(),
  measured: z.number().optional(),
  limit: z.number().optional(),
}).openapi("Refusal");

/** The gates of an enrolment, each relaxable per request. */
export const GatesQuerySchema = z.object({
  face: z.enum(["only", "largest"]).optional().openapi({
    description:
      "only (default): a photo with several faces is refused; largest: enrol the largest",
  }),
  minFaceSize: z.coerce.number().min(0).optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
  minSharpness: z.coerce.number().min(0).optional(),
  maxYaw: z.coerce.number().min(0).max(180).optional(),
  maxPitch: z.coerce.number().min(0).max(180).optional(),
  maxDuplicateSimilarity: z.coerce.number().min(-1).max(1).optional(),
  ...LivenessQuery,
});

/** An enrolment in JSON: the input, and what to keep with the face. */
export const EnrolmentInputSchema = InputSchema.extend({
  metadata: MetadataSchema.optional(),
  source: z.string().max(256).optional().openapi({
    description:
      "where the photo came from, unique per subject: enrolling a source again returns the face already made",
  }),
}).openapi("EnrolmentInput");

/** `?cursor&limit` of a subject listing. */
export const PageQuerySchema = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** `?limit` of an identification, with its decision rule and faces. */
export const IdentifyQuerySchema = DecisionQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({
    description: "subjects per face, best first (default 1)",
  }),
  faces: z.enum(["all", "largest"]).optional().openapi({
    description: "identify every face of the image (default) or the largest",
  }),
  ...LivenessQuery,
});

const ChallengeStepSchema = z.enum(CHALLENGE_STEPS).openapi("ChallengeStep", {
  description:
    "blink; turn the head to the person's own left (the nose to the image's right) or right",
});

/** Answer of `POST /v1/liveness/challenges`. */
export const ChallengeSchema = z.object({
  id: z.string(),
  steps: z.array(ChallengeStepSchema).openapi({
    description: "the moves to film, in this order",
  }),
  expiresAt: z.string().openapi({ format: "date-time" }),
  framesPerStep: z.object({
    min: z.literal(CHALLENGE_LIMITS.minFramesPerStep),
    max: z.literal(CHALLENGE_LIMITS.maxFramesPerStep),
  }).openapi({
    description:
      "send the same number of frames for each step, its frames in order, the steps in order",
  }),
  minDurationMs: z.number().int().openapi({
    description: "an answer sooner than this after the challenge fails",
  }),
}).openapi("LivenessChallenge");

/** The JSON form of an answer: the burst as base64 images. */
export const ChallengeAnswerSchema = z.object({
  frames: z.array(z.string().openapi({ format: "byte" })).min(1).max(
    CHALLENGE_LIMITS.maxFramesPerStep * CHALLENGE_STEPS.length,
  ).openapi({ description: "base64 of each frame's image file, in order" }),
}).openapi("ChallengeAnswer");

/** The multipart form of an answer: files `frame`, in order. */
export const ChallengeFormSchema = z.object({
  // Validated by the route, which reads every part named "frame".
  frame: z.any().openapi({
    type: "array",
    items: { type: "string", format: "binary" },
  }),
}).openapi("ChallengeForm");

/** Answer of `POST /v1/liveness/challenges/{id}`. */
export const ChallengeResultSchema = z.object({
  passed: z.boolean(),
  reason: z.enum([
    "frames",
    "timing",
    "face",
    "identity",
    "spoof",
    ...CHALLENGE_STEPS,
  ]).nullable().openapi({
    description:
      "why it failed (null when it passed): the burst's size, an answer too soon, a frame without one usable face, more than one person, the passive check, or the first step not seen",
  }),
  message: z.string().nullable(),
  steps: z.array(z.object({
    step: ChallengeStepSchema,
    passed: z.boolean(),
    evidence: z.object({
      window: z.array(z.number().int()).openapi({
        description: "the step's first and last frame",
      }),
      frames: z.array(z.number().int()).openapi({
        description:
          "a blink: its open, closed and open frames; a turn: the most turned frame",
      }),
      yaw: z.number().optional(),
      closed: z.number().optional(),
      open: z.array(z.number()).optional(),
      limit: z.number().optional(),
      opposite: z.number().int().optional().openapi({
        description: "a frame of the window doing another move",
      }),
    }),
  })),
  frames: z.array(z.object({
    refusal: z.enum(REFUSAL_REASONS).nullable(),
    yaw: z.number().nullable(),
    eyes: z.number().nullable().openapi({
      description: "the more open eye's openness, 0 to 1",
    }),
    liveness: z.number().nullable(),
    similarity: z.number().nullable().openapi({
      description: "with the most frontal face of the burst",
    }),
  })),
}).openapi("LivenessResult");
