/**
 * A tenant in Deno KV: the key layout and records, reads that outlast a busy
 * database, and the one write transaction every change goes through.
 *
 * On a SQLite file shared by several processes, Deno KV throws an untyped
 * `TypeError: database is locked` and does nothing when another handle holds
 * the lock it needs; a commit with a check meets it often (its read
 * transaction cannot be upgraded to a write). Every operation here retries
 * it, after a random pause that grows with each attempt, and gives up with a
 * `FaceError("conflict")`, so the raw error never leaves the package.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { KEY_ROOT, type Metadata } from "./types.ts";

/** Version of the layout below, kept in {@linkcode MetaRecord}. */
export const FORMAT = 1;

/**
 * Changes kept in the log. A process whose index is further behind reloads
 * the whole tenant instead of replaying.
 */
export const LOG_RETAIN = 10_000;

const MAX_ATTEMPTS = 100;

/** `[KEY_ROOT, tenant, "meta"]`: what the tenant was created for. */
export interface MetaRecord {
  readonly format: number;
  readonly modelId: string;
  readonly dims: number;
  readonly keyCheck: Uint8Array | null;
  readonly createdAt: Date;
}

/** `[KEY_ROOT, tenant, "head"]`: the number of the last write. */
export interface HeadRecord {
  readonly seq: number;
}

/** `[KEY_ROOT, tenant, "log", seq]`: the faces one commit added and removed. */
export interface ChangeRecord {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** `[KEY_ROOT, tenant, "subject", subjectId]`. */
export interface SubjectRecord {
  readonly metadata: Metadata;
  readonly faceCount: number;
  readonly createdAt: Date;
}

/** `[KEY_ROOT, tenant, "face", subjectId, faceId]`. */
export interface FaceRecord {
  readonly embedding: Uint8Array;
  readonly metadata: Metadata;
  readonly source: string | null;
  readonly createdAt: Date;
}

/**
 * What a write transaction decided: its result, and the faces it changes;
 * no `change` means there is nothing to commit.
 */
export interface Outcome<T> {
  readonly result: T;
  readonly change?: ChangeRecord;
}

/** The change of a write that adds or removes no face. */
export const NO_FACES: ChangeRecord = { added: [], removed: [] };

/**
 * A listing that resumes after its last entry when the database was busy,
 * and tells the cursor after the last entry it gave.
 */
export class KvListing<T> implements AsyncIterable<Deno.KvEntry<T>> {
  readonly #open: (options: Deno.KvListOptions) => Deno.KvListIterator<T>;
  readonly #recover: (error: unknown, attempt: number) => Promise<void>;
  readonly #options: Deno.KvListOptions;
  #cursor: string | undefined;

  /**
   * `open` starts a listing with the given options; `recover` throws, or
   * returns when the failure is worth another attempt.
   */
  constructor(
    open: (options: Deno.KvListOptions) => Deno.KvListIterator<T>,
    recover: (error: unknown, attempt: number) => Promise<void>,
    options: Deno.KvListOptions,
  ) {
    this.#open = open;
    this.#recover = recover;
    this.#options = options;
    this.#cursor = options.cursor;
  }

  /** The cursor after the last entry given; the start cursor before any. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Deno.KvEntry<T>> {
    const { limit } = this.#options;
    let given = 0;
    // Counts failures since the last entry, so a long listing may meet
    // many short locks.
    let attempt = 0;
    while (limit === undefined || given < limit) {
      try {
        const entries = this.#open({
          ...this.#options,
          cursor: this.#cursor,
          limit: limit === undefined ? undefined : limit - given,
        });
        for await (const entry of entries) {
          this.#cursor = entries.cursor;
          given++;
          attempt = 0;
          yield entry;
        }
        return;
      } catch (error) {
        await this.#recover(error, ++attempt);
      }
    }
  }
}

/**
 * One tenant's keys on a `Deno.Kv`. Its writes are queued, so the writes of
 * one object never race each other.
 */
export class TenantStore {
  /** Whose keys these are. */
  readonly tenant: string;
  readonly #kv: Deno.Kv;
  #writes: Promise<unknown> = Promise.resolve();
  #writtenSeq = 0;

  constructor(kv: Deno.Kv, tenant: string) {
    this.#kv = kv;
    this.tenant = tenant;
  }

  /** The change number of this object's last commit; 0 before any. */
  get writtenSeq(): number {
    return this.#writtenSeq;
  }

  /** The key `parts` under the tenant. */
  key(...parts: Deno.KvKeyPart[]): Deno.KvKey {
    return [KEY_ROOT, this.tenant, ...parts];
  }

