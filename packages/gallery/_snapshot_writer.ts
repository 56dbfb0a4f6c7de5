/**
 * Writing a tenant's snapshot (see `_snapshot.ts`): one run, by one
 * process at a time, under a lease in KV.
 *
 * A run takes the lease, deletes what writers that died left, reads every
 * bucket's header, brings the index up to the head, and writes each
 * bucket that changed as a new generation: the generation registered (in
 * the commit that renews the lease and names it as the one being
 * written), its chunks a dozen to a commit, then the header, in a commit
 * that checks the header is still the one read before the index caught up
 * — so a removal since, which tombstoned it, keeps the copy out. A run
 * never touches the head or the log, so it holds up no write.
 *
 * @module
 */

import { seal } from "./_codec.ts";
import type { FaceRows } from "./_face_rows.ts";
import {
  bucketOf,
  BUCKETS,
  CHUNKS_PER_COMMIT,
  encodeBucket,
  SNAPSHOT_FORMAT,
  toChunks,
} from "./_snapshot_format.ts";
import {
  type BucketRecord,
  type GenerationRecord,
  isLive,
  type LeaseRecord,
  type LiveBucket,
  type Snapshots,
} from "./_snapshot.ts";
import { type ChangeRecord, LOG_RETAIN } from "./_store.ts";
import type { SnapshotSummary } from "./types.ts";

/** How long a writer holds the lease without renewing it (per bucket). */
const LEASE_MS = 60_000;
/** How far behind a writer lets a bucket fall before rewriting it anyway. */
const REFRESH_LAG = LOG_RETAIN / 4;

/** What a writer copies the buckets from: the process's index. */
export interface SnapshotSource {
  /** Brings the index up to the head as read after this call begins. */
  sync(): Promise<void>;
  /** The index, and the change number it reflects at least. */
  current(): { readonly rows: FaceRows; readonly seq: number };
  /** Buckets whose generation the index's load found torn or unusable. */
  unusable(): ReadonlySet<number>;
}

/** The writer lost its lease to another process. */
class LeaseLost extends Error {}

/**
 * Writes a new generation of every bucket that changed since its last,
 * unless another process holds the lease (`"busy"`).
 */
export async function writeSnapshot(
  snapshots: Snapshots,
  source: SnapshotSource,
): Promise<SnapshotSummary> {
  return await new Run(snapshots, source).run();
}

/** One run of a writer. */
class Run {
  readonly #snapshots: Snapshots;
  readonly #source: SnapshotSource;
  readonly #owner = crypto.randomUUID();
  readonly #leaseKey: Deno.KvKey;
  #lease: Deno.KvEntryMaybe<LeaseRecord> | undefined;

  constructor(snapshots: Snapshots, source: SnapshotSource) {
    this.#snapshots = snapshots;
    this.#source = source;
    this.#leaseKey = snapshots.store.key("snapshot_lease");
  }

