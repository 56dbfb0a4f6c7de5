// A FacePool worker: one FaceEngine, with its own ONNX Runtime sessions, so
// that the workers of a pool run on separate cores.

import { FaceEngine } from "./engine.ts";
import { serve } from "./_worker_pool.ts";
import {
  type PoolAnswer,
  type PoolInit,
  type PoolReady,
  type PoolRequest,
  receiveOptions,
} from "./_pool_protocol.ts";

serve<PoolInit, PoolReady, PoolRequest, PoolAnswer>(async (init) => {
  const options = receiveOptions(init);
  const engine = await FaceEngine.create(options);
  return {
    ready: {
      backend: engine.backend,
      threshold: engine.threshold,
      livenessThreshold: engine.livenessThreshold,
    },
    async handle(request) {
      const answer = request.method === "analyze"
        ? await engine.analyze(request.image, request.options)
        : await engine.embedImage(request.image, { pick: request.pick });
      const faces = "faces" in answer ? answer.faces : [answer];
      // Each embedding owns its buffer, which the worker no longer needs.
      const buffers = new Set(
        faces.flatMap(({ embedding }) => embedding ? [embedding.buffer] : []),
      );
      return { value: answer, transfer: [...buffers] as ArrayBuffer[] };
    },
  };
});
