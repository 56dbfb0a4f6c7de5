// Reading what a request sends: an image as a multipart file, a raw image
// body or base64 in JSON, or an embedding in JSON where one may stand in.
// The format of an image is told by its bytes (the decoder does that), never
// by its Content-Type; these functions only take the bytes out.

import { excerpt, FaceError } from "@facever/core";
import type { Context } from "hono";
import { ApiError } from "./errors.ts";

/** The length of an embedding of the bundled model. */
export const EMBEDDING_LENGTH = 512;

/** How far from 1 an embedding's norm may be (float32 rounding, JSON digits). */
const NORM_TOLERANCE = 1e-3;

/** An image's bytes, or an embedding the caller computed before. */
export type Input =
  | { readonly image: Uint8Array }
  | { readonly embedding: Float32Array };

/** The JSON form of one input. */
export interface InputJson {
  readonly image?: string;
  readonly embedding?: readonly number[];
}

/** Which kind of body a request has, from its Content-Type. */
export function bodyKind(c: Context): "json" | "multipart" | "raw" {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/json")) return "json";
  if (type.startsWith("multipart/form-data")) return "multipart";
  return "raw";
}

/**
 * The inputs named `fields` of a request: multipart files of those names,
 * a JSON object with those properties, or (for a single field) the raw
 * body. `json` is the body already parsed and checked by the route's
 * schema.
 */
export async function readInputs(
  c: Context,
  fields: readonly string[],
  json: Readonly<Record<string, unknown>> | undefined,
): Promise<Input[]> {
  const kind = bodyKind(c);
  if (kind === "json") {
    const body = fields.length === 1 ? json : undefined;
    return fields.map((field) =>
      fromJson(
        field,
        (body ?? json?.[field]) as InputJson | undefined,
      )
    );
  }
  if (kind === "multipart") {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch (cause) {
      throw new ApiError(
        "invalid_request",
        `the multipart body cannot be read: ${(cause as Error).message}`,
      );
    }
    return await Promise.all(fields.map(async (field) => {
      const value = form[field];
      if (value instanceof File) {
        return { image: new Uint8Array(await value.arrayBuffer()) };
      }
      if (typeof value === "string" && fields.length > 1) {
        // A text part of a verify request may carry an embedding as JSON.
        return fromJson(field, parseJsonField(field, value));
      }
      throw new ApiError(
        "invalid_request",
        `the multipart body has no file field "${field}"`,
      );
    }));
  }
  if (fields.length > 1) {
    throw new ApiError(
      "invalid_request",
      `send the images ${
        fields.map((f) => `"${f}"`).join(" and ")
      } as multipart files or in a JSON object`,
    );
  }
  const image = new Uint8Array(await c.req.arrayBuffer());
  if (image.length === 0) {
    throw new ApiError(
      "invalid_request",
      'the request has no image: send it as the body, as a multipart file "image", or as base64 in JSON {"image": "…"}',
    );
  }
  return [{ image }];
}

function parseJsonField(field: string, text: string): InputJson {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(
      "invalid_request",
      `the multipart field "${field}" is neither a file nor JSON`,
    );
  }
}

function fromJson(field: string, value: InputJson | undefined): Input {
  if (value?.image !== undefined && value.embedding !== undefined) {
    throw new ApiError(
      "invalid_request",
      `"${field}" has both an image and an embedding; send one`,
    );
  }
  if (typeof value?.image === "string") {
    return { image: decodeBase64(`${field}.image`, value.image) };
  }
  if (value?.embedding !== undefined) {
    return { embedding: checkEmbedding(value.embedding) };
  }
  throw new ApiError(
    "invalid_request",
    `"${field}" needs an "image" (base64) or an "embedding" (${EMBEDDING_LENGTH} numbers)`,
  );
}

/** The bytes of base64 `text` (a data: URL too) sent as `field`. */
export function decodeBase64(field: string, text: string): Uint8Array {
  // A data: URL's prefix is allowed, as browsers produce them.
  const data = text.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  try {
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    if (bytes.length === 0) throw new Error("empty");
    return bytes;
  } catch {
    throw new ApiError(
      "invalid_request",
      `"${field}" is not base64 of an image file`,
    );
  }
}

/**
 * A copy of `values` as float32, refused unless it is an embedding of the
 * bundled model: 512 finite numbers of unit length.
 */
export function checkEmbedding(values: readonly unknown[]): Float32Array {
  if (!Array.isArray(values) || values.length !== EMBEDDING_LENGTH) {
    throw new FaceError(
      "invalid_embedding",
      `an embedding has ${EMBEDDING_LENGTH} numbers, got ${
        Array.isArray(values) ? values.length : typeof values
      }`,
    );
  }
  const embedding = new Float32Array(EMBEDDING_LENGTH);
  let sum = 0;
  for (let i = 0; i < EMBEDDING_LENGTH; i++) {
    const value = values[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new FaceError(
        "invalid_embedding",
        `embedding[${i}] is ${
          excerpt(JSON.stringify(value) ?? typeof value)
        }; every value must be a finite number`,
      );
    }
    embedding[i] = value;
    sum += value * value;
  }
  const norm = Math.sqrt(sum);
  if (Math.abs(norm - 1) > NORM_TOLERANCE) {
    throw new FaceError(
      "invalid_embedding",
      `the embedding's norm is ${norm}; embeddings have unit length (within ${NORM_TOLERANCE})`,
    );
  }
  return embedding;
}
