/**
 * Subjects, their faces and 1:N identification, stored in Deno KV and
 * searched in memory.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import {
  openEmbedding,
  opensKeyCheck,
  sealEmbedding,
  sealKeyCheck,
} from "./_codec.ts";
import { FaceIndex } from "./face_index.ts";
import { similarity, unitEmbedding } from "./_vector.ts";

/**
 * Free-form data kept with a subject or a face: a flat object of JSON
 * scalars, at most {@linkcode MAX_METADATA_BYTES} as JSON. It is stored in
 * the clear, even in an encrypted gallery.
 *
 * @example
 * ```ts
 * import type { Metadata } from "@facever/gallery";
 * const metadata: Metadata = { name: "Ada Lovelace", badge: 1815 };
 * console.log(metadata.name);
 * ```
 */
export type Metadata = Readonly<
  Record<string, string | number | boolean | null>
>;

/**
 * An enrolled person.
 *
 * @example
 * ```ts
 * import { Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * const subject = await gallery.createSubject("ada", { metadata: { name: "Ada" } });
 * console.log(subject.faceCount); // 0
 * kv.close();
 * ```
 */
export interface Subject {
  /** The caller's identifier, unique in the tenant. */
  readonly id: string;
  /** What the caller stored with the subject. */
  readonly metadata: Metadata;
  /** Number of faces enrolled, at most {@linkcode MAX_FACES_PER_SUBJECT}. */
  readonly faceCount: number;
  /** When the subject was created. */
  readonly createdAt: Date;
}

/**
 * One enrolled face, without its embedding.
 *
 * @example
 * ```ts
 * import { Gallery } from "@facever/gallery";
 * const kv = await Deno.openKv(":memory:");
 * const gallery = await Gallery.open(kv, { tenant: "acme", modelId: "m", dims: 2 });
 * await gallery.createSubject("ada");
 * await gallery.addFace("ada", [0.6, 0.8], { source: "ada/1.jpg" });
 * const [face] = await gallery.listFaces("ada");
 * console.log(face.source); // "ada/1.jpg"
 * kv.close();
 * ```
 */
export interface FaceInfo {
  /** The gallery's identifier of the face (a random UUID). */
  readonly faceId: string;
  /** The subject the face belongs to. */
  readonly subjectId: string;
  /** What the caller stored with the face. */
  readonly metadata: Metadata;
  /** The caller's key for where the face came from; see {@linkcode AddFaceOptions.source}. */
  readonly source: string | null;
  /** When the face was added. */
  readonly createdAt: Date;
}

/**
 * One answer of {@linkcode Gallery.identify}: a subject and its face
 * closest to the query.
 *
 * @example
 * ```ts
 * import type { Match } from "@facever/gallery";
 * const match: Match = { subjectId: "ada", faceId: "5f0c…", similarity: 0.71 };
 * console.log(match.similarity >= 0.282);
 * ```
 */
export interface Match {
  /** Who it is. */
  readonly subjectId: string;
  /** Which of their faces was the closest. */
  readonly faceId: string;
  /** Cosine similarity with the query, in [-1, 1]. */
  readonly similarity: number;
}

/**
 * The answer of {@linkcode Gallery.verify}.
 *
 * @example
 * ```ts
 * import type { Verification } from "@facever/gallery";
 * const result: Verification = {
 *   subjectId: "ada",
 *   faceId: "5f0c…",
 *   similarity: 0.71,
 *   match: true,
 * };
 * console.log(result.match);
 * ```
 */
export interface Verification extends Match {
  /** Whether `similarity` reaches the threshold asked for. */
  readonly match: boolean;
}

/**
 * Options for {@linkcode Gallery.open}.
 *
 * @example
 * ```ts
 * import type { GalleryOptions } from "@facever/gallery";
 * const options: GalleryOptions = {
 *   tenant: "acme",
 *   modelId: "mobilefacenet@a14ec512",
 *   dims: 512,
 *   maxStalenessMs: 250,
 * };
 * console.log(options.tenant);
 * ```
 */
