/**
 * The records the LFW protocol passes between its stages: a pair, the
 * pipeline's choices, and what the pipeline made of one image.
 *
 * @module
 */

import type { ChannelOrder } from "@facever/core";
import type { FacePick } from "@facever/model";

/** One LFW pair: two image paths and whether they show the same person. */
export interface Pair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

/**
 * Pipeline choices that change embeddings, for {@linkcode embedPairs}.
 *
 * @example
 * ```ts
 * import type { PipelineOptions } from "./_lfw_types.ts";
 * const flipTest: PipelineOptions = { mirror: true };
 * console.log(flipTest);
 * ```
 */
export interface PipelineOptions {
  /** Channel order fed to the embedder; default the model's own (BGR). */
  readonly channelOrder?: ChannelOrder;
  /** Average each face's embedding with its mirror image's; default false. */
  readonly mirror?: boolean;
  /**
   * Which face of an image to use. Default `"central"`: LFW pairs are about
   * the person in the middle, and some images hold bystanders.
   */
  readonly pick?: FacePick;
}

/**
 * What the pipeline made of one image.
 *
 * @example
 * ```ts
 * import type { ImageEmbedding } from "./_lfw_types.ts";
 * const noFace: ImageEmbedding = { embedding: undefined, ms: 38.5 };
 * console.log(noFace.embedding === undefined); // true
 * ```
 */
export interface ImageEmbedding {
  /** The unit-length embedding, or `undefined` when no face was found. */
  readonly embedding: Float32Array | undefined;
  /**
   * Milliseconds from handing the file's bytes to the pool to the
   * embedding (decode, detect, align, embed and the round trip to the
   * worker), with every worker busy.
   */
  readonly ms: number;
}
