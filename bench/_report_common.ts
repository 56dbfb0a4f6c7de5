/**
 * What every section of `report.ts` shares: reading a results file (or
 * saying how to make it) and writing numbers, dates, machines and tables.
 *
 * @module
 */
import type { Machine } from "./_machine.ts";

const RESULTS = new URL("./results/", import.meta.url);

/** A section's results file is absent: say how to make it. */
export class MissingResultsError extends Error {
  override name = "MissingResultsError";
}

/**
 * A results file of `bench/results/`, parsed; when absent, a
 * {@linkcode MissingResultsError} that names the task making it.
 */
export async function readResult<T>(name: string, task: string): Promise<T> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL(name, RESULTS))) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MissingResultsError(
        `_No \`results/${name}\` yet: run \`deno task ${task}\`._`,
      );
    }
    throw error;
  }
}

/** A share as a percentage, e.g. `99.38 %`. */
export const pct = (value: number, digits = 2) =>
  `${(value * 100).toFixed(digits)} %`;
/** A count with thousands separators. */
export const num = (value: number) => value.toLocaleString("en-US");
/** The date of an ISO timestamp. */
export const day = (iso: string) => iso.slice(0, 10);
/** Two decimals, or two significant digits below 0.1 ms (cosine). */
export const formatMs = (ms: number) =>
  ms < 0.1 ? ms.toPrecision(2) : ms.toFixed(2);

/** The machine a result was measured on, in one line. */
export function machineLine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Deno ${machine.deno} (V8 ${machine.v8})`;
}

/** A Markdown table whose first `labels` columns are text, the rest numbers. */
export function table(
  header: readonly string[],
  rows: readonly string[][],
  labels = 1,
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, i) => i < labels ? "---" : "---:");
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}
