/**
 * Snapshots of a tenant's index in Deno KV, so that a new process reads
 * its index instead of rebuilding it from every face record.
 *
 * A snapshot is {@linkcode BUCKETS} buckets of faces by face id
 * (`_snapshot_format.ts`). Each bucket has a header naming its current
 * generation — the change number its faces reflect, its chunk count and
 * size, and, for an encrypted tenant, the generation's own AES-256 key
 * sealed with the tenant's — and the generation's chunks. A loader takes
 * the buckets whose header is whole and whose changes since are still in
 * the log, checks every chunk (count, place, generation; for an encrypted
 * tenant the seal), and replays the log after each bucket's stamp; a
 * bucket it cannot use is read from the face records instead.
 *
 * One process at a time writes (a lease in KV, renewed per bucket). It
 * reads the headers, brings its index up to the head, and writes each
 * bucket that changed as a new generation: first its registration, then
 * its chunks, then the header, in a commit that checks the header is the
 * one it read. A removal replaces the headers of its faces' buckets with
 * tombstones in its own commit, so a writer that copied a face before
 * its removal cannot commit it, and the generation's key (encrypted
 * tenants) is gone with the commit. Generations that no header or running
 * writer names — replaced, tombstoned, or left by a writer that died —
 * are deleted by the remover right after its commit and by every writer.
 * Nothing here is needed for exact answers: a loader replays removals
 * from the log whatever the snapshot holds.
 *
 * @module
 */

import { seal, unseal } from "./_codec.ts";
import type { FaceRows, StoredFaces } from "./_face_rows.ts";
import {
  bucketOf,
  BUCKETS,
  type ChunkContext,
  CHUNKS_PER_COMMIT,
  decodeBucket,
  encodeBucket,
  fromChunks,
  SNAPSHOT_FORMAT,
  toChunks,
} from "./_snapshot_format.ts";
import type { ChangeRecord } from "./_store.ts";
import { LOG_RETAIN, type TenantStore } from "./_store.ts";
import type { SnapshotSummary } from "./types.ts";

/** `[KEY_ROOT, tenant, "snapshot_bucket", bucket]`: a live bucket. */
export interface LiveBucket {
  /** Layout of the blob and rows, {@linkcode SNAPSHOT_FORMAT}. */
  readonly format: number;
  /** Random id of this generation of the bucket. */
  readonly generation: string;
  /** The change number the faces reflect (every change up to it, maybe some after). */
  readonly seq: number;
  readonly faces: number;
  readonly chunks: number;
  /** Bytes of the blob. */
  readonly bytes: number;
  /** The generation's key, sealed with the tenant's; `null` when plain. */
  readonly key: Uint8Array | null;
}

/** A bucket a removal touched since its last generation: not to be used. */
export interface Tombstone {
  readonly generation: null;
}

/** The value of a bucket's header. */
export type BucketRecord = LiveBucket | Tombstone;

/** `[…, "snapshot_generation", bucket, generation]`: chunks that may exist. */
interface GenerationRecord {
  readonly chunks: number;
}

/** `[…, "snapshot_lease"]`: who writes, until when, and which generation now. */
interface LeaseRecord {
  readonly owner: string;
  /** Milliseconds since the epoch. */
  readonly until: number;
  readonly writing:
    | { readonly bucket: number; readonly generation: string }
    | null;
}

/** How long a writer holds the lease without renewing it (per bucket). */
const LEASE_MS = 60_000;
/** Buckets read at once while loading. */
const LOAD_CONCURRENCY = 8;
/**
 * How far behind the head a bucket may be and still be loaded: half the
 * log, so that the changes since stay in the log while they are read.
 */
const USABLE_LAG = LOG_RETAIN / 2;
/** How far behind a writer lets a bucket fall before rewriting it anyway. */
const REFRESH_LAG = LOG_RETAIN / 4;
/** Mutations per commit of deletions, below Deno KV's 1000. */
const DELETES_PER_COMMIT = 900;

/** What a loader found: the buckets it loaded, and those it could not use. */
export interface LoadedSnapshot {
  /** Each loaded bucket's stamp: changes after it are to be replayed. */
  readonly stamps: ReadonlyMap<number, number>;
  /** Buckets to read from the face records, in order. */
  readonly missing: number[];
}

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

