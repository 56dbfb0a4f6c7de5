// What FacePool and its workers send each other. Engine options cross as
// they are, except model URLs: a URL cannot be cloned, so it crosses as its
// href.

import type { FaceDetectorOptions } from "./detector.ts";
import type { FaceEmbedderOptions } from "./embedder.ts";
import type {
  Analysis,
  AnalyzeOptions,
  Face,
  FaceEngineOptions,
  FacePick,
  ImageInput,
} from "./engine.ts";
import type { ModelSource, ResolvedBackend } from "./types.ts";

/** A {@linkcode ModelSource} that can be cloned. */
export type SentSource = Uint8Array | string | { readonly url: string };

/** {@linkcode FaceEngineOptions} that can be cloned. */
export interface PoolInit
  extends Omit<FaceEngineOptions, "detector" | "embedder"> {
  readonly detector?:
    & Omit<FaceDetectorOptions, "detector" | "landmarks">
    & { readonly detector?: SentSource; readonly landmarks?: SentSource };
  readonly embedder?:
    & Omit<FaceEmbedderOptions, "model">
    & { readonly model?: SentSource };
}

/** What a worker reports once its engine is loaded. */
export interface PoolReady {
  readonly backend: ResolvedBackend;
  readonly threshold: number;
  readonly livenessThreshold: number | undefined;
}

/** One call of a FaceEngine method. */
export type PoolRequest =
  | {
    readonly method: "analyze";
    readonly image: ImageInput;
    readonly options: AnalyzeOptions;
  }
  | {
    readonly method: "embedImage";
    readonly image: ImageInput;
    readonly pick?: FacePick;
  };

/** What the method returned: an `Analysis` for `analyze`, a `Face` for `embedImage`. */
export type PoolAnswer = Analysis | Face;

function send(source: ModelSource | undefined): SentSource | undefined {
  return source instanceof URL ? { url: source.href } : source;
}

function receive(source: SentSource | undefined): ModelSource | undefined {
  return source === undefined || typeof source === "string" ||
      source instanceof Uint8Array
    ? source
    : new URL(source.url);
}

/** `options` as they can be posted to a worker. */
export function sendOptions(options: FaceEngineOptions): PoolInit {
  const { detector, embedder } = options;
  return {
    ...options,
    detector: detector && {
      ...detector,
      detector: send(detector.detector),
      landmarks: send(detector.landmarks),
    },
    embedder: embedder && { ...embedder, model: send(embedder.model) },
  };
}

/** The options {@linkcode sendOptions} was given. */
export function receiveOptions(init: PoolInit): FaceEngineOptions {
  const { detector, embedder } = init;
  return {
    ...init,
    detector: detector && {
      ...detector,
      detector: receive(detector.detector),
      landmarks: receive(detector.landmarks),
    },
    embedder: embedder && { ...embedder, model: receive(embedder.model) },
  };
}