export interface GalleryOptions {
  /**
   * Whose gallery this is. Every key lives under the tenant, so one tenant
   * never reads or changes another's data.
   */
  readonly tenant: string;
  /**
   * What produced the embeddings; include the weights' hash, so a gallery
   * built with other weights is refused instead of silently misidentifying.
   */
  readonly modelId: string;
  /** Values per embedding, 1 to {@linkcode MAX_DIMS}. */
  readonly dims: number;
  /**
   * AES-GCM key that seals every stored embedding (see
   * `encryptionKeyFromEnv`). A tenant is created with or without one and
   * must always be opened the same way.
   */
  readonly encryptionKey?: CryptoKey;
  /**
   * How old, in milliseconds, the in-memory index may be when
   * {@linkcode Gallery.identify} answers: a face enrolled by another
   * process is found at most this long after its commit (plus the time to
   * read the change). 0 checks KV on every call. Default
   * {@linkcode DEFAULT_MAX_STALENESS_MS}. This process's own changes are
   * always seen at once.
   */
  readonly maxStalenessMs?: number;
}

/**
 * Options for {@linkcode Gallery.createSubject}.
 *
 * @example
 * ```ts
 * import type { CreateSubjectOptions } from "@facever/gallery";
 * const options: CreateSubjectOptions = { metadata: { name: "Ada" } };
 * console.log(options.metadata);
 * ```
 */
export interface CreateSubjectOptions {
  /** Data to keep with the subject. */
  readonly metadata?: Metadata;
}

/**
 * Options for {@linkcode Gallery.addFace}.
 *
 * @example
 * ```ts
 * import type { AddFaceOptions } from "@facever/gallery";
 * const options: AddFaceOptions = {
 *   source: "sha256:9f86d081…",
 *   metadata: { camera: "door-2" },
 * };
 * console.log(options.source);
 * ```
 */
export interface AddFaceOptions {
  /** Data to keep with the face. */
  readonly metadata?: Metadata;
  /**
   * Where the face came from, unique per subject (for example a hash of
   * the photo): adding a face with a source the subject already has
   * returns that face's id and adds nothing, so a retried or resumed
   * enrolment never duplicates a face. At most 256 characters.
   */
  readonly source?: string;
}

/**
 * Options for {@linkcode Gallery.listSubjects}.
 *
 * @example
 * ```ts
 * import type { ListSubjectsOptions } from "@facever/gallery";
 * const options: ListSubjectsOptions = { limit: 50 };
 * console.log(options.limit);
 * ```
 */
export interface ListSubjectsOptions {
  /** Subjects per page, 1 to 1000; default 100. */
  readonly limit?: number;
  /** The `cursor` of the previous page; omit for the first. */
  readonly cursor?: string;
}

/**
 * One page of {@linkcode Gallery.listSubjects}, in subject id order.
 *
 * @example
 * ```ts
 * import type { SubjectPage } from "@facever/gallery";
 * const page: SubjectPage = { subjects: [], cursor: undefined };
 * console.log(page.cursor === undefined); // true: the last page
 * ```
 */
export interface SubjectPage {
  /** The subjects of this page. */
  readonly subjects: Subject[];
  /** Pass to get the next page; `undefined` on the last one. */
  readonly cursor: string | undefined;
}

/**
 * Options for {@linkcode Gallery.identify}.
 *
 * @example
 * ```ts
 * import type { IdentifyOptions } from "@facever/gallery";
 * // DEFAULT_THRESHOLD of @facever/model, for its MobileFaceNet embeddings.
 * const options: IdentifyOptions = { threshold: 0.282, limit: 5 };
 * console.log(options.limit);
 * ```
 */
