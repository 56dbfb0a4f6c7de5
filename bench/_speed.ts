/**
 * `Deno.bench` with the time of every call kept, so that the run can write
 * medians (which `deno bench` does not report) and ratios between rows
 * measured in the same process.
 *
 * @module
 */

import { median } from "./_statistics.ts";

/**
 * The median of one benchmark and how many calls it is over, as written to
 * `bench/results/speed.json`.
 *
 * @example
 * ```ts
 * import type { Speed } from "./_speed.ts";
 * const embed: Speed = { ms: 23.1, runs: 100 };
 * console.log(embed.ms);
 * ```
 */
export interface Speed {
  readonly ms: number;
  readonly runs: number;
}

/**
 * Options of {@linkcode SpeedRecorder.bench}.
 *
 * @example
 * ```ts
 * import type { SpeedOptions } from "./_speed.ts";
 * const options: SpeedOptions = { group: "embed", n: 100, baseline: true };
 * console.log(options.n);
 * ```
 */
export interface SpeedOptions {
  /** `deno bench` group: rows in a group are compared in its summary. */
  readonly group: string;
  /**
   * Measured calls; the median is over the last `n` calls, after `deno
   * bench`'s warm-up ones.
   */
  readonly n: number;
  /** The row the group's other rows are compared with. */
  readonly baseline?: boolean;
}

/**
 * Registers benchmarks and records each call's duration.
 *
 * @example
 * ```ts
 * import { SpeedRecorder } from "./_speed.ts";
 * const speed = new SpeedRecorder();
 * speed.benchSync("sum", { group: "math", n: 1000 }, () => {
 *   let s = 0;
 *   for (let i = 0; i < 1000; i++) s += i;
 * });
 * speed.bench("timer", { group: "io", n: 10 }, () =>
 *   new Promise((resolve) => setTimeout(resolve, 1)));
 * globalThis.addEventListener("unload", () => console.log(speed.results()));
 * ```
 */
export class SpeedRecorder {
  readonly #samples = new Map<string, { n: number; times: number[] }>();

  /**
   * Registers asynchronous work: each call is awaited before the next, and
   * timed to its completion.
   */
  bench(
    name: string,
    options: SpeedOptions,
    fn: () => Promise<unknown>,
  ): void {
    const keep = this.#register(name, options);
    // deno bench awaits only functions declared async: one that merely
    // returns a promise would be timed to the promise's creation.
    this.#define(name, options, async () => {
      const started = performance.now();
      await fn();
      keep(started);
    });
  }

  /**
   * Registers synchronous work, timed without the turn of the event loop
   * an `await` would add.
   *
   * @throws {TypeError} On the first call, if `fn` returns a promise: such
   * work belongs in {@linkcode SpeedRecorder.bench}.
   */
  benchSync(name: string, options: SpeedOptions, fn: () => void): void {
    const keep = this.#register(name, options);
    this.#define(name, options, () => {
      const started = performance.now();
      const result: unknown = fn();
      if (result instanceof Promise) {
        throw new TypeError(
          `benchmark "${name}" returned a promise: register it with bench, not benchSync`,
        );
      }
      keep(started);
    });
  }

  #register(name: string, options: SpeedOptions): (started: number) => void {
    if (this.#samples.has(name)) {
      throw new RangeError(`benchmark "${name}" is registered twice`);
    }
    if (!Number.isInteger(options.n) || options.n < 1) {
      throw new RangeError(
        `n must be a whole number of at least 1, got ${options.n}`,
      );
    }
    const samples = { n: options.n, times: [] as number[] };
    this.#samples.set(name, samples);
    return (started) => {
      samples.times.push(performance.now() - started);
      // Only the last n calls count: earlier ones are deno bench's warm-up.
      if (samples.times.length > 2 * samples.n) {
        samples.times.splice(0, samples.times.length - samples.n);
      }
    };
  }

  #define(
    name: string,
    options: SpeedOptions,
    fn: () => void | Promise<void>,
  ): void {
    Deno.bench({
      name,
      group: options.group,
      baseline: options.baseline,
      n: options.n,
      warmup: Math.min(10, options.n),
      fn,
    });
  }

  /** The median of each benchmark that ran, by name. */
  results(): Record<string, Speed> {
    const results: Record<string, Speed> = {};
    for (const [name, { n, times }] of this.#samples) {
      if (times.length === 0) continue;
      const last = times.slice(-n);
      // Four significant digits: run-to-run noise is far larger.
      results[name] = {
        ms: Number(median(last).toPrecision(4)),
        runs: last.length,
      };
    }
    return results;
  }
}
