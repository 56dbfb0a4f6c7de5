// The active liveness challenge: the server asks for moves in a random
// order (POST /v1/liveness/challenges), the client films them and sends
// the burst of frames (POST /v1/liveness/challenges/{id}), and the server
// judges it from the eye net, the pose and the faces (@facever/gallery's
// judgeChallenge). A challenge is answered once: the first answer consumes
// it, before its frames are analysed.

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  CHALLENGE_LIMITS,
  type ChallengeVerdict,
  judgeChallenge,
} from "@facever/gallery";
import { OPERATING_POINTS } from "@facever/model";
import type { AppEnv } from "./_context.ts";
import type { Context } from "hono";
import { bodyKind, decodeBase64 } from "./_inputs.ts";
import {
  ChallengeAnswerSchema,
  ChallengeFormSchema,
  ChallengeResultSchema,
  ChallengeSchema,
} from "./_schemas.ts";
import { errorResponses } from "./_shared.ts";
import { ApiError } from "./errors.ts";

/**
 * Two faces of a burst are one person at the point where 1 in 1,000
 * impostor pairs match: a burst that swaps people fails, while one person
 * turned 45° still matches their frontal face (George W. Bush's LFW
 * photos used in the tests: 0.55 to 0.8).
 */
const SAME_FACE = OPERATING_POINTS["far-1e-3"].threshold;

const ChallengeParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" } }),
});

const issue = createRoute({
  method: "post",
  path: "/v1/liveness/challenges",
  summary: "A new active liveness challenge: moves to film, in random order",
  description:
    "Single use, expiring at expiresAt. Film the moves in the order of steps and send the burst to /v1/liveness/challenges/{id}.",
  responses: {
    201: {
      description: "the challenge",
      content: { "application/json": { schema: ChallengeSchema } },
    },
    ...errorResponses(401, 429),
  },
});

const answer = createRoute({
  method: "post",
  path: "/v1/liveness/challenges/{id}",
  summary: "Answer a challenge with a burst of frames; judged once",
  description:
    'The frames in order, the same number for each step (multipart files "frame", or JSON {"frames": [base64, …]}). The first answer that has the right number of frames consumes the challenge, whatever its verdict; a second answer, or one after expiresAt, is refused with 410 challenge_refused.',
  request: {
    params: ChallengeParams,
    body: {
      required: false,
      content: {
        "application/json": { schema: ChallengeAnswerSchema },
        "multipart/form-data": { schema: ChallengeFormSchema },
      },
    },
  },
  responses: {
    200: {
      description: "the verdict, with what was measured",
      content: { "application/json": { schema: ChallengeResultSchema } },
    },
    ...errorResponses(400, 401, 404, 410, 413, 415, 422, 429),
  },
});

/** Adds the liveness challenge routes to `app`. */
export function challengeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(issue, async (c) => {
    const { challenges } = c.get("services");
    const challenge = await challenges.issue(c.get("tenant")!);
    const steps = challenge.steps.length;
    return c.json({
      id: challenge.id,
      steps: [...challenge.steps],
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      framesPerStep: {
        min: CHALLENGE_LIMITS.minFramesPerStep,
        max: CHALLENGE_LIMITS.maxFramesPerStep,
      },
      minDurationMs: CHALLENGE_LIMITS.minMsPerStep * steps,
    }, 201);
  });

  app.openapi(answer, async (c) => {
    // The answer's time is when it arrived, not when its frames are read.
    const arrived = Date.now();
    const { id } = c.req.valid("param");
    const tenant = c.get("tenant")!;
    const services = c.get("services");
    const opened = await services.challenges.open(tenant, id);
    const frames = await readFrames(
      c,
      c.req.valid("json"),
      opened.challenge.steps.length,
    );
    await services.challenges.consume(tenant, opened);
    const analyses = await Promise.all(
      frames.map((frame) =>
        services.engine.analyze(frame, {
          embed: "largest",
          liveness: true,
          eyes: true,
        })
      ),
    );
    const verdict = judgeChallenge(analyses.map(({ faces }) => faces), {
      steps: opened.challenge.steps,
      elapsedMs: arrived - opened.challenge.issuedAt,
      sameFace: SAME_FACE,
    });
    return c.json(verdictJson(verdict), 200);
  });
}

/**
 * The burst: multipart files `frame` in order, or base64 in JSON. Their
 * number is checked before any is read: 50,000 tiny files took 3.5 s to
 * read, for an answer refused by its count.
 */
async function readFrames(
  c: Context,
  json: unknown,
  steps: number,
): Promise<Uint8Array[]> {
  if (bodyKind(c) === "json") {
    const { frames } = json as { frames: string[] };
    checkFrameCount(frames.length, steps);
    return frames.map((text, i) => decodeBase64(`frames[${i}]`, text));
  }
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody({ all: true });
  } catch (cause) {
    throw new ApiError(
      "invalid_request",
      `the multipart body cannot be read: ${(cause as Error).message}`,
    );
  }
  const parts = [form.frame ?? []].flat();
  if (parts.length === 0 || !parts.every((part) => part instanceof File)) {
    throw new ApiError(
      "invalid_request",
      'send the frames as multipart files "frame", in order',
    );
  }
  checkFrameCount(parts.length, steps);
  return await Promise.all(
    (parts as File[]).map(async (file) =>
      new Uint8Array(await file.arrayBuffer())
    ),
  );
}

/** Refuses a burst that has not the same allowed number for each step. */
function checkFrameCount(count: number, steps: number): void {
  const perStep = count / steps;
  if (
    !Number.isInteger(perStep) ||
    perStep < CHALLENGE_LIMITS.minFramesPerStep ||
    perStep > CHALLENGE_LIMITS.maxFramesPerStep
  ) {
    throw new ApiError(
      "invalid_request",
      `send ${CHALLENGE_LIMITS.minFramesPerStep} to ${CHALLENGE_LIMITS.maxFramesPerStep} frames for each of the ${steps} steps, the same number for each; got ${count}`,
    );
  }
}

function verdictJson(verdict: ChallengeVerdict) {
  const round = (value: number | null, digits: number) =>
    value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    passed: verdict.passed,
    reason: verdict.reason,
    message: verdict.message,
    steps: verdict.steps.map(({ step, passed, evidence }) => ({
      step,
      passed,
      evidence: {
        ...evidence,
        window: [...evidence.window],
        frames: [...evidence.frames],
        ...(evidence.yaw !== undefined && { yaw: round(evidence.yaw, 1)! }),
        ...(evidence.closed !== undefined &&
          { closed: round(evidence.closed, 4)! }),
        open: evidence.open?.map((value) => round(value, 4)!),
      },
    })),
    frames: verdict.frames.map((frame) => ({
      refusal: frame.refusal,
      yaw: round(frame.yaw, 1),
      eyes: round(frame.eyes, 4),
      liveness: round(frame.liveness, 4),
      similarity: round(frame.similarity, 4),
    })),
  };
}
