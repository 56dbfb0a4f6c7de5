/**
 * A tenant's faces in memory, kept up to date from the change log that
 * every write appends to (see `TenantStore.write`), loaded from the
 * tenant's snapshot where it can be (see `_snapshot.ts`) and from the face
 * records where it cannot.
 *
 * @module
 */

import { FaceRows } from "./_face_rows.ts";
import type { ScanThreads } from "./_scan_threads.ts";
import type { Snapshots } from "./_snapshot.ts";
import { type SnapshotSource, writeSnapshot } from "./_snapshot_writer.ts";
import { bucketOf, bucketRange, BUCKETS } from "./_snapshot_format.ts";
import {
  type ChangeRecord,
  type FaceRecord,
  type HeadRecord,
  LOG_RETAIN,
  type TenantStore,
} from "./_store.ts";
import type { SnapshotSummary } from "./types.ts";

/** Turns a stored face into its embedding (decrypting it if sealed). */
export type EmbeddingOpener = (
  faceId: string,
  record: FaceRecord,
) => Promise<Float32Array>;

/** Reads of face records in flight at once. */
const READ_CONCURRENCY = 4;

/** How the index is kept: the store, its snapshot and when to write one. */
export interface SyncedIndexOptions {
  readonly store: TenantStore;
  readonly dims: number;
  readonly maxStalenessMs: number;
  readonly open: EmbeddingOpener;
  readonly snapshots: Snapshots;
  readonly snapshotEvery: number;
  /** Helpers for the scans, if any. */
  readonly threads: ScanThreads | undefined;
}

/**
 * The index of one tenant, loaded on first use and then brought up to date
 * by replaying the change log.
 */
export class SyncedIndex {
  readonly #store: TenantStore;
  readonly #dims: number;
  readonly #maxStalenessMs: number;
  readonly #open: EmbeddingOpener;
  readonly #snapshots: Snapshots;
  readonly #snapshotEvery: number;
  readonly #threads: ScanThreads | undefined;
  #index: FaceRows | undefined;
  #indexSeq = 0;
  #syncedAt = -Infinity;
  #syncing: Promise<void> | undefined;
  /** The reads in flight (see `read`), which a sync waits out. */
  readonly #reads = new Set<Promise<unknown>>();
  /** Faces changed since the index was loaded or a snapshot was begun. */
  #changes = 0;
  /** Buckets of the snapshot the last load could not use, until written. */
  #unusable = new Set<number>();
  #writing: Promise<SnapshotSummary | undefined> | undefined;

  constructor(options: SyncedIndexOptions) {
    this.#store = options.store;
    this.#dims = options.dims;
    this.#maxStalenessMs = options.maxStalenessMs;
    this.#open = options.open;
    this.#snapshots = options.snapshots;
    this.#snapshotEvery = options.snapshotEvery;
    this.#threads = options.threads;
  }

