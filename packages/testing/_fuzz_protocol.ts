/**
 * What the fuzz supervisor (`fuzz_runner.ts`) and its child
 * (`fuzz_child.ts`) say to each other: the plan file one writes and the
 * other reads, and the report lines the child prints.
 *
 * @module
 */
import type { FuzzResult } from "./fuzz_pipeline.ts";

/** Where the child finds its work: written by the supervisor. */
export interface ChildPlan {
  readonly seed: number;
  /** The first input to run (inputs before it ran in an earlier child). */
  readonly from: number;
  /** Re-run a valid sample after this many inputs. */
  readonly recheckEvery: number;
  readonly samples: readonly {
    name: string;
    path: string;
    mutations: number;
  }[];
}

/** One line of the child's report, after {@linkcode LINE_PREFIX}. */
export type ChildLine =
  | { type: "warm"; rss: number; results: Record<string, FuzzResult> }
  | {
    type: "input";
    index: number;
    sample: string;
    outcome: string;
    detail?: string;
    ms: number;
    rss: number;
    peak: number;
    highWaterMark?: number;
  }
  | { type: "recheck"; sample: string; after: number; detail?: string }
  | { type: "end"; peak: number; highWaterMark?: number };

/** Marks the child's report lines among whatever else it prints. */
export const LINE_PREFIX = "FUZZ\t";
