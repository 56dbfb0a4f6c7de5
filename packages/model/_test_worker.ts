// The worker of _worker_pool_test.ts: each request names what to do, so
// that the tests can make a worker answer, wait, throw or crash.

import { ImageTooLargeError } from "@facever/core";
import { serve } from "./_worker_pool.ts";

/** How the worker sets itself up. */
export interface TestInit {
  /** Throw while being set up. */
  readonly fail?: boolean;
  /** Crash while being set up. */
  readonly crash?: boolean;
}

/** What the worker sends when it is ready: an id unique to it. */
export interface TestReady {
  readonly id: string;
}

/** One request. */
export type TestRequest =
  | { readonly do: "echo"; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly do: "wait"; readonly ms: number }
  | { readonly do: "throw"; readonly error: "range" | "too_large" }
  | { readonly do: "crash" };

/** The answer: which worker answered, and the bytes it was sent, if any. */
export interface TestAnswer {
  readonly id: string;
  readonly bytes?: Uint8Array;
}

function crashSoon(): void {
  // Thrown outside any promise the worker awaits: uncaught, so the worker
  // crashes as it would on a bug.
  setTimeout(() => {
    throw new Error("crashed on purpose");
  });
}

serve<TestInit, TestReady, TestRequest, TestAnswer>((init) => {
  if (init.crash) {
    crashSoon();
    return new Promise(() => {});
  }
  if (init.fail) {
    return Promise.reject(
      new RangeError("cannot set up: the test asked for a failure"),
    );
  }
  const id = crypto.randomUUID();
  return Promise.resolve({
    ready: { id },
    async handle(request) {
      switch (request.do) {
        case "echo":
          return {
            value: { id, bytes: request.bytes },
            transfer: [request.bytes.buffer],
          };
        case "wait":
          await new Promise((resolve) => setTimeout(resolve, request.ms));
          return { value: { id } };
        case "throw":
          throw request.error === "range"
            ? new RangeError("out of range on purpose")
            : new ImageTooLargeError(4000, 3000, 1_000_000);
        case "crash":
          crashSoon();
          return await new Promise(() => {});
      }
    },
  });
});
