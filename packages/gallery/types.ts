/**
 * The gallery's public types and limits, shared by {@linkcode Gallery} and
 * the index behind it.
 *
 * @module
 */

import type { ScanPool } from "./scan_pool.ts";

/**
 * Free-form data kept with a subject or a face: a flat object of JSON
 * scalars, at most {@linkcode MAX_METADATA_BYTES} as JSON, with no key named
 * `__proto__`. It is stored in the clear, even in an encrypted gallery.
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
  /**
   * The caller's identifier, unique in the tenant: 1 to 128 characters of
   * well-formed Unicode without control characters, kept exactly as given
   * (not normalised).
   */
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
 * A face with its embedding, as {@linkcode Gallery.exportFaces} gives it.
 *
 * @example
 * ```ts
 * import type { ExportedFace } from "@facever/gallery";
 * const size = (face: ExportedFace) => face.embedding.length;
 * console.log(typeof size);
 * ```
 */
export interface ExportedFace extends FaceInfo {
  /** The stored embedding: unit length, float32. */
  readonly embedding: Float32Array;
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
   * never reads or changes another's data. An id, like a subject's.
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
  /**
   * When a process writes a snapshot of the index on its own: once it has
   * seen this many faces added or removed since its index was loaded or
   * the last snapshot was written, or finds buckets of the snapshot
   * unusable when it loads — both only for a tenant of at least this many
   * faces, since a smaller one loads quickly from its records. The writing
   * runs in the background, one process at a time per tenant, and never
   * holds up a read or a write. A whole number of at least 1, or
   * `Infinity` to write only on {@linkcode Gallery.writeSnapshot}.
   * Default {@linkcode DEFAULT_SNAPSHOT_EVERY}. Snapshots are read
   * whatever this is.
   */
  readonly snapshotEvery?: number;
  /**
   * Helper threads that share the scans of {@linkcode Gallery.identify}
   * once the index holds at least 16,384 faces (see `ScanPool`). Default:
   * none, every scan runs on the calling thread.
   */
  readonly scanPool?: ScanPool;
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
 * Options for {@linkcode Gallery.updateSubject}.
 *
 * @example
 * ```ts
 * import type { UpdateSubjectOptions } from "@facever/gallery";
 * const options: UpdateSubjectOptions = { metadata: { name: "Ada King" } };
 * console.log(options.metadata);
 * ```
 */
export interface UpdateSubjectOptions {
  /** The subject's new metadata; it replaces the old as a whole. */
  readonly metadata: Metadata;
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
   * enrolment never duplicates a face. 1 to 256 characters of well-formed
   * Unicode.
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
 * What {@linkcode Gallery.writeSnapshot} did.
 *
 * @example
 * ```ts
 * import type { SnapshotSummary } from "@facever/gallery";
 * const summary: SnapshotSummary = {
 *   status: "written",
 *   buckets: 128,
 *   faces: 100_000,
 *   bytes: 262_000_000,
 * };
 * console.log(summary.status);
 * ```
 */
export interface SnapshotSummary {
  /**
   * `"written"`: the buckets that changed were written; `"fresh"`: none
   * had changed; `"busy"`: another process was writing the snapshot, so
   * this one did nothing.
   */
  readonly status: "written" | "fresh" | "busy";
  /** Buckets written (a snapshot has 128, by face id). */
  readonly buckets: number;
  /** Faces in the buckets written. */
  readonly faces: number;
  /** Bytes of the chunks written. */
  readonly bytes: number;
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
 * Default of {@linkcode GalleryOptions.snapshotEvery}.
 *
 * @example
 * ```ts
 * import { DEFAULT_SNAPSHOT_EVERY } from "@facever/gallery";
 * console.log(DEFAULT_SNAPSHOT_EVERY); // 5000
 * ```
 */
export const DEFAULT_SNAPSHOT_EVERY: number = 5000;

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
