/**
 * The API's one error envelope, `{"error": {"code", "message", "details"?},
 * "requestId"}`, and how every error becomes one: a `FaceError` of the
 * packages by its code, an {@linkcode ApiError} of the HTTP layer by its
 * own, anything else as a 500 that tells the client nothing of the cause.
 *
 * @module
 */

import { FaceError, type FaceErrorCode } from "@facever/core";

/** The codes of errors that only the HTTP layer raises. */
export type ApiErrorCode =
  | "invalid_request"
  | "enrolment_refused"
  | "challenge_refused"
  | "unauthorized"
  | "route_not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "timeout"
  | "internal_error";

/**
 * Every code a client can see in `error.code`.
 *
 * @example
 * ```ts
 * import type { ErrorCode } from "@facever/edge";
 * const retry = (code: ErrorCode) => code === "rate_limited" || code === "timeout";
 * console.log(retry("timeout")); // true
 * ```
 */
export type ErrorCode = ApiErrorCode | FaceErrorCode;

const API_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  invalid_request: 400,
  enrolment_refused: 422,
  challenge_refused: 410,
  unauthorized: 401,
  route_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  timeout: 503,
  internal_error: 500,
};

const FACE_STATUS: Readonly<Record<FaceErrorCode, number>> = {
  unsupported_format: 415,
  corrupt_image: 422,
  truncated_image: 422,
  too_large: 413,
  no_face: 422,
  model_load_failed: 503,
  invalid_argument: 400,
  invalid_embedding: 400,
  not_found: 404,
  already_exists: 409,
  gallery_mismatch: 409,
  limit_exceeded: 409,
  conflict: 409,
};

/**
 * The HTTP status that answers an error code.
 *
 * @example
 * ```ts
 * import { statusOf } from "@facever/edge";
 * console.log(statusOf("no_face"), statusOf("unauthorized")); // 422 401
 * ```
 */
export function statusOf(code: ErrorCode): number {
  return (API_STATUS as Record<string, number>)[code] ??
    (FACE_STATUS as Record<string, number>)[code];
}

/**
 * An error of the HTTP layer: a request it refuses before any package sees
 * it (a bad body, a missing key, too many requests).
 *
 * @example
 * ```ts
 * import { ApiError } from "@facever/edge";
 * const error = new ApiError("rate_limited", "slow down", { retryAfter: 3 });
 * console.log(error.status); // 429
 * ```
 */
export class ApiError extends Error {
  /** Stable code for programs. */
  readonly code: ApiErrorCode;
  /** Structured facts about the failure, sent as `error.details`. */
  readonly details?: unknown;

  /** Creates the error; `details` must be safe to show the client. */
  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.details = details;
  }

  /** The HTTP status that answers it. */
  get status(): number {
    return API_STATUS[this.code];
  }
}

/**
 * The body of every 4xx and 5xx answer.
 *
 * @example
 * ```ts
 * import type { ErrorEnvelope } from "@facever/edge";
 * const body: ErrorEnvelope = {
 *   error: { code: "no_face", message: "no face found in the image" },
 *   requestId: "4f1c…",
 * };
 * console.log(body.error.code);
 * ```
 */
export interface ErrorEnvelope {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: unknown;
  };
  readonly requestId: string;
}

/**
 * The envelope and status for any thrown value. A `FaceError` or an
 * {@linkcode ApiError} says what was wrong; anything else is a bug, which
 * the client learns nothing about beyond the request id (the server logs
 * the cause).
 *
 * @example
 * ```ts
 * import { FaceError } from "@facever/core";
 * import { toEnvelope } from "@facever/edge";
 * const { status, body } = toEnvelope(new FaceError("no_face", "no face"), "r1");
 * console.log(status, body.error.code); // 422 "no_face"
 * ```
 */
export function toEnvelope(
  error: unknown,
  requestId: string,
): { status: number; body: ErrorEnvelope; bug: boolean } {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
        requestId,
      },
      bug: false,
    };
  }
  if (error instanceof FaceError) {
    return {
      status: FACE_STATUS[error.code],
      body: { error: { code: error.code, message: error.message }, requestId },
      bug: false,
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "internal_error",
        message:
          "the server failed on this request; quote the request id to its operator",
      },
      requestId,
    },
    bug: true,
  };
}
