/**
 * Subjects, their faces and 1:N identification, stored in Deno KV and
 * searched in memory. Their records and what each write commits are in
 * `_records.ts`.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { openEmbedding, sealEmbedding } from "./_codec.ts";
import { checkTenant } from "./_tenant.ts";
import {
  type FaceRecord,
  NO_FACES,
  type SubjectRecord,
  TenantStore,
} from "./_store.ts";
import {
  addFaceRecord,
  createSubjectRecord,
  deleteSubjectRecords,
  faceRecords,
  listSubjectPage,
  removeFaceRecord,
  requireSubject,
  subjectKey,
  toSubject,
} from "./_records.ts";
import { SyncedIndex } from "./_synced_index.ts";
import { threadsOf } from "./_scan_threads.ts";
import { Snapshots } from "./_snapshot.ts";
import { rowBytes } from "./_kernel.ts";
import { Batcher } from "./_batcher.ts";
import { MAX_BATCH } from "./_face_rows.ts";
import { type SearchRequest, searchRowsShared } from "./_search.ts";
import {
  checkCursor,
  checkGalleryOptions,
  checkId,
  checkLimit,
  checkMetadata,
  checkSource,
  checkThreshold,
} from "./_validate.ts";
import { similarity, unitEmbedding } from "./_vector.ts";
import {
  type AddFaceOptions,
  type CreateSubjectOptions,
  DEFAULT_MAX_STALENESS_MS,
  DEFAULT_SNAPSHOT_EVERY,
  type ExportedFace,
  type FaceInfo,
  type GalleryOptions,
  type IdentifyOptions,
  type ListSubjectsOptions,
  type Match,
  MAX_IDENTIFY_LIMIT,
  type SnapshotSummary,
  type Subject,
  type SubjectPage,
  type UpdateSubjectOptions,
  type Verification,
  type VerifyOptions,
} from "./types.ts";

/**
 * A tenant's gallery of enrolled faces on a Deno KV database: a local file,
 * `:memory:` or a KV Connect URL, opened by the caller with `Deno.openKv`.
 * Needs `--unstable-kv`.
 *
 * Every write is one atomic commit that also advances the tenant's change
 * counter, checked by versionstamp, so concurrent writers in any number of
 * processes are serialised: no face is lost or duplicated, and no subject
 * is half-deleted. Identification searches an in-memory index that is
 * loaded on first use and brought up to date from the change log. A write
 * that keeps losing races, or any call that keeps finding a SQLite file
 * locked by other processes, gives up after 100 attempts with
 * `FaceError("conflict")`.
 *
 * @example
 * ```ts
 * import { Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * await gallery.createSubject("ada");
 * await gallery.addFace("ada", [0.6, 0.8]);
 * const [best] = await gallery.identify([0.8, 0.6], { threshold: 0.5 });
 * console.log(best.subjectId, best.similarity.toFixed(2)); // ada 0.96
 * kv.close();
 * ```
 */
export class Gallery {
  /** Whose gallery this is. */
  readonly tenant: string;
  /** The model the embeddings must come from. */
  readonly modelId: string;
  /** Values per embedding. */
  readonly dims: number;
  readonly #store: TenantStore;
  readonly #key: CryptoKey | undefined;
  readonly #snapshots: Snapshots;
  readonly #index: SyncedIndex;
  readonly #searches: Batcher<SearchRequest, Match[]>;

