import assert from "node:assert/strict";
import { FaceError, ImageTooLargeError } from "@facever/core";
import { WorkerError, WorkerPool } from "./_worker_pool.ts";
import type {
  TestAnswer,
  TestInit,
  TestReady,
  TestRequest,
} from "./_test_worker.ts";

type TestPool = WorkerPool<TestInit, TestReady, TestRequest, TestAnswer>;

function start(size: number, init: TestInit = {}): Promise<TestPool> {
  return WorkerPool.start({
    url: new URL("./_test_worker.ts", import.meta.url),
    size,
    init,
    errors: [FaceError, ImageTooLargeError],
  });
}

Deno.test("WorkerPool", async (t) => {
  await t.step("sends each request to the least busy worker", async () => {
    const pool = await start(2);
    try {
      const [slow, fast] = await Promise.all([
        pool.call({ do: "wait", ms: 100 }),
        pool.call({ do: "wait", ms: 0 }),
      ]);
      assert.notEqual(slow.id, fast.id);
      // Both idle again: the first worker is the least busy.
      assert.equal((await pool.call({ do: "wait", ms: 0 })).id, slow.id);
    } finally {
      await pool.close();
    }
  });

  await t.step(
    "moves transferred buffers instead of copying them",
    async () => {
      const pool = await start(1);
      try {
        const bytes = new Uint8Array(4096).fill(7);
        const answer = await pool.call({ do: "echo", bytes }, [bytes.buffer]);
        assert.equal(bytes.byteLength, 0, "the caller's buffer is detached");
        assert.deepEqual(answer.bytes, new Uint8Array(4096).fill(7));
      } finally {
        await pool.close();
      }
    },
  );

  await t.step("errors keep their class, message and fields", async () => {
    const pool = await start(1);
    try {
      const expected = new ImageTooLargeError(4000, 3000, 1_000_000);
      await assert.rejects(
        () => pool.call({ do: "throw", error: "too_large" }),
        (error: unknown) => {
          assert.ok(error instanceof ImageTooLargeError);
          assert.ok(error instanceof FaceError);
          assert.equal(error.name, "ImageTooLargeError");
          assert.equal(error.code, "too_large");
          assert.equal(error.message, expected.message);
          assert.deepEqual(
            [error.width, error.height, error.maxPixels],
            [4000, 3000, 1_000_000],
          );
          return true;
        },
      );
      await assert.rejects(
        () => pool.call({ do: "throw", error: "range" }),
        RangeError,
        "out of range on purpose",
      );
    } finally {
      await pool.close();
    }
  });

  await t.step(
    "a crash fails the requests the worker held, and a new worker takes over",
    async () => {
      const pool = await start(1);
      try {
        const before = await pool.call({ do: "wait", ms: 0 });
        await assert.rejects(
          () => pool.call({ do: "crash" }),
          (error: unknown) =>
            error instanceof WorkerError && error.reason === "crashed" &&
            error.message.includes("crashed on purpose"),
        );
        const after = await pool.call({ do: "wait", ms: 0 });
        assert.notEqual(after.id, before.id);
        assert.equal(pool.size, 1);
      } finally {
        await pool.close();
      }
    },
  );

  await t.step("a worker that cannot be set up fails start", async () => {
    await assert.rejects(
      () => start(2, { fail: true }),
      RangeError,
      "the test asked for a failure",
    );
    await assert.rejects(
      () => start(1, { crash: true }),
      (error: unknown) =>
        error instanceof WorkerError && error.reason === "crashed",
    );
  });

  await t.step(
    "close waits for requests in flight, then refuses new ones",
    async () => {
      const pool = await start(2);
      const inFlight = pool.call({ do: "wait", ms: 50 });
      const closed = pool.close();
      assert.equal(pool.close(), closed);
      await assert.rejects(
        () => pool.call({ do: "wait", ms: 0 }),
        (error: unknown) =>
          error instanceof WorkerError && error.reason === "closed",
      );
      assert.ok((await inFlight).id);
      await closed;
      assert.equal(pool.size, 0);
    },
  );
});