  /**
   * The index as it is; call only after {@linkcode SyncedIndex.fresh}
   * has returned once.
   */
  get current(): FaceRows {
    if (this.#index === undefined) throw new Error("the index is not loaded");
    return this.#index;
  }

  /**
   * The index, brought up to date when its last sync started more than
   * `maxStalenessMs` ago or before the store's last write.
   */
  async fresh(): Promise<FaceRows> {
    const oldest = performance.now() - this.#maxStalenessMs;
    const written = this.#store.writtenSeq;
    while (
      this.#index === undefined || this.#syncedAt < oldest ||
      this.#indexSeq < written
    ) {
      this.#syncing ??= this.#sync().finally(() => {
        this.#syncing = undefined;
      });
      await this.#syncing;
    }
    return this.#index;
  }

  /**
   * Runs `read` over the index (brought up to date before, by
   * {@linkcode SyncedIndex.fresh}) with no sync changing it until `read`
   * settles: one that is running is waited out first, and one that starts
   * meanwhile waits. For an asynchronous read, a shared scan, which helper
   * threads do while this thread goes on.
   */
  async read<T>(read: (rows: FaceRows) => Promise<T>): Promise<T> {
    while (this.#syncing !== undefined) {
      // Its failure is its callers'; this read takes the index as it is.
      await this.#syncing.catch(() => {});
    }
    const reading = read(this.current);
    this.#reads.add(reading);
    try {
      return await reading;
    } finally {
      this.#reads.delete(reading);
    }
  }

  /**
   * Writes a snapshot of the index now (after one already running in this
   * process, if any).
   */
  async writeSnapshot(): Promise<SnapshotSummary> {
    await this.fresh();
    // The sync may have started a run in the background: it holds the
    // lease, so a second run of ours would find it taken ("busy"). Wait for
    // it; what it wrote is then not written again.
    while (this.#writing !== undefined) await this.#writing;
    return await this.#run();
  }

  async #sync(): Promise<void> {
    // No read begins from here on (they wait for `#syncing`).
    await Promise.allSettled(this.#reads);
    const started = performance.now();
    const head = await this.#store.get<HeadRecord>(this.#store.key("head"));
    const target = head.value?.seq ?? 0;
    const behind = target - this.#indexSeq;
    if (this.#index === undefined || behind < 0 || behind > LOG_RETAIN) {
      this.#index = await this.#load(target);
    } else if (behind > 0) {
      this.#changes += await this.#replay(
        this.#index,
        this.#indexSeq,
        target,
        () => true,
      );
    }
    this.#indexSeq = target;
    this.#syncedAt = started;
    const size = this.#index.size;
    if (
      this.#writing === undefined && size >= this.#snapshotEvery &&
      (this.#unusable.size > 0 || this.#changes >= this.#snapshotEvery)
    ) {
      // In the background, and never failing a read: the next run or a
      // full load covers for a snapshot not written.
      this.#run().catch(() => {});
    }
  }

  /**
   * Starts a snapshot run as this process's current one: it takes the
   * changes counted so far and the buckets found unusable (a run that
   * fails leaves them to the next load).
   */
  #run(): Promise<SnapshotSummary> {
    const unusable = this.#unusable;
    this.#unusable = new Set();
    this.#changes = 0;
    const source: SnapshotSource = {
      sync: async () => {
        this.#syncedAt = -Infinity;
        await this.fresh();
      },
      current: () => ({ rows: this.current, seq: this.#indexSeq }),
      unusable: () => unusable,
    };
    const run = writeSnapshot(this.#snapshots, source);
    // Its failure is the caller's to see (or no one's, in the background).
    const running = run.catch(() => undefined).finally(() => {
      if (this.#writing === running) this.#writing = undefined;
    });
    this.#writing = running;
    return run;
  }

  /**
   * The tenant's faces as of `target` at least: the usable buckets of the
   * snapshot with the changes after each replayed from the log, the rest
   * from the face records, read after `target` was.
   */
  async #load(target: number): Promise<FaceRows> {
    const index = new FaceRows(this.#dims, this.#threads);
    const { stamps, missing } = await this.#snapshots.load(index, target);
    this.#unusable = new Set(missing);
    if (missing.length > BUCKETS / 8) {
      // Many buckets: one pass over every record beats range by range.
      await this.#loadRecords(index, (faceId) => !stamps.has(bucketOf(faceId)));
    } else {
      for (const b of missing) await this.#loadBucket(index, b);
    }
    this.#changes = stamps.size === 0 ? 0 : await this.#replay(
      index,
      Math.min(...stamps.values()),
      target,
      (faceId, seq) => seq > (stamps.get(bucketOf(faceId)) ?? Infinity),
    );
    return index;
  }

  /** Adds every face the listing of records gives that `include` picks. */
  async #loadRecords(
    index: FaceRows,
    include: (faceId: string) => boolean,
  ): Promise<void> {
    for await (
      const { key, value } of this.#store.list<FaceRecord>(
        { prefix: this.#store.key("face") },
        { batchSize: 500 },
      )
    ) {
      const [subjectId, faceId] = key.slice(-2) as string[];
      if (include(faceId)) {
        index.add(faceId, subjectId, await this.#open(faceId, value));
      }
    }
  }

  /** Adds the faces of one bucket, found by their ids' range. */
  async #loadBucket(index: FaceRows, bucket: number): Promise<void> {
    const { start, end } = bucketRange(bucket);
    const prefix = this.#store.key("face_subject");
    const selector: Deno.KvListSelector = start === undefined
      ? { prefix, end: [...prefix, end!] }
      : end === undefined
      ? { prefix, start: [...prefix, start] }
      : { start: [...prefix, start], end: [...prefix, end] };
    const owners: { faceId: string; subjectId: string }[] = [];
    for await (
      const { key, value } of this.#store.list<string>(selector, {
        batchSize: 1000,
      })
    ) {
      owners.push({ faceId: key.at(-1) as string, subjectId: value });
    }
    for (const face of await this.#readFaces(owners)) {
      index.add(face.faceId, face.subjectId, face.vector);
    }
  }

  /**
   * Applies the changes of the log entries after `from` up to `target`
   * that `include` picks. Everything is read first and applied at once,
   * so no search ever sees half a replay. Returns the faces changed.
   */
  async #replay(
    index: FaceRows,
    from: number,
    target: number,
    include: (faceId: string, seq: number) => boolean,
  ): Promise<number> {
    const added = new Set<string>();
    const removed = new Set<string>();
    for await (
      const { key, value } of this.#store.list<ChangeRecord>({
        start: this.#store.key("log", from + 1),
        end: this.#store.key("log", target + 1),
      })
    ) {
      const seq = key.at(-1) as number;
      for (const faceId of value.added) {
        if (include(faceId, seq)) added.add(faceId);
      }
      for (const faceId of value.removed) {
        if (!include(faceId, seq)) continue;
        added.delete(faceId);
        removed.add(faceId);
      }
    }
    const missing = [...added].filter((faceId) => !index.has(faceId));
    const owners: { faceId: string; subjectId: string }[] = [];
    // getMany reads at most 10 keys.
    for (let i = 0; i < missing.length; i += 10) {
      const batch = missing.slice(i, i + 10);
      const found = await this.#store.getMany<string[]>(
        batch.map((faceId) => this.#store.key("face_subject", faceId)),
      );
      for (const [j, owner] of found.entries()) {
        if (owner.value !== null) {
          owners.push({ faceId: batch[j], subjectId: owner.value });
        }
      }
    }
    const faces = await this.#readFaces(owners);
    for (const faceId of removed) index.remove(faceId);
    for (const { faceId, subjectId, vector } of faces) {
      index.add(faceId, subjectId, vector);
    }
    return added.size + removed.size;
  }

  /**
   * The embeddings of these faces, ten to a read, a few reads at a time;
   * faces removed meanwhile are left out (a later change says so).
   */
  async #readFaces(
    owners: readonly { faceId: string; subjectId: string }[],
  ): Promise<{ faceId: string; subjectId: string; vector: Float32Array }[]> {
    const faces: { faceId: string; subjectId: string; vector: Float32Array }[] =
      [];
    let next = 0;
    await Promise.all(
      Array.from({ length: READ_CONCURRENCY }, async () => {
        while (next < owners.length) {
          const batch = owners.slice(next, next + 10);
          next += 10;
          const records = await this.#store.getMany<FaceRecord[]>(
            batch.map(({ faceId, subjectId }) =>
              this.#store.key("face", subjectId, faceId)
            ),
          );
          for (const [j, record] of records.entries()) {
            if (record.value === null) continue;
            const { faceId, subjectId } = batch[j];
            faces.push({
              faceId,
              subjectId,
              vector: await this.#open(faceId, record.value),
            });
          }
        }
      }),
    );
    return faces;
  }
}
