// The onnxruntime-node backend: ONNX Runtime's own CPU build, loaded as a
// Node-API addon where the runtime allows native code.

import type * as NodeOrt from "onnxruntime-node";
import { ortSession, type Session } from "./_session.ts";

type Ort = typeof NodeOrt;

let runtime: Promise<Ort> | undefined;

/**
 * Whether this process may load native code, asked without prompting:
 * `undefined` where there is no permissions API to ask.
 */
export function ffiPermission(): Deno.PermissionState | undefined {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state;
  } catch {
    return undefined;
  }
}

/**
 * onnxruntime-node, imported once per process. The import rejects, and the
 * process goes on, where the addon cannot load: no `--allow-ffi`, `--allow-read`
 * or `--allow-env`; a runtime without Node-API such as Deno Deploy; or a
 * platform the package ships no binary for.
 */
export function importNative(): Promise<Ort> {
  runtime ??= import("onnxruntime-node");
  return runtime;
}

/**
 * Creates a native session with `threads` intra-op threads. One thread by
 * default keeps a session to one core, so that sessions in several workers
 * do not compete for the same cores.
 */
export async function createNativeSession(
  bytes: Uint8Array,
  threads: number,
): Promise<Session> {
  const ort = await importNative();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  return ortSession(
    "native",
    session,
    (data, dims) => new ort.Tensor("float32", data, dims),
  );
}
