import assert from "node:assert/strict";
import { Batcher, LOADED_WAIT_MS, PROBE_EVERY } from "./_batcher.ts";

/** A batcher that doubles numbers and records its batches. */
function doubler(
  max: number,
): { batcher: Batcher<number, number>; batches: number[][] } {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>((queries) => {
    batches.push(queries);
    return queries.map((q) => 2 * q);
  }, max);
  return { batcher, batches };
}

/** Resolves after `turns` turns of the event loop. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        port2.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
}

Deno.test("calls made together share a batch, answered in order", async () => {
  const { batcher, batches } = doubler(16);
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => batcher.submit(i)),
  );
  assert.deepEqual(answers, Array.from({ length: 10 }, (_, i) => 2 * i));
  assert.deepEqual(batches, [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
});

Deno.test("batches hold at most `max` calls", async () => {
  const { batcher, batches } = doubler(4);
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => batcher.submit(i)),
  );
  assert.deepEqual(answers, Array.from({ length: 10 }, (_, i) => 2 * i));
  assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
});

Deno.test("calls that come in over the next turns join the waiting batch", async () => {
  const { batcher, batches } = doubler(16);
  const answers: Promise<number>[] = [batcher.submit(0)];
  // Another call on each of the next turns, as requests would come in.
  // Each submitted from inside the turn's message, as a request's
  // callback would be: after `await turns(1)` it would come a microtask
  // too late for the batch's own turn.
  for (let i = 1; i < 4; i++) {
    await new Promise<void>((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        port2.close();
        answers.push(batcher.submit(i));
        resolve();
      };
      port2.postMessage(null);
    });
  }
  assert.deepEqual(await Promise.all(answers), [0, 2, 4, 6]);
  assert.ok(batches.length < 4, `${batches.length} batches`);
});

Deno.test("a call alone runs after one turn; later calls start a new batch", async () => {
  const { batcher, batches } = doubler(16);
  assert.equal(await batcher.submit(1), 2);
  assert.equal(await batcher.submit(2), 4);
  assert.deepEqual(batches, [[1], [2]]);
});

Deno.test("a batch that throws rejects its calls, and the next batch runs", async () => {
  let fail = true;
  const batcher = new Batcher<number, number>((queries) => {
    if (fail) throw new Error("boom");
    return queries;
  }, 16);
  const failed = [batcher.submit(1), batcher.submit(2)];
  for (const call of failed) await assert.rejects(call, /boom/);
  fail = false;
  assert.equal(await batcher.submit(3), 3);
});

Deno.test("after a batch of several, callers that come back with empty turns between share one batch", async () => {
  const { batcher, batches } = doubler(16);
  await Promise.all(Array.from({ length: 6 }, (_, i) => batcher.submit(i)));
  // The six come back as HTTP requests would: one, then nothing for a
  // few turns, then the rest one by one.
  const again: Promise<number>[] = [];
  for (let i = 0; i < 6; i++) {
    again.push(batcher.submit(10 + i));
    await turns(3);
  }
  assert.deepEqual(await Promise.all(again), [20, 22, 24, 26, 28, 30]);
  assert.deepEqual(batches.map((b) => b.length), [6, 6]);
});

Deno.test("after a batch of several, a call alone waits at most LOADED_WAIT_MS", async () => {
  const { batcher, batches } = doubler(16);
  await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.submit(i)));
  const started = performance.now();
  assert.equal(await batcher.submit(100), 200);
  const waited = performance.now() - started;
  // The bound, and a margin for a busy machine's timer and turns.
  assert.ok(waited < LOADED_WAIT_MS + 50, `${waited} ms`);
  assert.deepEqual(batches.map((b) => b.length), [8, 1]);
  // Load gone, the next call alone runs after one turn again.
  assert.equal(await batcher.submit(7), 14);
  assert.deepEqual(batches.map((b) => b.length), [8, 1, 1]);
});

Deno.test("every PROBE_EVERY-th single waits a timer for calls the runtime held back", async () => {
  const { batcher, batches } = doubler(16);
  /** A call, and another that comes in on the next timer. */
  async function pair(first: number): Promise<void> {
    const late = new Promise<number>((resolve) =>
      setTimeout(() => resolve(batcher.submit(first + 1)), 0)
    );
    await Promise.all([batcher.submit(first), late]);
  }
  // Not a probe: the late call runs in a batch of its own.
  await pair(0);
  assert.deepEqual(batches.map((b) => b.length), [1, 1]);
  // Singles up to the one before a probe…
  for (let i = 2; i < PROBE_EVERY - 1; i++) await batcher.submit(10 + i);
  assert.equal(batches.length, PROBE_EVERY - 1);
  // …then the probe finds the late call.
  await pair(100);
  assert.deepEqual(batches.at(-1), [100, 101]);
});