export interface IdentifyOptions {
  /**
   * Lowest similarity to report, in [-1, 1]; required, because only the
   * caller knows which model's calibration applies.
   */
  readonly threshold: number;
  /**
   * Most subjects to return, 1 to {@linkcode MAX_IDENTIFY_LIMIT}; default
   * 1.
   */
  readonly limit?: number;
}

/**
 * Options for {@linkcode Gallery.verify}.
 *
 * @example
 * ```ts
 * import type { VerifyOptions } from "@facever/gallery";
 * const options: VerifyOptions = { threshold: 0.282 };
 * console.log(options.threshold);
 * ```
 */
export interface VerifyOptions {
  /** Similarity, in [-1, 1], at or above which `match` is true. */
  readonly threshold: number;
}

/**
 * Largest embedding size a gallery takes (a float32 record of 16 KiB).
 *
 * @example
 * ```ts
 * import { MAX_DIMS } from "@facever/gallery";
 * console.log(MAX_DIMS); // 4096
 * ```
 */
export const MAX_DIMS: number = 4096;

/**
 * Most faces one subject may have. Deleting a subject removes three keys
 * per face in one atomic commit, and Deno KV allows 1000 mutations per
 * commit.
 *
 * @example
 * ```ts
 * import { MAX_FACES_PER_SUBJECT } from "@facever/gallery";
 * console.log(MAX_FACES_PER_SUBJECT); // 256
 * ```
 */
export const MAX_FACES_PER_SUBJECT: number = 256;

/**
 * Largest {@linkcode Metadata}, in bytes of JSON.
 *
 * @example
 * ```ts
 * import { MAX_METADATA_BYTES } from "@facever/gallery";
 * console.log(MAX_METADATA_BYTES); // 4096
 * ```
 */
export const MAX_METADATA_BYTES: number = 4096;

/**
 * Largest `limit` of {@linkcode Gallery.identify}.
 *
 * @example
 * ```ts
 * import { MAX_IDENTIFY_LIMIT } from "@facever/gallery";
 * console.log(MAX_IDENTIFY_LIMIT); // 1000
 * ```
 */
export const MAX_IDENTIFY_LIMIT: number = 1000;

/**
 * Default of {@linkcode GalleryOptions.maxStalenessMs}.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_STALENESS_MS } from "@facever/gallery";
 * console.log(DEFAULT_MAX_STALENESS_MS); // 1000
 * ```
 */
export const DEFAULT_MAX_STALENESS_MS: number = 1000;

/**
 * First element of every key the gallery writes.
 *
 * @example
 * ```ts
 * import { KEY_ROOT } from "@facever/gallery";
 * console.log(KEY_ROOT); // "facever_gallery"
 * ```
 */
export const KEY_ROOT: string = "facever_gallery";

/**
 * Changes kept in the log. A process whose index is further behind reloads
 * the whole tenant instead of replaying.
 */
const LOG_RETAIN = 10_000;
const MAX_ATTEMPTS = 100;
const MAX_ID_LENGTH = 128;
const MAX_SOURCE_LENGTH = 256;
const MAX_MODEL_ID_LENGTH = 256;
const FORMAT = 1;

interface MetaRecord {
  readonly format: number;
  readonly modelId: string;
  readonly dims: number;
  readonly keyCheck: Uint8Array | null;
  readonly createdAt: Date;
}

interface HeadRecord {
  readonly seq: number;
}

