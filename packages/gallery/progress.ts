/**
 * A progress bar for runs that take minutes: enrolments, benchmarks,
 * calibrations.
 *
 * @module
 */

import { checkNumber } from "./_validate.ts";

const WIDTH = 20;
/** Redraws at most this often on a terminal, in milliseconds. */
const REDRAW_MS = 250;
/** Without a terminal, a line is written at each of these steps (10 %). */
const LOG_STEPS = 10;

/**
 * Where a {@linkcode ProgressBar} writes: `Deno.stderr`, or anything alike.
 *
 * @example
 * ```ts
 * import type { ProgressOutput } from "@facever/gallery";
 * let text = "";
 * const output: ProgressOutput = {
 *   writeSync: (bytes) => (text += new TextDecoder().decode(bytes), bytes.length),
 *   isTerminal: () => false,
 * };
 * output.writeSync(new TextEncoder().encode("hello"));
 * console.log(text); // "hello"
 * ```
 */
export interface ProgressOutput {
  /** Writes the bytes as they are; returns how many were written. */
  writeSync(bytes: Uint8Array): number;
  /** Whether a person watches: the bar is then redrawn in place. */
  isTerminal(): boolean;
}

/**
 * Where and by which clock a {@linkcode ProgressBar} is drawn.
 *
 * @example
 * ```ts
 * import type { ProgressBarOptions } from "@facever/gallery";
 * let now = 0;
 * const options: ProgressBarOptions = { output: Deno.stderr, now: () => now };
 * now = 1000;
 * console.log(options.now?.()); // 1000
 * ```
 */
export interface ProgressBarOptions {
  /** Default `Deno.stderr`. */
  readonly output?: ProgressOutput;
  /**
   * Milliseconds since some fixed moment; default `performance.now`. The
   * bar starts when it is created.
   */
  readonly now?: () => number;
}

/**
 * `label [#####---------------]  25%  1200/4800  counts  21.3/s  ETA 2m49s`:
 * redrawn in place on a terminal (at most every 250 ms, and always at the
 * end), or written as a line at every 10 % otherwise, so that logs stay
 * short. {@linkcode ProgressBar.finish} ends it with the time taken.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@facever/gallery";
 * const bar = new ProgressBar("images", 3);
 * for (let done = 1; done <= 3; done++) bar.update(done, `${done} ok`);
 * bar.finish("3 ok");
 * // stderr, without a terminal:
 * // images [####################] 100%  3/3  3 ok  …/s  ETA 0s
 * // images: 3/3 in 0s  3 ok
 * ```
 */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #output: ProgressOutput;
  readonly #terminal: boolean;
  readonly #now: () => number;
  readonly #started: number;
  readonly #encoder = new TextEncoder();
  #drawnAt = -Infinity;
  #logged = 0;
  #done = 0;

  /**
   * A bar for `total` steps, named `label`.
   *
   * @throws {TypeError} when `label` is not a string or `total` not a
   * number.
   * @throws {RangeError} when `total` is not a whole number of at least 0.
   */
  constructor(label: string, total: number, options: ProgressBarOptions = {}) {
    if (typeof label !== "string") {
      throw new TypeError(`label must be a string, got ${typeof label}`);
    }
    checkNumber("total", total, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      whole: true,
      allowed: "a whole number of at least 0",
    });
    this.#label = label;
    this.#total = total;
    this.#output = options.output ?? Deno.stderr;
    this.#terminal = this.#output.isTerminal();
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /**
   * Records that `done` of the steps are finished; `counts` is shown after
   * them (for example `enrolled 12  rejected 1`).
   *
   * @throws {RangeError} when `done` is not a whole number from 0 to the
   * total.
   */
  update(done: number, counts: string = ""): void {
    checkNumber("done", done, {
      min: 0,
      max: this.#total,
      whole: true,
      allowed: `a whole number from 0 to ${this.#total}`,
    });
    this.#done = done;
    const now = this.#now();
    if (this.#terminal) {
      if (now - this.#drawnAt < REDRAW_MS && done < this.#total) return;
      this.#drawnAt = now;
      this.#write(`\r${this.#line(now, counts)}\x1b[K`);
    } else {
      const step = this.#total === 0
        ? LOG_STEPS
        : Math.floor((done * LOG_STEPS) / this.#total);
      if (step > this.#logged) {
        this.#logged = step;
        this.#write(`${this.#line(now, counts)}\n`);
      }
    }
  }

  /** Ends the bar with a line of the steps done, the time taken and `counts`. */
  finish(counts: string = ""): void {
    const seconds = (this.#now() - this.#started) / 1000;
    const end = `${this.#label}: ${this.#done}/${this.#total} in ${
      formatDuration(seconds)
    }${counts ? `  ${counts}` : ""}`;
    this.#write(this.#terminal ? `\r${end}\x1b[K\n` : `${end}\n`);
  }

  #line(now: number, counts: string): string {
    const done = this.#done, total = this.#total;
    const share = total === 0 ? 1 : done / total;
    const filled = Math.round(share * WIDTH);
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = done === total
      ? "0s"
      : rate > 0
      ? formatDuration((total - done) / rate)
      : "?";
    return `${this.#label} [${"#".repeat(filled)}${
      "-".repeat(WIDTH - filled)
    }] ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${total}${
      counts ? `  ${counts}` : ""
    }  ${rate.toFixed(1)}/s  ETA ${eta}`;
  }

  #write(text: string): void {
    this.#output.writeSync(this.#encoder.encode(text));
  }
}

/** Seconds as `1h02m`, `4m05s` or `12s`. */
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}
