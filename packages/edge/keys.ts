/**
 * API keys: each bound to one tenant, stored in Deno KV only as the
 * SHA-256 of the key, and looked up by that hash so that a wrong key costs
 * the same time however much of it is right.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { FaceError } from "@facever/core";

/**
 * How long an answer of {@linkcode ApiKeys.authenticate} is reused: a
 * revoked key is refused within this time by every server on the store
 * (at once by the one that revoked it), and a busy server reads each key
 * from KV once in this time rather than on every request (each read is
 * I/O that would hold the request back from the batch its identification
 * could have joined).
 *
 * @example
 * ```ts
 * import { KEY_CACHE_MS } from "@facever/edge";
 * console.log(`a revoked key is refused within ${KEY_CACHE_MS} ms`);
 * ```
 */
export const KEY_CACHE_MS = 1_000;

/** Most keys whose answer is kept; the oldest go first. */
const KEY_CACHE_SIZE = 10_000;

/** Where the keys live in KV, beside the galleries' own prefix. */
const ROOT = "facever_keys";
const PREFIX = "fv_";
const MAX_KEY_LENGTH = 256;
const MAX_TENANT_LENGTH = 128;

/**
 * What is stored about a key: never the key itself.
 *
 * @example
 * ```ts
 * import type { ApiKeyInfo } from "@facever/edge";
 * const active = (info: ApiKeyInfo) => info.revokedAt === undefined;
 * console.log(typeof active);
 * ```
 */
export interface ApiKeyInfo {
  /** Public identifier, the part of the key between `fv_` and `.`. */
  readonly id: string;
  /** The tenant every request with this key acts for. */
  readonly tenant: string;
  readonly createdAt: Date;
  /** When the key was revoked; it is refused from then on (see `revoke`). */
  readonly revokedAt?: Date;
}

interface KeyRecord extends ApiKeyInfo {
  readonly hash: string;
}

/**
 * The API keys of one KV store.
 *
 * @example
 * ```ts
 * import { ApiKeys } from "@facever/edge";
 * const kv = await Deno.openKv(":memory:");
 * const keys = new ApiKeys(kv);
 * const { key, info } = await keys.create("acme");
 * console.log((await keys.authenticate(key))?.tenant, info.id.length); // "acme" 12
 * kv.close();
 * ```
 */
export class ApiKeys {
  readonly #kv: Deno.Kv;
  // By hash: the answer and when it was read. A promise, so that the
  // requests that arrive while a key is read share that one read.
  readonly #recent = new Map<
    string,
    { readonly at: number; readonly info: Promise<ApiKeyInfo | undefined> }
  >();

  /** The keys kept in `kv`. */
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Makes a key for `tenant`. The key is returned once, here, and never
   * stored: only its hash is.
   *
   * @throws {FaceError} `invalid_argument` for a tenant that is empty,
   * longer than 128 characters, not well-formed Unicode or holding control
   * characters.
   *
   * @example
   * ```ts
   * import { ApiKeys } from "@facever/edge";
   * const kv = await Deno.openKv(":memory:");
   * const { key } = await new ApiKeys(kv).create("acme");
   * console.log(key.startsWith("fv_")); // true
   * kv.close();
   * ```
   */
  async create(tenant: string): Promise<{ key: string; info: ApiKeyInfo }> {
    checkTenant(tenant);
    for (;;) {
      const id = randomText(9);
      // A command line would take an id that begins with "-" for an option
      // (`keys revoke ID`): such an id is drawn again.
      if (id.startsWith("-")) continue;
      const key = `${PREFIX}${id}.${randomText(32)}`;
      const record: KeyRecord = {
        id,
        tenant,
        createdAt: new Date(),
        hash: hash(key),
      };
      const result = await this.#kv.atomic()
        .check({ key: [ROOT, "id", id], versionstamp: null })
        .set([ROOT, "id", id], record)
        .set([ROOT, "hash", record.hash], id)
        .commit();
      // An id already taken (one chance in 2^72) draws another.
      if (result.ok) return { key, info: publicInfo(record) };
    }
  }