/** One log entry: the faces one commit added and removed. */
interface ChangeRecord {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface SubjectRecord {
  readonly metadata: Metadata;
  readonly faceCount: number;
  readonly createdAt: Date;
}

interface FaceRecord {
  readonly embedding: Uint8Array;
  readonly metadata: Metadata;
  readonly source: string | null;
  readonly createdAt: Date;
}

/**
 * What a write transaction decided: its result, and the faces it changes;
 * no `change` means there is nothing to commit.
 */
interface Outcome<T> {
  readonly result: T;
  readonly change?: ChangeRecord;
}

const NO_FACES: ChangeRecord = { added: [], removed: [] };

/**
 * A tenant's gallery of enrolled faces on a Deno KV database: a local file,
 * `:memory:` or a KV Connect URL, opened by the caller with `Deno.openKv`.
 * Needs `--unstable-kv`.
 *
 * Every write is one atomic commit that also advances the tenant's change
 * counter, checked by versionstamp, so concurrent writers in any number of
 * processes are serialised: no face is lost or duplicated, and no subject
 * is half-deleted. Identification searches an in-memory index that is
 * loaded on first use and brought up to date from the change log.
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
  readonly #kv: Deno.Kv;
  readonly #key: CryptoKey | undefined;
  readonly #maxStalenessMs: number;
  #writes: Promise<unknown> = Promise.resolve();
  #index: FaceIndex | undefined;
  #indexSeq = 0;
  #writtenSeq = 0;
  #syncedAt = -Infinity;
  #syncing: Promise<void> | undefined;

  private constructor(kv: Deno.Kv, options: GalleryOptions) {
    this.#kv = kv;
    this.tenant = options.tenant;
    this.modelId = options.modelId;
    this.dims = options.dims;
    this.#key = options.encryptionKey;
    this.#maxStalenessMs = options.maxStalenessMs ??
      DEFAULT_MAX_STALENESS_MS;
  }

  /**
   * Opens the tenant's gallery, creating it on first use. The tenant
   * remembers its model, embedding size and whether it is encrypted.
   *
   * @throws {FaceError} `gallery_mismatch` when the tenant was created for
   * another model or size, with encryption where none is given (or the
   * reverse), or with another key; `invalid_argument` for bad options.
   */
  static async open(kv: Deno.Kv, options: GalleryOptions): Promise<Gallery> {
    checkId("tenant", options.tenant);
    if (
      typeof options.modelId !== "string" || options.modelId.length === 0 ||
      options.modelId.length > MAX_MODEL_ID_LENGTH
    ) {
      throw new FaceError(
        "invalid_argument",
        `modelId must be a non-empty string of at most ${MAX_MODEL_ID_LENGTH} characters`,
      );
    }
    if (
      !Number.isInteger(options.dims) || options.dims < 1 ||
      options.dims > MAX_DIMS
    ) {
      throw new FaceError(
        "invalid_argument",
        `dims must be a whole number from 1 to ${MAX_DIMS}, got ${options.dims}`,
      );
    }
    const staleness = options.maxStalenessMs;
    if (
      staleness !== undefined && !(Number.isFinite(staleness) && staleness >= 0)
    ) {
      throw new FaceError(
        "invalid_argument",
        `maxStalenessMs must be a finite number of at least 0, got ${staleness}`,
      );
    }
    const gallery = new Gallery(kv, options);
    await gallery.#checkMeta();
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
    return await this.#write(async (op) => {
      const existing = await this.#kv.get(this.#subjectKey(subjectId));
      if (existing.value !== null) {
        throw new FaceError(
          "already_exists",
          `subject ${JSON.stringify(subjectId)} already exists`,
        );
      }
      const record: SubjectRecord = {
        metadata,
        faceCount: 0,
        createdAt: new Date(),
      };
      op.set(this.#subjectKey(subjectId), record);
      return { result: toSubject(subjectId, record), change: NO_FACES };
    });
  }

  /** The subject, or `undefined` when there is none with that id. */
  async getSubject(subjectId: string): Promise<Subject | undefined> {
    checkId("subject id", subjectId);
    const entry = await this.#kv.get<SubjectRecord>(
      this.#subjectKey(subjectId),
    );
    return entry.value ? toSubject(subjectId, entry.value) : undefined;
  }

  /** One page of subjects, in id order. */
  async listSubjects(options: ListSubjectsOptions = {}): Promise<SubjectPage> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new FaceError(
        "invalid_argument",
        `limit must be a whole number from 1 to 1000, got ${limit}`,
      );
    }
    // One entry more than asked tells whether another page exists.
    const entries = this.#kv.list<SubjectRecord>(
      { prefix: this.#tenantKey("subject") },
      { limit: limit + 1, cursor: options.cursor },
    );
    const subjects: Subject[] = [];
    let cursor: string | undefined;
    for await (const entry of entries) {
      if (subjects.length === limit) {
        return { subjects, cursor };
      }
      subjects.push(toSubject(entry.key.at(-1) as string, entry.value));
      cursor = entries.cursor;
    }
    return { subjects, cursor: undefined };
  }

  /**
   * Deletes a subject with every face, index entry and source key of it,
   * in one atomic commit. Final: nothing of the subject stays in KV (the
   * change log keeps only the random ids of the removed faces, so that
   * other processes drop them from their indexes).
   *
   * @throws {FaceError} `not_found` when there is no such subject.
   */
  async deleteSubject(subjectId: string): Promise<void> {
    checkId("subject id", subjectId);
    return await this.#write(async (op) => {
      await this.#requireSubject(subjectId);
      const removed: string[] = [];
      for await (
        const entry of this.#kv.list<FaceRecord>({
          prefix: this.#tenantKey("face", subjectId),
        })
      ) {
        const faceId = entry.key.at(-1) as string;
        removed.push(faceId);
        op.delete(entry.key).delete(this.#tenantKey("face_subject", faceId));
        if (entry.value.source !== null) {
          op.delete(this.#tenantKey("source", subjectId, entry.value.source));
        }
      }
      op.delete(this.#subjectKey(subjectId));
      return { change: { added: [], removed }, result: undefined };
    });
  }

  /**
   * Adds a face to a subject and returns its id. The embedding must have
   * {@linkcode Gallery.dims} finite values and unit length; it is stored
   * renormalised, as float32. No image is ever stored.
   *
   * @throws {FaceError} `invalid_embedding` for a malformed embedding;
   * `not_found` when there is no such subject; `limit_exceeded` when the
   * subject has {@linkcode MAX_FACES_PER_SUBJECT} faces.
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
    if (
      source !== null &&
      (typeof source !== "string" || source.length === 0 ||
        source.length > MAX_SOURCE_LENGTH)
    ) {
      throw new FaceError(
        "invalid_argument",
        `source must be a non-empty string of at most ${MAX_SOURCE_LENGTH} characters`,
      );
    }
    const faceId = crypto.randomUUID();
    const record: FaceRecord = {
      embedding: await sealEmbedding(vector, this.#key, this.#context(faceId)),
      metadata,
      source,
      createdAt: new Date(),
    };
    return await this.#write(async (op) => {
      const subject = await this.#requireSubject(subjectId);
      if (source !== null) {
        const known = await this.#kv.get<string>(
          this.#tenantKey("source", subjectId, source),
        );
        if (known.value !== null) return { result: known.value };
        op.set(this.#tenantKey("source", subjectId, source), faceId);
      }
      if (subject.faceCount >= MAX_FACES_PER_SUBJECT) {
        throw new FaceError(
          "limit_exceeded",
          `subject ${
            JSON.stringify(subjectId)
          } already has ${subject.faceCount} faces; at most ${MAX_FACES_PER_SUBJECT} are allowed`,
        );
      }
      op.set(this.#tenantKey("face", subjectId, faceId), record)
        .set(this.#tenantKey("face_subject", faceId), subjectId)
        .set(this.#subjectKey(subjectId), {
          ...subject,
          faceCount: subject.faceCount + 1,
        });
      return { change: { added: [faceId], removed: [] }, result: faceId };
    });
  }

  /**
   * The faces of a subject, in face id order, without embeddings.
   *
   * @throws {FaceError} `not_found` when there is no such subject.
   */
  async listFaces(subjectId: string): Promise<FaceInfo[]> {
    checkId("subject id", subjectId);
    await this.#requireSubject(subjectId);
    const faces: FaceInfo[] = [];
    for await (const { key, value } of this.#faceRecords(subjectId)) {
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
   * Removes one face.
   *
   * @throws {FaceError} `not_found` when the tenant has no such face.
   */
  async removeFace(faceId: string): Promise<void> {
    checkId("face id", faceId);
    return await this.#write(async (op) => {
      const owner = await this.#kv.get<string>(
        this.#tenantKey("face_subject", faceId),
      );
      if (owner.value === null) {
        throw new FaceError(
          "not_found",
          `face ${JSON.stringify(faceId)} does not exist`,
        );
      }
      const subjectId = owner.value;
      const [face, subject] = await this.#kv.getMany<
        [FaceRecord, SubjectRecord]
      >([
        this.#tenantKey("face", subjectId, faceId),
        this.#subjectKey(subjectId),
      ]);
      // The owner key, the face and its subject are written and deleted
      // in the same commits, so the first implies the other two.
      const { source } = face.value as FaceRecord;
      const { faceCount, ...rest } = subject.value as SubjectRecord;
      op.delete(face.key).delete(owner.key)
        .set(subject.key, { ...rest, faceCount: faceCount - 1 });
      if (source !== null) {
        op.delete(this.#tenantKey("source", subjectId, source));
      }
      return { change: { added: [], removed: [faceId] }, result: undefined };
    });
  }

  /**
   * Who is this? The `limit` subjects whose closest face is most similar
   * to `embedding`, best first, each with that face, all with similarity
   * of at least `threshold`. Exact: the same answer as comparing with
   * every face in double precision. Ties go to the smaller face id.
   *
   * @throws {FaceError} `invalid_embedding` for a malformed embedding;
   * `invalid_argument` for a bad limit or threshold.
   */
  async identify(
    embedding: ArrayLike<number>,
    options: IdentifyOptions,
  ): Promise<Match[]> {
    const query = unitEmbedding(embedding, this.dims);
    checkThreshold(options.threshold);
    const limit = options.limit ?? 1;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_IDENTIFY_LIMIT) {
      throw new FaceError(
        "invalid_argument",
        `limit must be a whole number from 1 to ${MAX_IDENTIFY_LIMIT}, got ${limit}`,
      );
    }
    const index = await this.#freshIndex();
    return index.search(query, limit, options.threshold);
  }

  /**
   * Is this the subject? Compares `embedding` with each of the subject's
   * faces, read from KV, and reports the closest.
   *
   * @throws {FaceError} `not_found` when there is no such subject or it
   * has no face; `invalid_embedding` for a malformed embedding.
   */
  async verify(
    subjectId: string,
    embedding: ArrayLike<number>,
    options: VerifyOptions,
  ): Promise<Verification> {
    checkId("subject id", subjectId);
    const query = unitEmbedding(embedding, this.dims);
    checkThreshold(options.threshold);
    await this.#requireSubject(subjectId);
    let best: Match | undefined;
    for await (const { key, value } of this.#faceRecords(subjectId)) {
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

  async #checkMeta(): Promise<void> {
    const key = this.#tenantKey("meta");
    let entry = await this.#kv.get<MetaRecord>(key);
    if (entry.value === null) {
      const meta: MetaRecord = {
        format: FORMAT,
        modelId: this.modelId,
        dims: this.dims,
        keyCheck: this.#key
          ? await sealKeyCheck(this.#key, this.#context("key check"))
          : null,
        createdAt: new Date(),
      };
      const created = await this.#kv.atomic().check(entry).set(key, meta)
        .commit();
      if (created.ok) return;
      entry = await this.#kv.get<MetaRecord>(key);
    }
    const meta = entry.value as MetaRecord;
    const tenant = JSON.stringify(this.tenant);
    if (meta.format !== FORMAT) {
      throw new FaceError(
        "gallery_mismatch",
        `tenant ${tenant} is stored in format ${meta.format}; this version reads format ${FORMAT}`,
      );
    }
    if (meta.modelId !== this.modelId || meta.dims !== this.dims) {
      throw new FaceError(
        "gallery_mismatch",
        `tenant ${tenant} holds ${meta.dims}-value embeddings of model ${
          JSON.stringify(meta.modelId)
        }; cannot open it for ${this.dims}-value embeddings of ${
          JSON.stringify(this.modelId)
        }`,
      );
    }
    if ((meta.keyCheck === null) !== (this.#key === undefined)) {
      throw new FaceError(
        "gallery_mismatch",
        meta.keyCheck
          ? `tenant ${tenant} is encrypted; open it with its encryption key`
          : `tenant ${tenant} was created without encryption; open it without a key`,
      );
    }
    if (
      meta.keyCheck && this.#key &&
      !await opensKeyCheck(
        meta.keyCheck,
        this.#key,
        this.#context("key check"),
      )
    ) {
      throw new FaceError(
        "gallery_mismatch",
        `the encryption key is not the one tenant ${tenant} was created with`,
      );
    }
  }

  /**
   * Runs one write transaction: reads through `body`, which adds its
   * mutations to `op`, then commits them together with the next change
   * number, provided the change counter is still where it was read. A
   * commit that loses that race is retried from the start, after a random
   * pause that grows with each attempt. Writes of this object are queued,
   * so they never race each other.
   */
  #write<T>(
    body: (op: Deno.AtomicOperation) => Promise<Outcome<T>>,
  ): Promise<T> {
    const run = this.#writes.then(async () => {
      const headKey = this.#tenantKey("head");
      for (let attempt = 1;; attempt++) {
        const head = await this.#kv.get<HeadRecord>(headKey);
        const seq = (head.value?.seq ?? 0) + 1;
        const op = this.#kv.atomic().check(head);
        const { change, result } = await body(op);
        if (change === undefined) return result;
        op.set(headKey, { seq } satisfies HeadRecord);
        if (change.added.length + change.removed.length > 0) {
          op.set(this.#tenantKey("log", seq), change);
        }
        if (seq > LOG_RETAIN) {
          op.delete(this.#tenantKey("log", seq - LOG_RETAIN));
        }
        if (await commitUnlessBusy(op)) {
          this.#writtenSeq = seq;
          return result;
        }
        if (attempt === MAX_ATTEMPTS) {
          throw new FaceError(
            "conflict",
            `gave up after ${MAX_ATTEMPTS} attempts: other writers kept changing or locking tenant ${
              JSON.stringify(this.tenant)
            }`,
          );
        }
        const pause = Math.random() * Math.min(100, 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  /**
   * The index, brought up to date when its last sync started more than
   * `maxStalenessMs` ago or before this object's last write.
   */
  async #freshIndex(): Promise<FaceIndex> {
    const oldest = performance.now() - this.#maxStalenessMs;
    const written = this.#writtenSeq;
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
    const head = await this.#kv.get<HeadRecord>(this.#tenantKey("head"));
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
  async #load(): Promise<FaceIndex> {
    const index = new FaceIndex(this.dims);
    for await (
      const { key, value } of this.#kv.list<FaceRecord>(
        { prefix: this.#tenantKey("face") },
        { batchSize: 500 },
      )
    ) {
      const [subjectId, faceId] = key.slice(-2) as string[];
      index.add(faceId, subjectId, await this.#openEmbedding(faceId, value));
    }
    return index;
  }

  /**
   * Applies the log entries up to `target`. Everything is read first and
   * applied at once, so no search ever sees half a replay.
   */
  async #replay(index: FaceIndex, target: number): Promise<void> {
    const added = new Set<string>();
    const removed = new Set<string>();
    for await (
      const { value } of this.#kv.list<ChangeRecord>({
        start: this.#tenantKey("log", this.#indexSeq + 1),
        end: this.#tenantKey("log", target + 1),
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
      const owners = await this.#kv.getMany<string[]>(
        batch.map((faceId) => this.#tenantKey("face_subject", faceId)),
      );
      const found = owners.flatMap((owner, j) =>
        owner.value === null
          ? []
          : [{ faceId: batch[j], subjectId: owner.value }]
      );
      const records = await this.#kv.getMany<FaceRecord[]>(
        found.map(({ faceId, subjectId }) =>
          this.#tenantKey("face", subjectId, faceId)
        ),
      );
      for (const [j, record] of records.entries()) {
        // Removed after the head was read: a later change says so.
        if (record.value === null) continue;
        const { faceId, subjectId } = found[j];
        const vector = await this.#openEmbedding(faceId, record.value);
        faces.push({ faceId, subjectId, vector });
      }
    }
    for (const faceId of removed) index.remove(faceId);
    for (const { faceId, subjectId, vector } of faces) {
      index.add(faceId, subjectId, vector);
    }
  }

  #faceRecords(subjectId: string): Deno.KvListIterator<FaceRecord> {
    return this.#kv.list<FaceRecord>({
      prefix: this.#tenantKey("face", subjectId),
    });
  }

  async #requireSubject(subjectId: string): Promise<SubjectRecord> {
    const entry = await this.#kv.get<SubjectRecord>(
      this.#subjectKey(subjectId),
    );
    if (entry.value === null) {
      throw new FaceError(
        "not_found",
        `subject ${JSON.stringify(subjectId)} does not exist`,
      );
    }
    return entry.value;
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

  #subjectKey(subjectId: string): Deno.KvKey {
    return this.#tenantKey("subject", subjectId);
  }

  #tenantKey(...parts: Deno.KvKeyPart[]): Deno.KvKey {
    return [KEY_ROOT, this.tenant, ...parts];
  }
}

