// Workers that answer requests, the least busy first: the part of FacePool
// that knows nothing of faces. A worker module calls `serve`; the main
// thread starts a `WorkerPool` on that module.

/**
 * A request a worker pool could not answer: the worker holding it crashed
 * (`reason` "crashed"; a new worker takes its place), or the pool was
 * closed (`reason` "closed").
 *
 * @example
 * ```ts
 * import { FacePool, WorkerError } from "@facever/model";
 * const pool = await FacePool.create({ workers: 1 });
 * await pool.close();
 * try {
 *   await pool.embedImage(await Deno.readFile("a.jpg"));
 * } catch (error) {
 *   console.log(error instanceof WorkerError && error.reason); // "closed"
 * }
 * ```
 */
export class WorkerError extends Error {
  /** Why the request failed. */
  readonly reason: "crashed" | "closed";

  /** Creates the error; the message says what happened to the request. */
  constructor(reason: "crashed" | "closed", message: string) {
    super(message);
    this.name = "WorkerError";
    this.reason = reason;
  }
}

/** An error as it crosses between threads. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own enumerable fields with primitive values, such as `code`. */
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** A class of errors that a worker may throw and the caller may catch. */
// deno-lint-ignore no-explicit-any -- error classes take any constructor arguments; only the prototype is used
export type ErrorClass = abstract new (...args: any[]) => Error;

/** Errors of the language itself, which every worker may throw. */
const BUILT_IN: readonly ErrorClass[] = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];

/** Everything of `error` that structured cloning would lose. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: String(error), fields: {} };
  }
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(error)) {
    if (
      value === null || typeof value === "string" ||
      typeof value === "number" || typeof value === "boolean"
    ) fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
  };
}

/**
 * The error `wire` describes, of the class of the same name among
 * `classes` and the built-in errors (else `Error`), with its fields. It is
 * made without calling that class's constructor, whose arguments are not
 * known here, but is a genuine `Error` with the class's prototype, so
 * `instanceof` works; the stack is the worker's.
 */
export function fromWire(
  wire: WireError,
  classes: Iterable<ErrorClass> = [],
): Error {
  const known =
    [...classes, ...BUILT_IN].find((type) => type.name === wire.name) ?? Error;
  const error: Error = Reflect.construct(Error, [wire.message], known);
  Object.assign(error, wire.fields);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** A worker's answer: the value and the buffers to move rather than copy. */
export interface Answer<A> {
  readonly value: A;
  readonly transfer?: readonly Transferable[];
}

/** What a worker does once it is set up. */
export interface Service<R, Q, A> {
  /** Sent to the main thread once, when the worker is ready. */
  readonly ready: R;
  /** Answers one request. */
  handle(request: Q): Promise<Answer<A>>;
}

type ToWorker<I, Q> =
  | { readonly kind: "init"; readonly init: I }
  | { readonly kind: "call"; readonly id: number; readonly request: Q };

type FromWorker<R, A> =
  | { readonly kind: "ready"; readonly ready: R }
  | { readonly kind: "failed"; readonly error: WireError }
  | { readonly kind: "done"; readonly id: number; readonly value: A }
  | { readonly kind: "error"; readonly id: number; readonly error: WireError };

/**
 * The worker's side: sets the worker up with `start` and the init value of
 * the pool, then answers requests one at a time, in order of arrival.
 */
export function serve<I, R, Q, A>(
  start: (init: I) => Promise<Service<R, Q, A>>,
): void {
  // This module is also loaded on the main thread, whose types have no
  // worker scope; these are the two members of it that are used.
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<ToWorker<I, Q>>) => void;
    postMessage(message: FromWorker<R, A>, transfer?: Transferable[]): void;
  };
  let service: Promise<Service<R, Q, A>> | undefined;
  // One request at a time: the next one waits here rather than sharing the
  // worker's models, whose sessions may not run concurrently.
  let queue = Promise.resolve();
  scope.onmessage = ({ data }) => {
    if (data.kind === "init") {
      service = start(data.init);
      service.then(
        ({ ready }) => scope.postMessage({ kind: "ready", ready }),
        (error) => scope.postMessage({ kind: "failed", error: toWire(error) }),
      );
      return;
    }
    const { id, request } = data;
    queue = queue.then(async () => {
      try {
        const { value, transfer = [] } = await (await service!).handle(request);
        scope.postMessage({ kind: "done", id, value }, [...transfer]);
      } catch (error) {
        scope.postMessage({ kind: "error", id, error: toWire(error) });
      }
    });
  };
}

/** Options of {@linkcode WorkerPool.start}. */
export interface WorkerPoolOptions<I> {
  /** The worker module; it calls {@linkcode serve}. */
  readonly url: URL;
  /** Number of workers, a whole number of at least 1. */
  readonly size: number;
  /** Sent to every worker, replacements included, to set it up. */
  readonly init: I;
  /** Error classes the workers throw, re-created by name in the caller. */
  readonly errors?: Iterable<ErrorClass>;
}

interface Pending<A> {
  readonly promise: Promise<A>;
  resolve(value: A): void;
  reject(error: Error): void;
}

