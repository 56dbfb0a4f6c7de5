/**
 * A progress bar with throughput and time left, for runs that take minutes.
 *
 * @module
 */

const WIDTH = 30;
/** Redraws at most this often on a terminal, in milliseconds. */
const REDRAW_MS = 250;
/** Without a terminal, a line is written at each of these steps (10 %). */
const LOG_STEPS = 10;

/**
 * Where and how the bar is drawn; the defaults are stderr and the clock.
 *
 * @example
 * ```ts
 * import type { ProgressOptions } from "./_progress.ts";
 * const lines: string[] = [];
 * const options: ProgressOptions = { write: (text) => lines.push(text), terminal: false };
 * console.log(options.terminal);
 * ```
 */
export interface ProgressOptions {
  /** Writes text as it is (no newline added). */
  readonly write?: (text: string) => void;
  /**
   * Whether the output is a terminal: one line redrawn in place when it is,
   * a line every 10 % when it is not (logs stay short). Default: whether
   * stderr is one.
   */
  readonly terminal?: boolean;
  /** Milliseconds since some fixed moment. */
  readonly now?: () => number;
}

/**
 * Seconds as `1h02m`, `4m05s` or `12s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./_progress.ts";
 * console.log(formatDuration(245)); // "4m05s"
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}

/**
 * `[#####-----] 1200/7701  16 %  21.3/s  ETA 5m05s` for a labelled task.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./_progress.ts";
 * const bar = new ProgressBar("images", 3);
 * for (let done = 1; done <= 3; done++) bar.update(done);
 * bar.finish();
 * ```
 */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #write: (text: string) => void;
  readonly #terminal: boolean;
  readonly #now: () => number;
  readonly #started: number;
  #drawn = -Infinity;
  #logged = 0;
  #done = 0;

  constructor(label: string, total: number, options: ProgressOptions = {}) {
    this.#label = label;
    this.#total = total;
    const encoder = new TextEncoder();
    this.#write = options.write ??
      ((text) => Deno.stderr.writeSync(encoder.encode(text)));
    this.#terminal = options.terminal ?? Deno.stderr.isTerminal();
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Records that `done` of the total are finished. */
  update(done: number): void {
    this.#done = done;
    const now = this.#now();
    if (this.#terminal) {
      if (now - this.#drawn < REDRAW_MS && done < this.#total) return;
      this.#drawn = now;
      this.#write(`\r${this.line(now)}\x1b[K`);
    } else {
      const step = Math.floor((done * LOG_STEPS) / this.#total);
      if (step > this.#logged) {
        this.#logged = step;
        this.#write(`${this.line(now)}\n`);
      }
    }
  }

  /** Ends the bar's line, with the total time taken. */
  finish(): void {
    const seconds = (this.#now() - this.#started) / 1000;
    const end = `${this.#label}: ${this.#done}/${this.#total} in ${
      formatDuration(seconds)
    }\n`;
    this.#write(this.#terminal ? `\r${end}\x1b[K` : end);
  }

  /** The bar as text at time `now`. */
  line(now: number): string {
    const share = this.#total ? this.#done / this.#total : 1;
    const filled = Math.round(share * WIDTH);
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#done / seconds : 0;
    const eta = rate > 0
      ? `ETA ${formatDuration((this.#total - this.#done) / rate)}`
      : "ETA ?";
    return `${this.#label} [${"#".repeat(filled)}${
      "-".repeat(WIDTH - filled)
    }] ${this.#done}/${this.#total} ${Math.floor(share * 100)} % ${
      rate.toFixed(1)
    }/s ${eta}`;
  }
}