/**
 * Commits; false when the head check failed or, on a SQLite file, another
 * handle (another process) held the write lock: Deno KV then throws
 * "database is locked" and writes nothing, so both are worth a retry.
 */
async function commitUnlessBusy(op: Deno.AtomicOperation): Promise<boolean> {
  try {
    return (await op.commit()).ok;
  } catch (error) {
    if (
      error instanceof TypeError && /database is locked/.test(error.message)
    ) {
      return false;
    }
    throw error;
  }
}

function toSubject(id: string, record: SubjectRecord): Subject {
  return {
    id,
    metadata: record.metadata,
    faceCount: record.faceCount,
    createdAt: record.createdAt,
  };
}

function checkId(what: string, id: string): void {
  if (
    typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/.test(id)
  ) {
    throw new FaceError(
      "invalid_argument",
      `${what} must be 1 to ${MAX_ID_LENGTH} characters without control characters, got ${
        JSON.stringify(id)
      }`,
    );
  }
}

function checkThreshold(threshold: number): void {
  if (
    typeof threshold !== "number" || !(threshold >= -1 && threshold <= 1)
  ) {
    throw new FaceError(
      "invalid_argument",
      `threshold must be a cosine similarity in [-1, 1], got ${threshold}`,
    );
  }
}

function checkMetadata(metadata: Metadata | undefined): Metadata {
  if (metadata === undefined) return {};
  if (
    metadata === null || typeof metadata !== "object" ||
    Array.isArray(metadata)
  ) {
    throw new FaceError(
      "invalid_argument",
      "metadata must be a plain object of strings, numbers, booleans and nulls",
    );
  }
  for (const [name, value] of Object.entries(metadata)) {
    if (
      !(value === null || typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value)))
    ) {
      throw new FaceError(
        "invalid_argument",
        `metadata.${name} is ${
          typeof value === "number" ? value : typeof value
        }; values must be strings, finite numbers, booleans or null`,
      );
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).length;
  if (bytes > MAX_METADATA_BYTES) {
    throw new FaceError(
      "invalid_argument",
      `metadata is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES} are allowed`,
    );
  }
  return { ...metadata };
}