interface Slot<A> {
  readonly worker: Worker;
  /** Whether the worker has been set up; only such a worker is replaced. */
  started: boolean;
  readonly pending: Map<number, Pending<A>>;
}

/** The main thread's side: a fixed number of workers serving requests. */
export class WorkerPool<I, R, Q, A> {
  readonly #url: URL;
  readonly #init: I;
  readonly #errors: readonly ErrorClass[];
  #slots: Slot<A>[] = [];
  #nextId = 0;
  #closing: Promise<void> | undefined;
  #ready: R | undefined;

  private constructor(options: WorkerPoolOptions<I>) {
    this.#url = options.url;
    this.#init = options.init;
    this.#errors = [...(options.errors ?? [])];
  }

  /**
   * Starts the workers and waits until all are set up; rejects with the
   * first worker's error, after stopping every worker, when one cannot be.
   */
  static async start<I, R, Q, A>(
    options: WorkerPoolOptions<I>,
  ): Promise<WorkerPool<I, R, Q, A>> {
    const { size } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `workers must be a whole number of at least 1, got ${size}`,
      );
    }
    const pool = new WorkerPool<I, R, Q, A>(options);
    const started = await Promise.allSettled(
      Array.from({ length: size }, () => pool.#spawn()),
    );
    for (const result of started) {
      if (result.status === "rejected") {
        await pool.close();
        throw result.reason;
      }
      pool.#ready ??= result.value;
    }
    return pool;
  }

  /** What the first worker sent when it was ready. */
  get ready(): R {
    return this.#ready!;
  }

  /** Workers running now: fewer than started once a replacement failed. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * Sends `request` to the worker with the fewest requests in flight and
   * resolves to its answer; `transfer` lists buffers to move rather than
   * copy. An error thrown in the worker rejects the call as the same class,
   * with the same message and fields.
   */
  call(request: Q, transfer: readonly Transferable[] = []): Promise<A> {
    if (this.#closing) {
      return Promise.reject(
        new WorkerError("closed", "the pool is closed; create a new one"),
      );
    }
    let slot = this.#slots[0];
    for (const other of this.#slots) {
      if (other.pending.size < slot.pending.size) slot = other;
    }
    if (!slot) {
      return Promise.reject(
        new WorkerError(
          "crashed",
          "every worker of the pool failed and none could be replaced; create a new pool",
        ),
      );
    }
    const id = this.#nextId++;
    const pending = Promise.withResolvers<A>();
    slot.pending.set(id, pending);
    const settled = () => slot.pending.delete(id);
    pending.promise.then(settled, settled);
    const message: ToWorker<I, Q> = { kind: "call", id, request };
    try {
      slot.worker.postMessage(message, [...transfer]);
    } catch (error) {
      // The request cannot be cloned: the caller's mistake, not the worker's.
      pending.reject(error as Error);
    }
    return pending.promise;
  }

  /**
   * Waits for the requests in flight, then ends every worker. Later calls
   * reject with a {@linkcode WorkerError} "closed". Closing twice is the
   * same as closing once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(
        this.#slots.flatMap((slot) =>
          [...slot.pending.values()].map(({ promise }) => promise)
        ),
      );
      for (const slot of this.#slots) slot.worker.terminate();
      this.#slots = [];
    })();
    return this.#closing;
  }

  /** Starts a worker in a new slot; resolves when it is set up. */
  #spawn(): Promise<R> {
    const worker = new Worker(this.#url, { type: "module" });
    const slot: Slot<A> = { worker, started: false, pending: new Map() };
    const ready = Promise.withResolvers<R>();
    worker.onmessage = ({ data }: MessageEvent<FromWorker<R, A>>) => {
      switch (data.kind) {
        case "ready":
          slot.started = true;
          ready.resolve(data.ready);
          break;
        case "failed": {
          const error = fromWire(data.error, this.#errors);
          this.#remove(slot, error);
          ready.reject(error);
          break;
        }
        case "done":
          slot.pending.get(data.id)?.resolve(data.value);
          break;
        case "error":
          slot.pending.get(data.id)?.reject(
            fromWire(data.error, this.#errors),
          );
      }
    };
    worker.onerror = (event) => {
      // Handled here: left alone, the error would end the whole process.
      event.preventDefault();
      const lost = slot.pending.size;
      const error = new WorkerError(
        "crashed",
        `a worker of the pool crashed (${event.message}); ${lost} request(s) it held failed${
          slot.started ? " and a new worker replaces it" : ""
        }`,
      );
      this.#remove(slot, error);
      ready.reject(error);
      // A worker that crashes while being set up would crash again.
      if (slot.started && !this.#closing) {
        // Its failure is reported to the calls it holds and shrinks the
        // pool; nobody waits for it otherwise.
        this.#spawn().catch(() => {});
      }
    };
    this.#slots.push(slot);
    const init: ToWorker<I, Q> = { kind: "init", init: this.#init };
    worker.postMessage(init);
    return ready.promise;
  }

  #remove(slot: Slot<A>, error: Error): void {
    slot.worker.terminate();
    this.#slots = this.#slots.filter((other) => other !== slot);
    for (const pending of slot.pending.values()) pending.reject(error);
  }
}
