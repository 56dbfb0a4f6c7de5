// Events to a webhook: each one POSTed as JSON, in order, retried with
// exponential back-off (p-retry) while the receiver is down or answers
// 5xx, 408 or 429; another 4xx is final, since sending the same event
// again cannot fix it.

import pRetry, { AbortError } from "p-retry";
import {
  DeliveryQueue,
  type EventSink,
  type RecognitionEvent,
} from "./_events.ts";

/** How hard a webhook delivery tries. */
export interface WebhookOptions {
  /** Retries after the first attempt (default 5). */
  readonly retries?: number;
  /** The first wait before a retry, doubled each time (default 500 ms). */
  readonly minDelayMs?: number;
  /** The longest wait between attempts (default 30 s). */
  readonly maxDelayMs?: number;
  /** Longest one attempt may take (default 10 s). */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer TOKEN` when given. */
  readonly token?: string;
}

/**
 * A sink that POSTs every event to `url`.
 *
 * @example
 * ```ts
 * import { webhookSink } from "./_webhook.ts";
 * const sink = webhookSink(new URL("http://127.0.0.1:9000/events"));
 * await sink.close(1000);
 * ```
 */
export function webhookSink(url: URL, options: WebhookOptions = {}): EventSink {
  const queue = new DeliveryQueue(
    `webhook ${url.origin}`,
    (event) => deliver(url, event, options),
  );
  return {
    send: (event) => queue.push(event),
    close: async (deadlineMs) => {
      await queue.drain(deadlineMs);
    },
  };
}

async function deliver(
  url: URL,
  event: RecognitionEvent,
  options: WebhookOptions,
): Promise<void> {
  const body = JSON.stringify(event);
  await pRetry(async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(options.token
            ? { authorization: `Bearer ${options.token}` }
            : {}),
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      // Deno's network errors are TypeErrors, which p-retry would take for
      // a bug in the call and not retry.
      throw new Error(`${url.origin}: ${(error as Error).message}`);
    }
    await response.body?.cancel();
    if (response.ok) return;
    const failure = new Error(`${url.origin} answered ${response.status}`);
    const retriable = response.status >= 500 || response.status === 408 ||
      response.status === 429;
    throw retriable ? failure : new AbortError(failure);
  }, {
    retries: options.retries ?? 5,
    factor: 2,
    minTimeout: options.minDelayMs ?? 500,
    maxTimeout: options.maxDelayMs ?? 30_000,
    randomize: true,
  });
}
