/**
 * Where the CLI gets its engine and its standard input, and the engine
 * made from the command line's options.
 *
 * @module
 */
import {
  type Analysis,
  type AnalyzeOptions,
  type Face,
  FaceEngine,
  type FaceEngineOptions,
  type VerifyResult,
} from "@facever/model";
import { numberOption, UsageError } from "./_args.ts";

/**
 * What the CLI needs of a face engine: `FaceEngine` itself, or a stand-in
 * in tests of how the CLI reports failures.
 */
export interface CliEngine {
  analyze(image: Uint8Array, options: AnalyzeOptions): Promise<Analysis>;
  compare(a: Face, b: Face): VerifyResult;
}

/**
 * Where the CLI gets its engine and its standard input; the defaults are
 * `FaceEngine.create` and `Deno.stdin`.
 *
 * @example
 * ```ts
 * import type { CliOptions } from "./main.ts";
 * const options: CliOptions = { stdin: () => Promise.resolve(new Uint8Array()) };
 * console.log(typeof options.stdin);
 * ```
 */
export interface CliOptions {
  readonly createEngine?: (options: FaceEngineOptions) => Promise<CliEngine>;
  readonly stdin?: () => Promise<Uint8Array>;
}

/** The engine, made with the options of the command line. */
export async function createEngine(
  values: Record<string, string | boolean | undefined>,
  options: CliOptions,
  liveness = false,
): Promise<CliEngine> {
  const threshold = numberOption(values.threshold, "threshold");
  const engineOptions: FaceEngineOptions = {
    maxPixels: numberOption(values["max-pixels"], "max-pixels"),
    ...(liveness ? { liveness: { threshold } } : { threshold }),
  };
  try {
    return await (options.createEngine ?? FaceEngine.create)(engineOptions);
  } catch (error) {
    // The engine checks its options first: a RangeError names the flag.
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}
