/**
 * Summary statistics of repeated measurements.
 *
 * @module
 */

/**
 * The middle value (the mean of the two middle ones for an even count).
 *
 * @throws {RangeError} For an empty list.
 *
 * @example
 * ```ts
 * import { median } from "./_statistics.ts";
 * console.log(median([3, 1, 2, 10])); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError("the median of an empty list is undefined");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
