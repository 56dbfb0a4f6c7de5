// What the runner needs of a backend's inference session.

import type { Float32Tensor, ResolvedBackend } from "./runner.ts";

/** One model's session on one backend. */
export interface Session {
  readonly backend: ResolvedBackend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
  ): Promise<Record<string, Float32Tensor>>;
}
