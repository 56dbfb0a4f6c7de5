/**
 * A worker of {@linkcode embedPairs}: it loads its own models (one
 * onnxruntime session each, so workers run on separate cores) and embeds
 * one image per request, in the order the requests arrive.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { FaceEngine } from "@facever/model";
import type { PipelineOptions } from "./lfw.ts";

// onnxruntime-web resolves its own URL against `location.origin` as it
// loads. A worker started from a file has a `location` whose origin is
// "null", which is no base URL, so the import would throw; the main thread
// has no `location`, and the worker hides its own the same way before the
// models' code is loaded (writable, as on the main thread, since MozJPEG's
// loader sets a stand-in where there is none).
Object.defineProperty(globalThis, "location", {
  value: undefined,
  configurable: true,
  writable: true,
});
const { FaceEngine: Engine } = await import("@facever/model");

/** What the main thread asks: embed `file` with `pipeline`. */
export interface WorkerRequest {
  readonly file: string;
  readonly pipeline: Required<PipelineOptions>;
}

/**
 * The answer: the embedding (absent when no face was found) and the time
 * the whole pipeline took, reading the file included; or why it failed.
 */
export type WorkerResponse =
  | {
    readonly file: string;
    readonly embedding: Float32Array | undefined;
    readonly ms: number;
  }
  | { readonly file: string; readonly error: string };

const engines = new Map<string, Promise<FaceEngine>>();

function engineFor(pipeline: Required<PipelineOptions>): Promise<FaceEngine> {
  const key = JSON.stringify(pipeline);
  let engine = engines.get(key);
  if (!engine) {
    engine = Engine.create({
      embedder: {
        channelOrder: pipeline.channelOrder,
        mirror: pipeline.mirror,
      },
    });
    engines.set(key, engine);
  }
  return engine;
}

async function embed(request: WorkerRequest): Promise<WorkerResponse> {
  const { file, pipeline } = request;
  try {
    const engine = await engineFor(pipeline);
    const started = performance.now();
    let embedding: Float32Array | undefined;
    try {
      const face = await engine.embedImage(await Deno.readFile(file), {
        pick: pipeline.pick,
      });
      embedding = face.embedding;
    } catch (error) {
      if ((error as { code?: string }).code !== "no_face") throw error;
    }
    return { file, embedding, ms: performance.now() - started };
  } catch (error) {
    return { file, error: String(error) };
  }
}

// One image at a time: a second request waits here instead of sharing the
// onnxruntime session, so the main thread can keep the queue full.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  queue = queue.then(async () => {
    self.postMessage(await embed(event.data));
  });
};
