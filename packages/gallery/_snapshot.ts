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
 * One process at a time writes (`_snapshot_writer.ts`; a lease in KV). It
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

import { unseal } from "./_codec.ts";
import type { FaceRows, StoredFaces } from "./_face_rows.ts";
import {
  bucketOf,
  BUCKETS,
  type ChunkContext,
  decodeBucket,
  fromChunks,
  SNAPSHOT_FORMAT,
} from "./_snapshot_format.ts";
import { LOG_RETAIN, type TenantStore } from "./_store.ts";

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
export interface GenerationRecord {
  readonly chunks: number;
}

/** `[…, "snapshot_lease"]`: who writes, until when, and which generation now. */
export interface LeaseRecord {
  readonly owner: string;
  /** Milliseconds since the epoch. */
  readonly until: number;
  readonly writing:
    | { readonly bucket: number; readonly generation: string }
    | null;
}

/** Buckets read at once while loading. */
const LOAD_CONCURRENCY = 8;
/**
 * How far behind the head a bucket may be and still be loaded: half the
 * log, so that the changes since stay in the log while they are read.
 */
const USABLE_LAG = LOG_RETAIN / 2;
/** Mutations per commit of deletions, below Deno KV's 1000. */
const DELETES_PER_COMMIT = 900;

/** What a loader found: the buckets it loaded, and those it could not use. */
export interface LoadedSnapshot {
  /** Each loaded bucket's stamp: changes after it are to be replayed. */
  readonly stamps: ReadonlyMap<number, number>;
  /** Buckets to read from the face records, in order. */
  readonly missing: number[];
}

/** Whether a header names a generation (neither absent nor a tombstone). */
export function isLive(record: BucketRecord | null): record is LiveBucket {
  return record !== null && record.generation !== null;
}

/**
 * The snapshot of one tenant's index: its keys, loading, tombstones and
 * collection (writing is `_snapshot_writer.ts`).
 */
export class Snapshots {
  /** The tenant's keys. */
  readonly store: TenantStore;
  /** Values per embedding. */
  readonly dims: number;
  /** Bytes of an index row. */
  readonly rowBytes: number;
  /** The tenant's encryption key, if it has one. */
  readonly key: CryptoKey | undefined;

  /** `rowBytes` is the index's; `key` the tenant's encryption key, if any. */
  constructor(
    store: TenantStore,
    dims: number,
    rowBytes: number,
    key: CryptoKey | undefined,
  ) {
    this.store = store;
    this.dims = dims;
    this.rowBytes = rowBytes;
    this.key = key;
  }

