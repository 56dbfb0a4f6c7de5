/**
 * A tenant's faces in memory, kept up to date from the change log that
 * every write appends to (see `TenantStore.write`).
 *
 * @module
 */

import { FaceRows } from "./_face_rows.ts";
import {
  type ChangeRecord,
  type FaceRecord,
  type HeadRecord,
  LOG_RETAIN,
  type TenantStore,
} from "./_store.ts";

/** Turns a stored face into its embedding (decrypting it if sealed). */
export type EmbeddingOpener = (
  faceId: string,
  record: FaceRecord,
) => Promise<Float32Array>;

/**
 * The index of one tenant, loaded on first use and then brought up to date
 * by replaying the change log.
 */
export class SyncedIndex {
  readonly #store: TenantStore;
  readonly #dims: number;
  readonly #maxStalenessMs: number;
  readonly #open: EmbeddingOpener;
  #index: FaceRows | undefined;
  #indexSeq = 0;
  #syncedAt = -Infinity;
  #syncing: Promise<void> | undefined;

  constructor(
    store: TenantStore,
    dims: number,
    maxStalenessMs: number,
    open: EmbeddingOpener,
  ) {
    this.#store = store;
    this.#dims = dims;
    this.#maxStalenessMs = maxStalenessMs;
    this.#open = open;
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

  async #sync(): Promise<void> {
    const started = performance.now();
    const head = await this.#store.get<HeadRecord>(this.#store.key("head"));
    const target = head.value?.seq ?? 0;
    const behind = target - this.#indexSeq;
    if (this.#index === undefined || behind < 0 || behind > LOG_RETAIN) {
      this.#index = await this.#load();
    } else if (behind > 0) {
      await this.#replay(this.#index, target);
    }
    this.#indexSeq = target;
    this.#syncedAt = started;
  }

  /**
   * Reads every face of the tenant. Not a snapshot: faces changed while it
   * runs are set right by replaying the log from the head read before.
   */
  async #load(): Promise<FaceRows> {
    const index = new FaceRows(this.#dims);
    for await (
      const { key, value } of this.#store.list<FaceRecord>(
        { prefix: this.#store.key("face") },
        { batchSize: 500 },
      )
    ) {
      const [subjectId, faceId] = key.slice(-2) as string[];
      index.add(faceId, subjectId, await this.#open(faceId, value));
    }
    return index;
  }

  /**
   * Applies the log entries up to `target`. Everything is read first and
   * applied at once, so no search ever sees half a replay.
   */
  async #replay(index: FaceRows, target: number): Promise<void> {
    const added = new Set<string>();
    const removed = new Set<string>();
    for await (
      const { value } of this.#store.list<ChangeRecord>({
        start: this.#store.key("log", this.#indexSeq + 1),
        end: this.#store.key("log", target + 1),
      })
    ) {
      for (const faceId of value.added) added.add(faceId);
      for (const faceId of value.removed) {
        added.delete(faceId);
        removed.add(faceId);
      }
    }
    const missing = [...added].filter((faceId) => !index.has(faceId));
    const faces: { faceId: string; subjectId: string; vector: Float32Array }[] =
      [];
    // getMany reads at most 10 keys.
    for (let i = 0; i < missing.length; i += 10) {
      const batch = missing.slice(i, i + 10);
      const owners = await this.#store.getMany<string[]>(
        batch.map((faceId) => this.#store.key("face_subject", faceId)),
      );
      const found = owners.flatMap((owner, j) =>
        owner.value === null
          ? []
          : [{ faceId: batch[j], subjectId: owner.value }]
      );
      const records = await this.#store.getMany<FaceRecord[]>(
        found.map(({ faceId, subjectId }) =>
          this.#store.key("face", subjectId, faceId)
        ),
      );
      for (const [j, record] of records.entries()) {
        // Removed after the head was read: a later change says so.
        if (record.value === null) continue;
        const { faceId, subjectId } = found[j];
        faces.push({
          faceId,
          subjectId,
          vector: await this.#open(faceId, record.value),
        });
      }
    }
    for (const faceId of removed) index.remove(faceId);
    for (const { faceId, subjectId, vector } of faces) {
      index.add(faceId, subjectId, vector);
    }
  }
}