  /** `Deno.Kv.get`, retried while the database is locked. */
  get<T>(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<T>> {
    return this.#retried(() => this.#kv.get<T>(key));
  }

  /** `Deno.Kv.getMany`, retried while the database is locked. */
  getMany<T extends readonly unknown[]>(
    keys: readonly [...{ [K in keyof T]: Deno.KvKey }],
  ): Promise<{ [K in keyof T]: Deno.KvEntryMaybe<T[K]> }> {
    return this.#retried(() => this.#kv.getMany<T>(keys));
  }

  /**
   * `Deno.Kv.list`, resumed after the last entry while the database is
   * locked. A cursor Deno KV cannot read is a `FaceError`
   * (`invalid_argument`): cursors come back from the application's clients.
   */
  list<T>(
    selector: Deno.KvListSelector,
    options: Deno.KvListOptions = {},
  ): KvListing<T> {
    return new KvListing<T>(
      (resumed) => this.#kv.list<T>(selector, resumed),
      (error, attempt) => this.#recoverListing(error, attempt),
      options,
    );
  }

  /**
   * Commits the operation that `build` makes on a fresh `atomic()`, made
   * again and retried while the database is locked. Returns false when its
   * checks failed. For the snapshot's commits, which do not advance the
   * change counter.
   */
  async commit(
    build: (op: Deno.AtomicOperation) => Deno.AtomicOperation,
  ): Promise<boolean> {
    for (let attempt = 1;; attempt++) {
      try {
        return (await build(this.#kv.atomic()).commit()).ok;
      } catch (error) {
        if (!isBusy(error)) throw error;
        await this.#pauseOrGiveUp(attempt, error);
      }
    }
  }

  /**
   * The value at `key`, which `make` creates and commits when there is
   * none yet; whoever commits first, in any process, decides it.
   */
  async createOnce<T>(key: Deno.KvKey, make: () => Promise<T>): Promise<T> {
    let made: T | undefined;
    for (let attempt = 1;; attempt++) {
      const entry = await this.get<T>(key);
      if (entry.value !== null) return entry.value;
      made ??= await make();
      if (
        await this.#commitUnlessBusy(
          this.#kv.atomic().check(entry).set(key, made),
        )
      ) {
        return made;
      }
      await this.#pauseOrGiveUp(attempt);
    }
  }

  /**
   * Runs one write transaction: reads through `body`, which adds its
   * mutations to `op`, then commits them together with the next change
   * number and its log entry, provided the change counter is still where it
   * was read. A commit that loses that race, or finds the database locked,
   * is retried from the start.
   */
  write<T>(
    body: (op: Deno.AtomicOperation) => Promise<Outcome<T>>,
  ): Promise<T> {
    const run = this.#writes.then(async () => {
      const headKey = this.key("head");
      for (let attempt = 1;; attempt++) {
        const head = await this.get<HeadRecord>(headKey);
        const seq = (head.value?.seq ?? 0) + 1;
        const op = this.#kv.atomic().check(head);
        const { change, result } = await body(op);
        if (change === undefined) return result;
        op.set(headKey, { seq } satisfies HeadRecord);
        if (change.added.length + change.removed.length > 0) {
          op.set(this.key("log", seq), change);
        }
        if (seq > LOG_RETAIN) op.delete(this.key("log", seq - LOG_RETAIN));
        if (await this.#commitUnlessBusy(op)) {
          this.#writtenSeq = seq;
          return result;
        }
        await this.#pauseOrGiveUp(attempt);
      }
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  async #recoverListing(error: unknown, attempt: number): Promise<void> {
    if (isInvalidCursor(error)) {
      throw new FaceError(
        "invalid_argument",
        "cursor is not one this gallery gave out",
        { cause: error },
      );
    }
    if (!isBusy(error)) throw error;
    await this.#pauseOrGiveUp(attempt, error);
  }

  async #retried<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isBusy(error)) throw error;
        await this.#pauseOrGiveUp(attempt, error);
      }
    }
  }

  /** False when the checks failed or the database was locked. */
  async #commitUnlessBusy(op: Deno.AtomicOperation): Promise<boolean> {
    try {
      return (await op.commit()).ok;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    }
  }

  /**
   * A random pause, growing with `attempt` up to 100 ms, so that racing
   * writers spread out; a `conflict` after the last attempt.
   */
  async #pauseOrGiveUp(attempt: number, cause?: unknown): Promise<void> {
    if (attempt >= MAX_ATTEMPTS) {
      throw new FaceError(
        "conflict",
        `gave up after ${MAX_ATTEMPTS} attempts: other writers kept changing or locking tenant ${
          JSON.stringify(this.tenant)
        }`,
        { cause },
      );
    }
    const pause = Math.random() * Math.min(100, 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Deno KV's error when another handle holds the SQLite lock. */
function isBusy(error: unknown): boolean {
  return error instanceof TypeError &&
    /database is locked/.test(error.message);
}

function isInvalidCursor(error: unknown): boolean {
  return error instanceof TypeError && /invalid cursor/.test(error.message);
}
