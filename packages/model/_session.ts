// What the runner needs of a backend's inference session, and the one
// adapter that turns either ONNX Runtime's session into it.

import type { Float32Tensor, ResolvedBackend } from "./types.ts";

/** One model's session on one backend. */
export interface Session {
  readonly backend: ResolvedBackend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Promise<Record<string, Float32Tensor>>;
}

/** The part of an onnxruntime-web or onnxruntime-node tensor used here. */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose(): void;
}

/** The part of an onnxruntime-web or onnxruntime-node session used here. */
interface OrtSession<Input> {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Input>): Promise<Record<string, OrtTensor>>;
}

/**
 * Wraps an ONNX Runtime session: `tensor` builds the runtime's own input
 * tensors. Outputs are released after their data is taken, which frees what
 * a runtime holds beyond the returned array.
 */
export function ortSession<Input>(
  backend: ResolvedBackend,
  session: OrtSession<Input>,
  tensor: (data: Float32Array, dims: readonly number[]) => Input,
): Session {
  return {
    backend,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const inputs: Record<string, Input> = {};
      for (const [name, { data, dims }] of Object.entries(feeds)) {
        inputs[name] = tensor(data, dims);
      }
      const results = await session.run(inputs);
      const outputs: Record<string, Float32Tensor> = {};
      for (const [name, result] of Object.entries(results)) {
        outputs[name] = {
          data: result.data as Float32Array,
          dims: result.dims,
        };
        result.dispose();
      }
      return outputs;
    },
  };
}