  async run(): Promise<SnapshotSummary> {
    const summary = {
      status: "written" as SnapshotSummary["status"],
      buckets: 0,
      faces: 0,
      bytes: 0,
    };
    if (!await this.#acquire()) return { ...summary, status: "busy" };
    try {
      // Left by writers that died: no longer protected by the lease.
      await this.#snapshots.collect(
        Array.from({ length: BUCKETS }, (_, b) => b),
      );
      // Read before the index catches up, so that a removal after this
      // read changes a header the commit checks.
      const headers = await this.#snapshots.headers();
      await this.#source.sync();
      const changed = await this.#changed(
        headers,
        this.#source.current().seq,
        this.#source.unusable(),
      );
      if (changed.length === 0) return { ...summary, status: "fresh" };
      for (const b of changed) {
        const written = await this.#writeBucket(b, headers[b]);
        if (written !== undefined) {
          summary.buckets++;
          summary.faces += written.faces;
          summary.bytes += written.bytes;
        }
        await this.#snapshots.collect([b]);
      }
      return summary;
    } catch (error) {
      if (error instanceof LeaseLost) return { ...summary, status: "busy" };
      throw error;
    } finally {
      const lease = this.#lease!;
      await this.#snapshots.store.commit((op) =>
        op.check(lease).delete(this.#leaseKey)
      );
    }
  }

  /**
   * The buckets to rewrite: no usable header, too far behind, changed, or
   * found torn.
   */
  async #changed(
    headers: Deno.KvEntryMaybe<BucketRecord>[],
    seq: number,
    torn: ReadonlySet<number>,
  ): Promise<number[]> {
    const changed = new Set<number>(torn);
    const stamps = new Map<number, number>();
    for (let b = 0; b < BUCKETS; b++) {
      const header = headers[b].value;
      if (
        !isLive(header) || header.format !== SNAPSHOT_FORMAT ||
        seq - header.seq > REFRESH_LAG
      ) {
        changed.add(b);
      } else if (header.seq < seq) {
        stamps.set(b, header.seq);
      }
    }
    if (stamps.size > 0) {
      const { store } = this.#snapshots;
      for await (
        const { key, value } of store.list<ChangeRecord>({
          start: store.key("log", Math.min(...stamps.values()) + 1),
          end: store.key("log", seq + 1),
        })
      ) {
        const at = key.at(-1) as number;
        for (const faceId of [...value.added, ...value.removed]) {
          const b = bucketOf(faceId);
          if (at > (stamps.get(b) ?? Infinity)) changed.add(b);
        }
      }
    }
    return [...changed].sort((x, y) => x - y);
  }

  /**
   * Writes bucket `b` as a new generation; `undefined` when its header
   * changed since it was read (a removal: the bucket waits for the next
   * run). A lost lease stops the run.
   */
  async #writeBucket(
    b: number,
    header: Deno.KvEntryMaybe<BucketRecord>,
  ): Promise<{ faces: number; bytes: number } | undefined> {
    const snapshots = this.#snapshots;
    const { store } = snapshots;
    // Copied at once: the index does not change while this runs.
    const { rows, seq } = this.#source.current();
    const faces = rows.copyBlock((faceId) => bucketOf(faceId) === b);
    const blob = encodeBucket(faces, snapshots.rowBytes, snapshots.dims);
    const generation = crypto.randomUUID();
    let key: CryptoKey | undefined, sealedKey: Uint8Array | null = null;
    if (snapshots.key !== undefined) {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
        "encrypt",
      ]);
      sealedKey = await seal(
        raw,
        snapshots.key,
        snapshots.keyContext(b, generation),
      );
    }
    const chunks = await toChunks(blob, {
      generation,
      key,
      label: snapshots.label(b),
    });

    // Registered first, so that the chunks are found if this dies.
    await this.#renew({ bucket: b, generation }, (op) =>
      op.set(
        store.key("snapshot_generation", b, generation),
        { chunks: chunks.length } satisfies GenerationRecord,
      ));
    for (let i = 0; i < chunks.length; i += CHUNKS_PER_COMMIT) {
      const lease = this.#lease!;
      const ok = await store.commit((op) => {
        op.check(lease);
        const end = Math.min(chunks.length, i + CHUNKS_PER_COMMIT);
        for (let j = i; j < end; j++) {
          op.set(snapshots.chunkKey(b, generation, j), chunks[j]);
        }
        return op;
      });
      if (!ok) throw new LeaseLost();
    }
    const record: LiveBucket = {
      format: SNAPSHOT_FORMAT,
      generation,
      seq,
      faces: faces.faceIds.length,
      chunks: chunks.length,
      bytes: blob.length,
      key: sealedKey,
    };
    const lease = this.#lease!;
    const committed = await store.commit((op) =>
      op.check(lease, header).set(snapshots.bucketKey(b), record).set(
        this.#leaseKey,
        { owner: this.#owner, until: Date.now() + LEASE_MS, writing: null },
      )
    );
    if (!committed) {
      // The lease, or the header? Not ours any more: the run stops. Ours:
      // a removal came between, and the generation is left to collect.
      await this.#renew(null);
      return undefined;
    }
    this.#lease = await store.get<LeaseRecord>(this.#leaseKey);
    return {
      faces: record.faces,
      bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    };
  }

  /** Takes the lease if it is free or expired. */
  async #acquire(): Promise<boolean> {
    const current = await this.#snapshots.store.get<LeaseRecord>(
      this.#leaseKey,
    );
    if (current.value !== null && current.value.until > Date.now()) {
      return false;
    }
    this.#lease = current;
    try {
      await this.#renew(null);
      return true;
    } catch (error) {
      if (error instanceof LeaseLost) return false;
      throw error;
    }
  }

  /**
   * Makes the lease ours for `LEASE_MS` from now, naming the generation
   * being written, with `more` in the same commit.
   */
  async #renew(
    writing: LeaseRecord["writing"],
    more: (op: Deno.AtomicOperation) => Deno.AtomicOperation = (op) => op,
  ): Promise<void> {
    const { store } = this.#snapshots;
    const lease = this.#lease!;
    const record: LeaseRecord = {
      owner: this.#owner,
      until: Date.now() + LEASE_MS,
      writing,
    };
    const ok = await store.commit((op) =>
      more(op.check(lease).set(this.#leaseKey, record))
    );
    if (!ok) throw new LeaseLost();
    this.#lease = await store.get<LeaseRecord>(this.#leaseKey);
  }
}
