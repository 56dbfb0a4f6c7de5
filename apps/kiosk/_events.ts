// The recognition events of `watch`, and where they go: stdout always (one
// JSON line each), a webhook and MQTT where configured. A slow or absent
// receiver never holds up recognition: each sink keeps its own bounded
// queue and drops the oldest event when it is full.

import type { Box } from "@facever/core";

/**
 * One recognition: a person who came into view, known or not.
 *
 * @example
 * ```ts
 * import type { RecognitionEvent } from "./_events.ts";
 * const event: RecognitionEvent = {
 *   type: "recognized", camera: "door", time: "2026-01-01T08:00:00.000Z",
 *   subjectId: "ada", similarity: 0.71, threshold: 0.3502,
 *   box: { x: 250, y: 120, width: 110, height: 140 }, score: 0.99,
 *   frame: { width: 640, height: 480 },
 * };
 * console.log(event.type);
 * ```
 */
export interface RecognitionEvent {
  /**
   * `"spoof"`: the face failed the passive liveness check (a print or a
   * screen, as far as the check can tell), so it was not identified.
   */
  readonly type: "recognized" | "unknown" | "spoof";
  /** The camera's name (`--camera`). */
  readonly camera: string;
  /** When the frame was recognised, ISO 8601. */
  readonly time: string;
  /** Who it is; `null` for nobody enrolled. */
  readonly subjectId: string | null;
  /**
   * Cosine similarity with the closest enrolled face; `null` when the
   * gallery is empty.
   */
  readonly similarity: number | null;
  /** The threshold the decision used. */
  readonly threshold: number;
  /** The face, in pixels of the frame. */
  readonly box: Box;
  /** The detector's score of the face. */
  readonly score: number;
  /** The size of the frame the box is in. */
  readonly frame: { readonly width: number; readonly height: number };
}

/** Where events go. */
export interface EventSink {
  /** Takes an event without waiting for its delivery. */
  send(event: RecognitionEvent): void;
  /**
   * Delivers what is queued, for at most `deadlineMs`, then closes; what
   * is still undelivered then is given up, with a line on stderr.
   */
  close(deadlineMs: number): Promise<void>;
}

/** Events a sink holds while its receiver is slow or away. */
export const QUEUE_LIMIT = 100;

/**
 * A queue that delivers one event at a time, in order, through `deliver`,
 * keeping at most {@linkcode QUEUE_LIMIT} waiting (the oldest is dropped,
 * with a line on stderr).
 */
export class DeliveryQueue {
  readonly #name: string;
  readonly #deliver: (event: RecognitionEvent) => Promise<void>;
  readonly #waiting: RecognitionEvent[] = [];
  #running: Promise<void> | undefined;
  #dropped = 0;

  constructor(
    name: string,
    deliver: (event: RecognitionEvent) => Promise<void>,
  ) {
    this.#name = name;
    this.#deliver = deliver;
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `event` and starts delivering if idle. */
  push(event: RecognitionEvent): void {
    if (this.#waiting.length >= QUEUE_LIMIT) {
      this.#waiting.shift();
      this.#dropped++;
      console.error(JSON.stringify({
        sink: this.#name,
        dropped: this.#dropped,
        reason: `more than ${QUEUE_LIMIT} events waiting`,
      }));
    }
    this.#waiting.push(event);
    this.#running ??= this.#run();
  }

  /**
   * Resolves once every queued event has been delivered or given up, or
   * once `deadlineMs` has passed: then to the number still undelivered.
   */
  async drain(deadlineMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    const idle = (async () => {
      while (this.#running) await this.#running;
    })();
    await Promise.race([idle, expired]);
    clearTimeout(timer);
    const left = this.#waiting.length + (this.#running ? 1 : 0);
    if (left > 0) {
      console.error(JSON.stringify({
        sink: this.#name,
        undelivered: left,
        reason: `not delivered within ${deadlineMs} ms of the end`,
      }));
    }
    return left;
  }

  async #run(): Promise<void> {
    for (let event; (event = this.#waiting.shift());) {
      try {
        await this.#deliver(event);
      } catch (error) {
        console.error(JSON.stringify({
          sink: this.#name,
          failed: event.type,
          subjectId: event.subjectId,
          time: event.time,
          error: (error as Error).message,
        }));
      }
    }
    this.#running = undefined;
  }
}

/** Every event as one JSON line on stdout. */
export const stdoutSink: EventSink = {
  send(event) {
    console.log(JSON.stringify(event));
  },
  close: () => Promise.resolve(),
};
