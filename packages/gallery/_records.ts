/**
 * A tenant's subjects and faces as KV records, in the layout `_store.ts`
 * documents: reading them, and what one write transaction adds to its
 * commit to create or delete them. `Gallery` checks the arguments and
 * seals the embeddings before, and keeps its index and snapshot after.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import {
  type FaceRecord,
  NO_FACES,
  type Outcome,
  type SubjectRecord,
  type TenantStore,
} from "./_store.ts";
import {
  MAX_FACES_PER_SUBJECT,
  type Subject,
  type SubjectPage,
} from "./types.ts";

/** The key of a subject's record. */
export function subjectKey(store: TenantStore, subjectId: string): Deno.KvKey {
  return store.key("subject", subjectId);
}

/** The records of a subject's faces, in face id order. */
export function faceRecords(
  store: TenantStore,
  subjectId: string,
): AsyncIterable<Deno.KvEntry<FaceRecord>> {
  return store.list<FaceRecord>({
    prefix: store.key("face", subjectId),
  });
}

/** The subject's record; `not_found` when there is none. */
export async function requireSubject(
  store: TenantStore,
  subjectId: string,
): Promise<SubjectRecord> {
  const entry = await store.get<SubjectRecord>(subjectKey(store, subjectId));
  if (entry.value === null) {
    throw new FaceError(
      "not_found",
      `subject ${JSON.stringify(subjectId)} does not exist`,
    );
  }
  return entry.value;
}

/** A subject as the gallery gives it out. */
export function toSubject(id: string, record: SubjectRecord): Subject {
  return {
    id,
    metadata: record.metadata,
    faceCount: record.faceCount,
    createdAt: record.createdAt,
  };
}

/** Sets a new subject's record in `op`; `already_exists` when the id is taken. */
export async function createSubjectRecord(
  store: TenantStore,
  op: Deno.AtomicOperation,
  subjectId: string,
  metadata: SubjectRecord["metadata"],
): Promise<Outcome<Subject>> {
  const existing = await store.get(subjectKey(store, subjectId));
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
  op.set(subjectKey(store, subjectId), record);
  return { result: toSubject(subjectId, record), change: NO_FACES };
}

/**
 * Up to `limit` subjects in id order after the cursor `after`, and the cursor of the
 * next page when there is one.
 */
export async function listSubjectPage(
  store: TenantStore,
  limit: number,
  after: string | undefined,
): Promise<SubjectPage> {
  // One entry more than asked tells whether another page exists.
  const entries = store.list<SubjectRecord>(
    { prefix: store.key("subject") },
    { limit: limit + 1, cursor: after },
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
 * Deletes in `op` a subject with every face and source key of it, and
 * returns the ids of the faces removed; `not_found` when there is no such
 * subject.
 */
export async function deleteSubjectRecords(
  store: TenantStore,
  op: Deno.AtomicOperation,
  subjectId: string,
): Promise<string[]> {
  await requireSubject(store, subjectId);
  const removed: string[] = [];
  for await (const entry of faceRecords(store, subjectId)) {
    const faceId = entry.key.at(-1) as string;
    removed.push(faceId);
    op.delete(entry.key).delete(store.key("face_subject", faceId));
    if (entry.value.source !== null) {
      op.delete(store.key("source", subjectId, entry.value.source));
    }
  }
  op.delete(subjectKey(store, subjectId));
  return removed;
}

/**
 * Sets in `op` a face's record, its owner and source keys and its
 * subject's new count, and gives its id; or, when the subject already has
 * a face from the record's source, that face's id and nothing to commit.
 * `not_found` when there is no such subject, `limit_exceeded` when it has
 * {@linkcode MAX_FACES_PER_SUBJECT} faces.
 */
export async function addFaceRecord(
  store: TenantStore,
  op: Deno.AtomicOperation,
  subjectId: string,
  faceId: string,
  record: FaceRecord,
): Promise<Outcome<string>> {
  const { source } = record;
  const subject = await requireSubject(store, subjectId);
  if (source !== null) {
    const known = await store.get<string>(
      store.key("source", subjectId, source),
    );
    if (known.value !== null) return { result: known.value };
    op.set(store.key("source", subjectId, source), faceId);
  }
  if (subject.faceCount >= MAX_FACES_PER_SUBJECT) {
    throw new FaceError(
      "limit_exceeded",
      `subject ${
        JSON.stringify(subjectId)
      } already has ${subject.faceCount} faces; at most ${MAX_FACES_PER_SUBJECT} are allowed`,
    );
  }
  op.set(store.key("face", subjectId, faceId), record)
    .set(store.key("face_subject", faceId), subjectId)
    .set(subjectKey(store, subjectId), {
      ...subject,
      faceCount: subject.faceCount + 1,
    });
  return { change: { added: [faceId], removed: [] }, result: faceId };
}

/**
 * Deletes in `op` a face with its owner and source keys, and lowers its
 * subject's count; `not_found` when the tenant has no such face.
 */
export async function removeFaceRecord(
  store: TenantStore,
  op: Deno.AtomicOperation,
  faceId: string,
): Promise<void> {
  const owner = await store.get<string>(store.key("face_subject", faceId));
  if (owner.value === null) {
    throw new FaceError(
      "not_found",
      `face ${JSON.stringify(faceId)} does not exist`,
    );
  }
  const subjectId = owner.value;
  const [face, subject] = await store.getMany<[FaceRecord, SubjectRecord]>([
    store.key("face", subjectId, faceId),
    subjectKey(store, subjectId),
  ]);
  // The owner key, the face and its subject are written and deleted
  // in the same commits, so the first implies the other two.
  const { source } = face.value as FaceRecord;
  const { faceCount, ...rest } = subject.value as SubjectRecord;
  op.delete(face.key).delete(owner.key)
    .set(subject.key, { ...rest, faceCount: faceCount - 1 });
  if (source !== null) {
    op.delete(store.key("source", subjectId, source));
  }
}