  /**
   * Adds to `rows` the faces of every bucket that is whole and at most
   * half the log behind `target` (the head the caller read first).
   */
  async load(rows: FaceRows, target: number): Promise<LoadedSnapshot> {
    const headers = await this.headers();
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
            const again = (await this.store.get<BucketRecord>(
              this.bucketKey(b),
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
   * Adds tombstones for the buckets of `faceIds` to a removal's commit;
   * returns the buckets, for {@linkcode Snapshots.collect} after it.
   */
  tombstone(op: Deno.AtomicOperation, faceIds: readonly string[]): number[] {
    const buckets = [...new Set(faceIds.map(bucketOf))];
    for (const b of buckets) {
      op.set(this.bucketKey(b), { generation: null } satisfies Tombstone);
    }
    return buckets;
  }

  /**
   * Deletes the generations of these buckets that neither the bucket's
   * header nor the writer holding the lease names. Read in this order —
   * registrations, lease, headers — so that a generation being written is
   * seen in the lease or, once committed, in its header.
   */
  async collect(buckets: readonly number[]): Promise<void> {
    const wanted = new Set(buckets);
    const registered: Deno.KvEntry<GenerationRecord>[] = [];
    for await (
      const entry of this.store.list<GenerationRecord>({
        prefix: this.store.key("snapshot_generation"),
      })
    ) {
      if (wanted.has(entry.key.at(-2) as number)) registered.push(entry);
    }
    if (registered.length === 0) return;
    const lease = await this.store.get<LeaseRecord>(
      this.store.key("snapshot_lease"),
    );
    const keep = new Set<string>();
    if (lease.value?.writing) keep.add(lease.value.writing.generation);
    const touched = [...new Set(registered.map((e) => e.key.at(-2) as number))];
    // getMany reads at most 10 keys.
    for (let i = 0; i < touched.length; i += 10) {
      const headers = await this.store.getMany<BucketRecord[]>(
        touched.slice(i, i + 10).map((b) => this.bucketKey(b)),
      );
      for (const { value } of headers) {
        if (isLive(value)) keep.add(value.generation);
      }
    }
    const doomed: Deno.KvKey[] = [];
    for (const { key, value } of registered) {
      const [b, generation] = key.slice(-2) as [number, string];
      if (keep.has(generation)) continue;
      for (let i = 0; i < value.chunks; i++) {
        doomed.push(this.chunkKey(b, generation, i));
      }
      doomed.push(key);
    }
    // Chunks first, their registration last: a cut-off deletion is
    // finished by the next.
    for (let i = 0; i < doomed.length; i += DELETES_PER_COMMIT) {
      const batch = doomed.slice(i, i + DELETES_PER_COMMIT);
      await this.store.commit((op) => {
        for (const key of batch) op.delete(key);
        return op;
      });
    }
  }

  /** Every bucket's header entry, absent ones included (to check absence). */
  async headers(): Promise<Deno.KvEntryMaybe<BucketRecord>[]> {
    const headers: Deno.KvEntryMaybe<BucketRecord>[] = Array.from(
      { length: BUCKETS },
      (_, b) => ({ key: this.bucketKey(b), value: null, versionstamp: null }),
    );
    for await (
      const entry of this.store.list<BucketRecord>({
        prefix: this.store.key("snapshot_bucket"),
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
      const { key, value } of this.store.list<Uint8Array>(
        { prefix: this.store.key("snapshot_chunk", b, header.generation) },
        { batchSize: 16 },
      )
    ) {
      if (key.at(-1) !== chunks.length) return undefined;
      chunks.push(value);
    }
    if (chunks.length !== header.chunks) return undefined;
    const blob = await fromChunks(chunks, header.bytes, context);
    if (blob === undefined) return undefined;
    const faces = decodeBucket(blob, this.rowBytes, this.dims);
    if (
      faces === undefined || faces.faceIds.length !== header.faces ||
      faces.faceIds.some((faceId) => bucketOf(faceId) !== b)
    ) {
      return undefined;
    }
    return faces;
  }

  /** How the chunks of a generation open, or `undefined` if its key does not. */
  async #openContext(
    b: number,
    header: LiveBucket,
  ): Promise<ChunkContext | undefined> {
    const label = this.label(b);
    if (this.key === undefined) {
      return header.key === null
        ? { generation: header.generation, key: undefined, label }
        : undefined;
    }
    if (header.key === null) return undefined;
    const raw = await unseal(
      header.key,
      this.key,
      this.keyContext(b, header.generation),
    );
    if (raw === undefined) return undefined;
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
      "decrypt",
    ]);
    return { generation: header.generation, key, label };
  }

  /** Names the tenant and bucket in associated data. */
  label(b: number): string {
    return `tenant ${JSON.stringify(this.store.tenant)} snapshot bucket ${b}`;
  }

  /** The associated data of a generation's sealed key. */
  keyContext(b: number, generation: string): string {
    return `${this.label(b)} generation ${generation} key`;
  }

  /** The key of bucket `b`'s header. */
  bucketKey(b: number): Deno.KvKey {
    return this.store.key("snapshot_bucket", b);
  }

  /** The key of a generation's chunk. */
  chunkKey(b: number, generation: string, index: number): Deno.KvKey {
    return this.store.key("snapshot_chunk", b, generation, index);
  }
}
