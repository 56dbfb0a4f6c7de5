/**
 * Helpers of the gallery's tests: the two kinds of local KV, checks of
 * thrown errors, and the whole database as text.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FaceError, type FaceErrorCode } from "@facever/core";
import type { GalleryOptions } from "./mod.ts";

/**
 * A small gallery's options; each test picks its own tenant when needed.
 * No snapshot is written in the background, which would outlast a test:
 * the tests of snapshots ask for them.
 */
export const TEST_OPTIONS: GalleryOptions = {
  tenant: "acme",
  modelId: "test-model",
  dims: 16,
  snapshotEvery: Infinity,
};

/** For `assert.rejects`: a `FaceError` with this code. */
export function isFaceError(
  code: FaceErrorCode,
): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FaceError, `expected a FaceError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** For `assert.rejects`: an error of this class whose message matches. */
export function isError(
  kind: ErrorConstructor,
  message: RegExp,
): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${error}`);
    assert.match(error.message, message);
    return true;
  };
}

/** Every entry of the database, keys and values. */
export async function scan(kv: Deno.Kv): Promise<Deno.KvEntry<unknown>[]> {
  return await Array.fromAsync(kv.list({ prefix: [] }));
}

/** Text of a KV value for searching, with byte arrays as hex. */
export function text(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v instanceof Uint8Array
        ? Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("")
        : v,
  );
}

/**
 * Runs `body` as a step on a fresh `:memory:` database (every `openKv()`
 * returns the one handle: each `:memory:` open is a new database) and as a
 * step on a fresh SQLite file (every `openKv()` is a new handle, as another
 * process would have), closing and deleting everything afterwards.
 */
export async function onEachKv(
  t: Deno.TestContext,
  body: (openKv: () => Promise<Deno.Kv>) => Promise<void>,
): Promise<void> {
  await t.step(":memory:", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      await body(() => Promise.resolve(kv));
    } finally {
      kv.close();
    }
  });
  await t.step("file", async () => {
    const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
    const handles: Deno.Kv[] = [];
    try {
      await body(async () => {
        const kv = await Deno.openKv(`${folder}/gallery.sqlite`);
        handles.push(kv);
        return kv;
      });
    } finally {
      for (const kv of handles) kv.close();
      await Deno.remove(folder, { recursive: true });
    }
  });
}
