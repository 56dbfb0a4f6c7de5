import assert from "node:assert/strict";
import { Batcher } from "./_batcher.ts";

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

Deno.test("behind Deno.serve, requests that arrive during a batch's work join the next batch", async () => {
  // Each batch holds the thread for 5 ms, as a scan of a large index
  // does: requests that come in meanwhile are read only once it yields.
  const batches: number[] = [];
  const batcher = new Batcher<number, number>((queries) => {
    batches.push(queries.length);
    const end = performance.now() + 5;
    while (performance.now() < end);
    return queries;
  }, 16);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) =>
      new Response(String(await batcher.submit(Number(await request.text())))),
  );
  // The clients in a process of their own, as a server's are: 8 of them,
  // each sending its next request as soon as it is answered.
  const client = `
    const url = "http://127.0.0.1:${server.addr.port}/";
    await Promise.all(Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; i < 6; i++) {
        const response = await fetch(url, { method: "POST", body: String(client) });
        if (await response.text() !== String(client)) Deno.exit(1);
      }
    }));
  `;
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", client],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  assert.equal(code, 0);
  assert.equal(batches.reduce((sum, size) => sum + size, 0), 48);
  // One at a time would be 48 batches.
  assert.ok(batches.length <= 24, `batches: ${batches.join(" ")}`);
});

Deno.test("an asynchronous batch runs alone; calls made during it form the next", async () => {
  const batches: number[][] = [];
  let running = 0;
  const batcher = new Batcher<number, number>(async (queries) => {
    assert.equal(++running, 1, "two batches ran at once");
    batches.push(queries);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    return queries;
  }, 16);
  const first = batcher.submit(1);
  // Past the first batch's start: it has taken its call.
  while (batches.length === 0) await new Promise((r) => setTimeout(r, 0));
  const later = [batcher.submit(2), batcher.submit(3)];
  assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
  assert.deepEqual(batches, [[1], [2, 3]]);
});

Deno.test("the next batch starts before the last batch's callers go on", async () => {
  const events: string[] = [];
  // The work begins a microtask after the call, as a shared scan's does.
  const batcher = new Batcher<number, number>(
    (queries) =>
      new Promise((resolve) =>
        queueMicrotask(() => {
          events.push(`start ${queries}`);
          setTimeout(() => resolve(queries), 5);
        })
      ),
    16,
  );
  const first = batcher.submit(1).then(() => events.push("answered 1"));
  while (events.length === 0) await new Promise((r) => setTimeout(r, 0));
  const second = batcher.submit(2).then(() => events.push("answered 2"));
  await Promise.all([first, second]);
  assert.deepEqual(events, ["start 1", "start 2", "answered 1", "answered 2"]);
});

Deno.test("with `ready`, the next batch starts when it resolves, beside the last; never more than two", async () => {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  let running = 0, most = 0;
  const ready = Promise.withResolvers<void>();
  const batcher = new Batcher<number, number>(
    async (queries) => {
      batches.push(queries);
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => finish.push(resolve));
      running--;
      return queries;
    },
    16,
    () => ready.promise,
  );
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 2_000;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`${what}: ${batches.join(" | ")}`);
      await turn();
    }
  };

  const first = batcher.submit(1);
  await until(() => batches.length === 1, "the first batch did not start");
  const second = [batcher.submit(2), batcher.submit(3)];
  for (let i = 0; i < 5; i++) await turn();
  assert.deepEqual(batches, [[1]], "started before `ready` resolved");
  ready.resolve();
  await until(() => batches.length === 2, "no second batch beside the first");
  assert.deepEqual(batches, [[1], [2, 3]]);

  // Two run: a third waits for the first to settle.
  const third = batcher.submit(4);
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(batches.length, 2);
  finish[0]();
  assert.equal(await first, 1);
  await until(() => batches.length === 3, "no third batch after the first");
  assert.deepEqual(batches[2], [4]);
  finish[1]();
  finish[2]();
  assert.deepEqual(await Promise.all([...second, third]), [2, 3, 4]);
  assert.equal(most, 2);
});
