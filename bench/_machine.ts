/**
 * A description of the machine a benchmark ran on, for its results file.
 *
 * @module
 */

import { cpus } from "node:os";

/**
 * The machine and runtime, as recorded beside results.
 *
 * @example
 * ```ts
 * import type { Machine } from "./_machine.ts";
 * const machine: Machine = {
 *   cpu: "AMD EPYC",
 *   cores: 2,
 *   memoryGiB: 24,
 *   os: "x86_64-unknown-linux-gnu 6.18",
 *   deno: "2.9.6",
 *   v8: "15.0",
 * };
 * console.log(machine.cores);
 * ```
 */
export interface Machine {
  /** CPU model name. */
  readonly cpu: string;
  /** Logical cores. */
  readonly cores: number;
  /** Physical memory, rounded to GiB. */
  readonly memoryGiB: number;
  /** Target triple and kernel release. */
  readonly os: string;
  readonly deno: string;
  readonly v8: string;
}

/**
 * Describes this machine. Needs `--allow-sys=cpus,systemMemoryInfo,osRelease`
 * (Deno reads `/proc` only with every permission granted).
 *
 * @example
 * ```ts
 * import { describeMachine } from "./_machine.ts";
 * console.log(describeMachine().cores);
 * ```
 */
export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    os: `${Deno.build.target} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}
