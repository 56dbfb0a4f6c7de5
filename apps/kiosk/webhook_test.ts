import assert from "node:assert/strict";
import {
  DeliveryQueue,
  QUEUE_LIMIT,
  type RecognitionEvent,
} from "./_events.ts";
import { webhookSink } from "./_webhook.ts";

function event(
  subjectId: string | null,
  time = "2026-01-01T08:00:00.000Z",
): RecognitionEvent {
  return {
    type: subjectId === null ? "unknown" : "recognized",
    camera: "door",
    time,
    subjectId,
    similarity: 0.5,
    threshold: 0.3502,
    box: { x: 1, y: 2, width: 100, height: 120 },
    score: 0.99,
    frame: { width: 640, height: 480 },
  };
}

/**
 * A local receiver that answers each POST with the next status of
 * `statuses` (then 200), and records the bodies it accepted.
 */
function receiver(statuses: number[]) {
  const accepted: RecognitionEvent[] = [];
  const attempts: { time: number; authorization: string | null }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      attempts.push({
        time: performance.now(),
        authorization: request.headers.get("authorization"),
      });
      const body = await request.json();
      const status = statuses.shift() ?? 200;
      if (status === 200) accepted.push(body);
      return new Response(null, { status });
    },
  );
  const url = new URL(`http://127.0.0.1:${server.addr.port}/events`);
  return { server, url, accepted, attempts };
}

Deno.test("webhook: delivered in order, retried with back-off", async (t) => {
  await t.step(
    "fails twice (503, 500), delivered on the third attempt",
    async () => {
      const { server, url, accepted, attempts } = receiver([503, 500]);
      const sink = webhookSink(url, { minDelayMs: 50, token: "s3cret" });
      sink.send(event("ada"));
      sink.send(event(null));
      await sink.close(10_000);
      await server.shutdown();
      assert.deepEqual(accepted.map((e) => e.subjectId), ["ada", null]);
      assert.equal(attempts.length, 4);
      assert.equal(attempts[0].authorization, "Bearer s3cret");
      // Back-off: the second wait is longer than the first (factor 2, each
      // delay randomised within [1, 2] times its base).
      const waits = [
        attempts[1].time - attempts[0].time,
        attempts[2].time - attempts[1].time,
      ];
      assert.ok(waits[0] >= 45, `first wait ${waits[0]} ms`);
      assert.ok(waits[1] >= 95, `second wait ${waits[1]} ms`);
    },
  );

  await t.step(
    "a 400 is final: not retried, the next event still goes",
    async () => {
      const { server, url, accepted, attempts } = receiver([400]);
      const sink = webhookSink(url, { minDelayMs: 10 });
      sink.send(event("ada"));
      sink.send(event("bob"));
      await sink.close(10_000);
      await server.shutdown();
      assert.equal(attempts.length, 2);
      assert.deepEqual(accepted.map((e) => e.subjectId), ["bob"]);
    },
  );

  await t.step("a receiver that is down: retried, then given up", async () => {
    const { server, url } = receiver([]);
    await server.shutdown();
    const sink = webhookSink(url, {
      minDelayMs: 10,
      maxDelayMs: 20,
      retries: 2,
    });
    sink.send(event("ada"));
    await sink.close(10_000);
  });

  await t.step("close gives up at its deadline", async () => {
    const { server, url, accepted } = receiver(new Array(100).fill(503));
    const sink = webhookSink(url, { minDelayMs: 1_000 });
    sink.send(event("ada"));
    const started = performance.now();
    await sink.close(300);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(accepted.length, 0);
    await server.shutdown();
  });
});

Deno.test("DeliveryQueue keeps at most QUEUE_LIMIT events, dropping the oldest", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const delivered: string[] = [];
  const queue = new DeliveryQueue("test", async (e) => {
    await gate;
    delivered.push(e.time);
  });
  for (let i = 0; i < QUEUE_LIMIT + 11; i++) {
    queue.push(event("ada", String(i)));
  }
  // The first is in delivery; of the rest, the 10 oldest were dropped.
  assert.equal(queue.dropped, 10);
  release();
  assert.equal(await queue.drain(5_000), 0);
  assert.equal(delivered.length, QUEUE_LIMIT + 1);
  assert.equal(delivered[0], "0");
  assert.equal(delivered[1], "11");
});