  private constructor(kv: Deno.Kv, options: GalleryOptions) {
    this.tenant = options.tenant;
    this.modelId = options.modelId;
    this.dims = options.dims;
    this.#key = options.encryptionKey;
    this.#store = new TenantStore(kv, options.tenant);
    this.#snapshots = new Snapshots(
      this.#store,
      options.dims,
      rowBytes(options.dims),
      options.encryptionKey,
    );
    const threads = options.scanPool && threadsOf(options.scanPool);
    this.#index = new SyncedIndex({
      store: this.#store,
      dims: options.dims,
      maxStalenessMs: options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS,
      open: (faceId, record) => this.#openEmbedding(faceId, record),
      snapshots: this.#snapshots,
      snapshotEvery: options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
      threads,
    });
    // Every request in a batch waited for a fresh index before it joined.
    this.#searches = new Batcher(
      (requests) =>
        this.#index.read((rows) => searchRowsShared(rows, requests)),
      MAX_BATCH,
      threads && (() => threads.taken()),
    );
  }

  /**
   * Opens the tenant's gallery, creating it on first use. The tenant
   * remembers its model, embedding size and whether it is encrypted.
   *
   * @throws {FaceError} `gallery_mismatch` when the tenant was created for
   * another model or size, with encryption where none is given (or the
   * reverse), or with another key; `invalid_argument` for a bad tenant id;
   * `conflict` when other processes kept the database locked.
   * @throws {TypeError} when `modelId`, `dims`, `maxStalenessMs` or
   * `encryptionKey` has the wrong type.
   * @throws {RangeError} when `modelId` is empty or too long, `dims` is not
   * a whole number from 1 to {@linkcode MAX_DIMS}, or `maxStalenessMs` is
   * negative or not finite.
   */
  static async open(kv: Deno.Kv, options: GalleryOptions): Promise<Gallery> {
    checkGalleryOptions(options);
    const gallery = new Gallery(kv, options);
    await checkTenant(gallery.#store, {
      modelId: options.modelId,
      dims: options.dims,
      key: options.encryptionKey,
      context: gallery.#context("key check"),
    });
    return gallery;
  }

  /** Whether embeddings are sealed with an encryption key at rest. */
  get encrypted(): boolean {
    return this.#key !== undefined;
  }

  /**
   * Creates a subject with no faces.
   *
   * @throws {FaceError} `already_exists` when the id is taken;
   * `invalid_argument` for a bad id or metadata.
   */
  async createSubject(
    subjectId: string,
    options: CreateSubjectOptions = {},
  ): Promise<Subject> {
    checkId("subject id", subjectId);
    const metadata = checkMetadata(options.metadata);
    return await this.#store.write((op) =>
      createSubjectRecord(this.#store, op, subjectId, metadata)
    );
  }

  /**
   * The subject, or `undefined` when there is none with that id.
   *
   * @throws {FaceError} `invalid_argument` for a bad id.
   */
  async getSubject(subjectId: string): Promise<Subject | undefined> {
    checkId("subject id", subjectId);
    const entry = await this.#store.get<SubjectRecord>(
      subjectKey(this.#store, subjectId),
    );
    return entry.value ? toSubject(subjectId, entry.value) : undefined;
  }

  /**
   * Replaces a subject's metadata as a whole, in one atomic commit, and
   * returns the subject as it now is. Its faces are untouched.
   *
   * @throws {FaceError} `not_found` when there is no such subject;
   * `invalid_argument` for a bad id or metadata.
   *
   * @example
   * ```ts
   * import { Gallery } from "@facever/gallery";
   * const kv = await Deno.openKv(":memory:");
   * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
   * await gallery.createSubject("ada", { metadata: { name: "Ada Byron" } });
   * const ada = await gallery.updateSubject("ada", {
   *   metadata: { name: "Ada Lovelace" },
   * });
   * console.log(ada.metadata.name); // "Ada Lovelace"
   * kv.close();
   * ```
   */
  async updateSubject(
    subjectId: string,
    options: UpdateSubjectOptions,
  ): Promise<Subject> {
    checkId("subject id", subjectId);
    const metadata = checkMetadata(options?.metadata);
    return await this.#store.write(async (op) => {
      const subject = await requireSubject(this.#store, subjectId);
      const record: SubjectRecord = { ...subject, metadata };
      op.set(subjectKey(this.#store, subjectId), record);
      return { result: toSubject(subjectId, record), change: NO_FACES };
    });
  }

  /**
   * One page of subjects, in id order.
   *
   * @throws {FaceError} `invalid_argument` for a cursor this gallery did not
   * give out.
   * @throws {TypeError} when `limit` is not a number.
   * @throws {RangeError} when `limit` is not a whole number from 1 to 1000.
   */
  async listSubjects(options: ListSubjectsOptions = {}): Promise<SubjectPage> {
    const limit = options.limit ?? 100;
    checkLimit(limit, 1000);
    checkCursor(options.cursor);
    return await listSubjectPage(this.#store, limit, options.cursor);
  }

  /**
   * Deletes a subject with every face, index entry and source key of it,
   * in one atomic commit. Final: nothing of the subject stays in KV (the
   * change log keeps only the random ids of the removed faces, so that
   * other processes drop them from their indexes).
   *
   * @throws {FaceError} `not_found` when there is no such subject;
   * `invalid_argument` for a bad id.
   */
  async deleteSubject(subjectId: string): Promise<void> {
    checkId("subject id", subjectId);
    let buckets: number[] = [];
    await this.#store.write(async (op) => {
      const removed = await deleteSubjectRecords(this.#store, op, subjectId);
      buckets = this.#snapshots.tombstone(op, removed);
      return { change: { added: [], removed }, result: undefined };
    });
    await this.#collect(buckets);
  }

  /**
   * Adds a face to a subject and returns its id. The embedding must have
   * {@linkcode Gallery.dims} finite values and unit length; it is stored
   * renormalised, as float32. No image is ever stored.
   *
   * @throws {FaceError} `invalid_embedding` for a malformed embedding;
   * `invalid_argument` for a bad id, metadata or source; `not_found` when
   * there is no such subject; `limit_exceeded` when the subject has
   * {@linkcode MAX_FACES_PER_SUBJECT} faces.
   */
  async addFace(
    subjectId: string,
    embedding: ArrayLike<number>,
    options: AddFaceOptions = {},
  ): Promise<string> {
    checkId("subject id", subjectId);
    const vector = Float32Array.from(unitEmbedding(embedding, this.dims));
    const metadata = checkMetadata(options.metadata);
    const source = options.source ?? null;
    if (source !== null) checkSource(source);
    const faceId = crypto.randomUUID();
    const record: FaceRecord = {
      embedding: await sealEmbedding(vector, this.#key, this.#context(faceId)),
      metadata,
      source,
      createdAt: new Date(),
    };
    return await this.#store.write((op) =>
      addFaceRecord(this.#store, op, subjectId, faceId, record)
    );
  }

  /**
   * The faces of a subject, in face id order, without embeddings.
   *
   * @throws {FaceError} `not_found` when there is no such subject;
   * `invalid_argument` for a bad id.
   */
  async listFaces(subjectId: string): Promise<FaceInfo[]> {
    checkId("subject id", subjectId);
    await requireSubject(this.#store, subjectId);
    const faces: FaceInfo[] = [];
    for await (const { key, value } of faceRecords(this.#store, subjectId)) {
      faces.push({
        faceId: key.at(-1) as string,
        subjectId,
        metadata: value.metadata,
        source: value.source,
        createdAt: value.createdAt,
      });
    }
    return faces;
  }

  /**
   * The faces of a subject with their embeddings (opened with the
   * tenant's key where they are sealed), in face id order: what a backup
   * or the provisioning of another device needs. An embedding is a
   * biometric template; hand it only to what must store it.
   *
   * @throws {FaceError} `not_found` when there is no such subject;
   * `invalid_argument` for a bad id.
   *
   * @example
   * ```ts
   * import { Gallery } from "@facever/gallery";
   * const kv = await Deno.openKv(":memory:");
   * const gallery = await Gallery.open(kv, { tenant: "t", modelId: "m", dims: 2 });
   * await gallery.createSubject("ada");
   * await gallery.addFace("ada", [0.6, 0.8]);
   * const [face] = await gallery.exportFaces("ada");
   * console.log(face.embedding); // Float32Array(2) [ 0.6…, 0.8… ]
   * kv.close();
   * ```
   */
  async exportFaces(subjectId: string): Promise<ExportedFace[]> {
    checkId("subject id", subjectId);
    await requireSubject(this.#store, subjectId);
    const faces: ExportedFace[] = [];
    for await (const { key, value } of faceRecords(this.#store, subjectId)) {
      const faceId = key.at(-1) as string;
      faces.push({
        faceId,
        subjectId,
        metadata: value.metadata,
        source: value.source,
        createdAt: value.createdAt,
        embedding: await this.#openEmbedding(faceId, value),
      });
    }
    return faces;
  }

  /**
   * Removes one face.
   *
   * @throws {FaceError} `not_found` when the tenant has no such face;
   * `invalid_argument` for a bad id.
   */
  async removeFace(faceId: string): Promise<void> {
    checkId("face id", faceId);
    let buckets: number[] = [];
    await this.#store.write(async (op) => {
      await removeFaceRecord(this.#store, op, faceId);
      buckets = this.#snapshots.tombstone(op, [faceId]);
      return { change: { added: [], removed: [faceId] }, result: undefined };
    });
    await this.#collect(buckets);
  }

  /**
   * Who is this? The `limit` subjects whose closest face is most similar
   * to `embedding`, best first, each with that face, all with similarity
   * of at least `threshold`. Exact: the same answer as comparing with
   * every face in double precision. Ties go to the smaller face id.
   * Concurrent calls share one pass over the index (up to 16 at a time),
   * each with the answer it would get alone.
   *
   * @throws {FaceError} `invalid_embedding` for a malformed embedding.
   * @throws {TypeError} when `threshold` or `limit` is not a number.
   * @throws {RangeError} when `threshold` is outside [-1, 1] or `limit` is
   * not a whole number from 1 to {@linkcode MAX_IDENTIFY_LIMIT}.
   */
  async identify(
    embedding: ArrayLike<number>,
    options: IdentifyOptions,
  ): Promise<Match[]> {
    const query = unitEmbedding(embedding, this.dims);
    checkThreshold(options.threshold);
    const limit = options.limit ?? 1;
    checkLimit(limit, MAX_IDENTIFY_LIMIT);
    await this.#index.fresh();
    return await this.#searches.submit({
      query,
      limit,
      threshold: options.threshold,
    });
  }

  /**
   * Is this the subject? Compares `embedding` with each of the subject's
   * faces, read from KV, and reports the closest.
   *
   * @throws {FaceError} `not_found` when there is no such subject or it
   * has no face; `invalid_embedding` for a malformed embedding;
   * `invalid_argument` for a bad id.
   * @throws {TypeError} when `threshold` is not a number.
   * @throws {RangeError} when `threshold` is outside [-1, 1].
   */
  async verify(
    subjectId: string,
    embedding: ArrayLike<number>,
    options: VerifyOptions,
  ): Promise<Verification> {
    checkId("subject id", subjectId);
    const query = unitEmbedding(embedding, this.dims);
    checkThreshold(options.threshold);
    await requireSubject(this.#store, subjectId);
    let best: Match | undefined;
    for await (const { key, value } of faceRecords(this.#store, subjectId)) {
      const faceId = key.at(-1) as string;
      const vector = await this.#openEmbedding(faceId, value);
      const score = similarity(query, vector, 0);
      if (best === undefined || score > best.similarity) {
        best = { subjectId, faceId, similarity: score };
      }
    }
    if (best === undefined) {
      throw new FaceError(
        "not_found",
        `subject ${JSON.stringify(subjectId)} has no faces to verify against`,
      );
    }
    const clamped = Math.min(1, Math.max(-1, best.similarity));
    return {
      ...best,
      similarity: clamped,
      match: clamped >= options.threshold,
    };
  }

  /**
   * Writes a snapshot of the index to KV now, so that a new process reads
   * its index in a few large reads instead of rebuilding it face by face:
   * every bucket of faces (by face id, 128 in all) that changed since the
   * last snapshot, as a new generation, sealed when the tenant is
   * encrypted. A process does this on its own in the background (see
   * {@linkcode GalleryOptions.snapshotEvery}); call it to have a fresh
   * snapshot at a time of your choosing, for example after a bulk
   * enrolment. Reads and writes go on meanwhile. When another process is
   * writing the snapshot, returns at once with status `"busy"`.
   *
   * @throws {FaceError} `conflict` when other processes kept the database
   * locked.
   *
   * @example
   * ```ts
   * import { Gallery } from "@facever/gallery";
   * const kv = await Deno.openKv(":memory:");
   * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
   * await gallery.createSubject("ada");
   * await gallery.addFace("ada", [0.6, 0.8]);
   * const summary = await gallery.writeSnapshot();
   * console.log(summary.status, summary.faces); // written 1
   * kv.close();
   * ```
   */
  async writeSnapshot(): Promise<SnapshotSummary> {
    return await this.#index.writeSnapshot();
  }

  /**
   * Deletes the snapshot's chunks that a removal's tombstones left
   * unnamed. The removal has committed: should this fail, the next
   * snapshot run deletes them.
   */
  async #collect(buckets: readonly number[]): Promise<void> {
    try {
      await this.#snapshots.collect(buckets);
    } catch {
      // See above.
    }
  }

  #openEmbedding(faceId: string, record: FaceRecord): Promise<Float32Array> {
    return openEmbedding(
      record.embedding,
      this.dims,
      this.#key,
      this.#context(faceId),
    );
  }

  /** Associated data of a sealed value: binds it to its tenant and face. */
  #context(faceId: string): string {
    return `tenant ${JSON.stringify(this.tenant)} face ${faceId}`;
  }
}