function isLive(record: BucketRecord | null): record is LiveBucket {
  return record !== null && record.generation !== null;
}

/** The snapshot of one tenant's index. */
export class Snapshots {
  readonly #store: TenantStore;
  readonly #dims: number;
  readonly #rowBytes: number;
  readonly #key: CryptoKey | undefined;

  /** `rowBytes` is the index's; `key` the tenant's encryption key, if any. */
  constructor(
    store: TenantStore,
    dims: number,
    rowBytes: number,
    key: CryptoKey | undefined,
  ) {
    this.#store = store;
    this.#dims = dims;
    this.#rowBytes = rowBytes;
    this.#key = key;
  }

  /**
   * Adds to `rows` the faces of every bucket that is whole and at most
   * half the log behind `target` (the head the caller read first).
   */
  async load(rows: FaceRows, target: number): Promise<LoadedSnapshot> {
    const headers = await this.#headers();
    rows.reserve(
      headers.reduce(
        (sum, { value }) => sum + (isLive(value) ? value.faces : 0),
        rows.size,
      ),
    );
    const stamps = new Map<number, number>();
    const missing: number[] = [];
    const queue = Array.from({ length: BUCKETS }, (_, b) => b);
    await Promise.all(
      Array.from({ length: LOAD_CONCURRENCY }, async () => {
        for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
          let header = headers[b].value;
          let faces = await this.#readUsable(b, header, target);
          if (faces === undefined && isLive(header)) {
            // Replaced while we read it? Then the new one, once.
            const again = (await this.#store.get<BucketRecord>(
              this.#bucketKey(b),
            )).value;
            if (isLive(again) && again.generation !== header.generation) {
              header = again;
              faces = await this.#readUsable(b, header, target);
            }
          }
          if (faces === undefined || !isLive(header)) {
            missing.push(b);
            continue;
          }
          rows.addStored(faces);
          stamps.set(b, header.seq);
        }
      }),
    );
    return { stamps, missing: missing.sort((x, y) => x - y) };
  }

  /**
   * Writes a new generation of every bucket that changed since its last,
   * unless another process holds the lease.
   */
  async write(source: SnapshotSource): Promise<SnapshotSummary> {
    const summary = {
      status: "written" as const,
      buckets: 0,
      faces: 0,
      bytes: 0,
    };
    const owner = crypto.randomUUID();
    let lease = await this.#acquire(owner);
    if (lease === undefined) return { ...summary, status: "busy" };
    try {
      // Left by writers that died: no longer protected by the lease.
      await this.collect(Array.from({ length: BUCKETS }, (_, b) => b));
      // Read before the index catches up, so a removal after this read
      // changes a header the commit checks (see the module's notes).
      const headers = await this.#headers();
      await source.sync();
      const changed = await this.#changed(
        headers,
        source.current().seq,
        source.unusable(),
      );
      if (changed.length === 0) return { ...summary, status: "fresh" };
      for (const b of changed) {
        const written = await this.#writeBucket(
          b,
          headers[b],
          source,
          owner,
          lease,
        );
        lease = written.lease;
        if (written.committed) {
          summary.buckets++;
          summary.faces += written.faces;
          summary.bytes += written.bytes;
        }
        await this.collect([b]);
      }
      return summary;
    } catch (error) {
      if (error instanceof LeaseLost) return { ...summary, status: "busy" };
      throw error;
    } finally {
      await this.#store.commit((op) =>
        op.check(lease!).delete(this.#store.key("snapshot_lease"))
      );
    }
  }

  /**
   * Adds tombstones for the buckets of `faceIds` to a removal's commit;
   * returns the buckets, for {@linkcode Snapshots.collect} after it.
   */
  tombstone(op: Deno.AtomicOperation, faceIds: readonly string[]): number[] {
    const buckets = [...new Set(faceIds.map(bucketOf))];
    for (const b of buckets) {
      op.set(this.#bucketKey(b), { generation: null } satisfies Tombstone);
    }
    return buckets;
  }

  /**
   * Deletes the generations of these buckets that neither the bucket's
   * header nor the writer holding the lease names.
   */
  async collect(buckets: readonly number[]): Promise<void> {
    for (const b of buckets) {
      const [header, lease] = await this.#store.getMany<
        [BucketRecord, LeaseRecord]
      >([this.#bucketKey(b), this.#store.key("snapshot_lease")]);
      const keep = new Set<string>();
      if (isLive(header.value)) keep.add(header.value.generation);
      const writing = lease.value?.writing;
      if (writing?.bucket === b) keep.add(writing.generation);
      const doomed: Deno.KvKey[] = [];
      for await (
        const { key, value } of this.#store.list<GenerationRecord>({
          prefix: this.#store.key("snapshot_generation", b),
        })
      ) {
        const generation = key.at(-1) as string;
        if (keep.has(generation)) continue;
        for (let i = 0; i < value.chunks; i++) {
          doomed.push(this.#chunkKey(b, generation, i));
        }
        doomed.push(key);
      }
      // Chunks first, their registration last: a cut-off deletion is
      // finished by the next.
      for (let i = 0; i < doomed.length; i += DELETES_PER_COMMIT) {
        const batch = doomed.slice(i, i + DELETES_PER_COMMIT);
        await this.#store.commit((op) => {
          for (const key of batch) op.delete(key);
          return op;
        });
      }
    }
  }

  /** Every bucket's header entry, absent ones included (to check absence). */
  async #headers(): Promise<Deno.KvEntryMaybe<BucketRecord>[]> {
    const headers: Deno.KvEntryMaybe<BucketRecord>[] = Array.from(
      { length: BUCKETS },
      (_, b) => ({ key: this.#bucketKey(b), value: null, versionstamp: null }),
    );
    for await (
      const entry of this.#store.list<BucketRecord>({
        prefix: this.#store.key("snapshot_bucket"),
      })
    ) {
      const b = entry.key.at(-1);
      if (typeof b === "number" && b >= 0 && b < BUCKETS) headers[b] = entry;
    }
    return headers;
  }

  /** The bucket's faces, if its header is usable and its chunks whole. */
  async #readUsable(
    b: number,
    header: BucketRecord | null,
    target: number,
  ): Promise<StoredFaces | undefined> {
    if (
      !isLive(header) || header.format !== SNAPSHOT_FORMAT ||
      target - header.seq > USABLE_LAG
    ) {
      return undefined;
    }
    const context = await this.#openContext(b, header);
    if (context === undefined) return undefined;
    const chunks: Uint8Array[] = [];
    for await (
      const { key, value } of this.#store.list<Uint8Array>(
        { prefix: this.#store.key("snapshot_chunk", b, header.generation) },
        { batchSize: 64 },
      )
    ) {
      if (key.at(-1) !== chunks.length) return undefined;
      chunks.push(value);
    }
    if (chunks.length !== header.chunks) return undefined;
    const blob = await fromChunks(chunks, header.bytes, context);
    if (blob === undefined) return undefined;
    const faces = decodeBucket(blob, this.#rowBytes, this.#dims);
    if (
      faces === undefined || faces.faceIds.length !== header.faces ||
      faces.faceIds.some((faceId) => bucketOf(faceId) !== b)
    ) {
      return undefined;
    }
    return faces;
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
      const from = Math.min(...stamps.values());
      for await (
        const { key, value } of this.#store.list<ChangeRecord>({
          start: this.#store.key("log", from + 1),
          end: this.#store.key("log", seq + 1),
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
   * Writes one bucket as a new generation. A header changed since it was
   * read (a removal) leaves the bucket as it is; a lost lease stops the
   * run.
   */
  async #writeBucket(
    b: number,
    header: Deno.KvEntryMaybe<BucketRecord>,
    source: SnapshotSource,
    owner: string,
    lease: Deno.KvEntryMaybe<LeaseRecord>,
  ): Promise<{
    committed: boolean;
    faces: number;
    bytes: number;
    lease: Deno.KvEntryMaybe<LeaseRecord>;
  }> {
    // Copied at once: the index does not change while this runs.
    const { rows, seq } = source.current();
    const faces = rows.copyBlock((faceId) => bucketOf(faceId) === b);
    const blob = encodeBucket(faces, this.#rowBytes, this.#dims);
    const generation = crypto.randomUUID();
    let key: CryptoKey | undefined, sealedKey: Uint8Array | null = null;
    if (this.#key !== undefined) {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]);
      sealedKey = await seal(raw, this.#key, this.#keyContext(b, generation));
    }
    const chunks = await toChunks(blob, {
      generation,
      key,
      label: this.#label(b),
    });

    // Registered first, so that the chunks are found if this dies.
    lease = await this.#renew(
      lease,
      owner,
      { bucket: b, generation },
      (op) =>
        op.set(
          this.#store.key("snapshot_generation", b, generation),
          { chunks: chunks.length } satisfies GenerationRecord,
        ),
    );
    for (let i = 0; i < chunks.length; i += CHUNKS_PER_COMMIT) {
      const ok = await this.#store.commit((op) => {
        op.check(lease);
        for (
          let j = i;
          j < Math.min(chunks.length, i + CHUNKS_PER_COMMIT);
          j++
        ) {
          op.set(this.#chunkKey(b, generation, j), chunks[j]);
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
    const next: LeaseRecord = {
      owner,
      until: Date.now() + LEASE_MS,
      writing: null,
    };
    const leaseKey = this.#store.key("snapshot_lease");
    const committed = await this.#store.commit((op) =>
      op.check(lease, header).set(this.#bucketKey(b), record).set(
        leaseKey,
        next,
      )
    );
    if (!committed) {
      // A removal came between: leave the bucket to the next run.
      lease = await this.#renew(lease, owner, null);
    } else {
      lease = await this.#store.get<LeaseRecord>(leaseKey);
    }
    return {
      committed,
      faces: record.faces,
      bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
      lease,
    };
  }

  /** Takes the lease if it is free or expired; `undefined` if it is not. */
  async #acquire(
    owner: string,
  ): Promise<Deno.KvEntryMaybe<LeaseRecord> | undefined> {
    const key = this.#store.key("snapshot_lease");
    const current = await this.#store.get<LeaseRecord>(key);
    if (current.value !== null && current.value.until > Date.now()) {
      return undefined;
    }
    try {
      return await this.#renew(current, owner, null);
    } catch (error) {
      if (error instanceof LeaseLost) return undefined;
      throw error;
    }
  }

  /** Sets the lease to ours until `LEASE_MS` from now, with `more` in the commit. */
  async #renew(
    lease: Deno.KvEntryMaybe<LeaseRecord>,
    owner: string,
    writing: LeaseRecord["writing"],
    more: (op: Deno.AtomicOperation) => Deno.AtomicOperation = (op) => op,
  ): Promise<Deno.KvEntryMaybe<LeaseRecord>> {
    const key = this.#store.key("snapshot_lease");
    const record: LeaseRecord = {
      owner,
      until: Date.now() + LEASE_MS,
      writing,
    };
    const ok = await this.#store.commit((op) =>
      more(op.check(lease).set(key, record))
    );
    if (!ok) throw new LeaseLost();
    return await this.#store.get<LeaseRecord>(key);
  }

  /** How the chunks of a generation open, or `undefined` if its key does not. */
  async #openContext(
    b: number,
    header: LiveBucket,
  ): Promise<ChunkContext | undefined> {
    const label = this.#label(b);
    if (this.#key === undefined) {
      return header.key === null
        ? { generation: header.generation, key: undefined, label }
        : undefined;
    }
    if (header.key === null) return undefined;
    const raw = await unseal(
      header.key,
      this.#key,
      this.#keyContext(b, header.generation),
    );
    if (raw === undefined) return undefined;
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
      "decrypt",
    ]);
    return { generation: header.generation, key, label };
  }

  #label(b: number): string {
    return `tenant ${JSON.stringify(this.#store.tenant)} snapshot bucket ${b}`;
  }

  #keyContext(b: number, generation: string): string {
    return `${this.#label(b)} generation ${generation} key`;
  }

  #bucketKey(b: number): Deno.KvKey {
    return this.#store.key("snapshot_bucket", b);
  }

  #chunkKey(b: number, generation: string, index: number): Deno.KvKey {
    return this.#store.key("snapshot_chunk", b, generation, index);
  }
}