  /**
   * Every key, revoked ones included, oldest first.
   *
   * @example
   * ```ts
   * import { ApiKeys } from "@facever/edge";
   * const kv = await Deno.openKv(":memory:");
   * const keys = new ApiKeys(kv);
   * await keys.create("acme");
   * console.log((await keys.list()).length); // 1
   * kv.close();
   * ```
   */
  async list(): Promise<ApiKeyInfo[]> {
    const infos: ApiKeyInfo[] = [];
    for await (
      const entry of this.#kv.list<KeyRecord>({ prefix: [ROOT, "id"] })
    ) {
      infos.push(publicInfo(entry.value));
    }
    return infos.sort((a, b) =>
      a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)
    );
  }

  /**
   * Revokes a key: requests with it are refused from the next one on by
   * this process, and within {@linkcode KEY_CACHE_MS} by every other
   * server on the store.
   * Revoking a revoked key changes nothing.
   *
   * @throws {FaceError} `not_found` when no key has this id.
   *
   * @example
   * ```ts
   * import { ApiKeys } from "@facever/edge";
   * const kv = await Deno.openKv(":memory:");
   * const keys = new ApiKeys(kv);
   * const { key, info } = await keys.create("acme");
   * await keys.revoke(info.id);
   * console.log(await keys.authenticate(key)); // undefined
   * kv.close();
   * ```
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    for (;;) {
      const entry = await this.#kv.get<KeyRecord>([ROOT, "id", id]);
      if (entry.value === null) {
        throw new FaceError(
          "not_found",
          `no API key has id ${JSON.stringify(id)}`,
        );
      }
      if (entry.value.revokedAt) return publicInfo(entry.value);
      const record = { ...entry.value, revokedAt: new Date() };
      const result = await this.#kv.atomic().check(entry)
        .set([ROOT, "id", id], record)
        .delete([ROOT, "hash", record.hash])
        .commit();
      if (result.ok) {
        this.#recent.delete(record.hash);
        return publicInfo(record);
      }
    }
  }

  /**
   * The key's record when it is a live key, else `undefined`. Every key is
   * hashed and looked up by its hash, whatever its shape, so that the time
   * taken does not tell how close a guess was.
   *
   * @example
   * ```ts
   * import { ApiKeys } from "@facever/edge";
   * const kv = await Deno.openKv(":memory:");
   * console.log(await new ApiKeys(kv).authenticate("fv_guess.guess")); // undefined
   * kv.close();
   * ```
   */
  async authenticate(key: string): Promise<ApiKeyInfo | undefined> {
    const digest = hash(key.slice(0, MAX_KEY_LENGTH));
    const now = performance.now();
    const recent = this.#recent.get(digest);
    if (recent && now - recent.at < KEY_CACHE_MS) return await recent.info;
    const info = this.#read(digest);
    this.#recent.delete(digest);
    if (this.#recent.size >= KEY_CACHE_SIZE) {
      this.#recent.delete(this.#recent.keys().next().value!);
    }
    this.#recent.set(digest, { at: now, info });
    // A failed read is not kept: the next request reads again.
    info.catch(() => this.#recent.delete(digest));
    return await info;
  }

  async #read(digest: string): Promise<ApiKeyInfo | undefined> {
    const id = await this.#kv.get<string>([ROOT, "hash", digest]);
    if (id.value === null) return undefined;
    const record = await this.#kv.get<KeyRecord>([ROOT, "id", id.value]);
    return record.value && !record.value.revokedAt &&
        record.value.hash === digest
      ? publicInfo(record.value)
      : undefined;
  }
}

function publicInfo({ hash: _, ...info }: KeyRecord): ApiKeyInfo {
  return info;
}

// Synchronous (node:crypto, which Deno and Deno Deploy provide): an
// awaited digest would give each request one more turn of the event loop
// to wait, and spread apart the identifications that arrive together.
function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `bytes` random bytes as base64url, without padding. */
function randomText(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...data)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

function checkTenant(tenant: string): void {
  if (
    typeof tenant !== "string" || tenant.length === 0 ||
    tenant.length > MAX_TENANT_LENGTH || !tenant.isWellFormed() ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/.test(tenant)
  ) {
    throw new FaceError(
      "invalid_argument",
      `tenant must be 1 to ${MAX_TENANT_LENGTH} well-formed characters without control characters, got ${
        JSON.stringify(tenant)
      }`,
    );
  }
}
