import assert from "node:assert/strict";
import {
  awaitChunks,
  chunkDone,
  chunkRange,
  CHUNKS,
  claimChunk,
  controlBlock,
  publishJob,
  readJob,
} from "./_scan_protocol.ts";

const JOB = {
  rows: 4096,
  count: 100_003,
  rowBytes: 528,
  queries: 0,
  size: 5,
  params: 8192,
  out: 9_000_000,
  stride: 400_012,
};

Deno.test("the chunks cover every row once, in order", () => {
  for (const count of [0, 1, CHUNKS - 1, CHUNKS, 100_003]) {
    let next = 0;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const [start, end] = chunkRange(count, chunk);
      assert.equal(start, next);
      assert.ok(end >= start);
      next = end;
    }
    assert.equal(next, count);
  }
});

Deno.test("a job's chunks are taken once each, and only by that job", async () => {
  const control = controlBlock();
  const first = publishJob(control, 7, JOB);
  assert.deepEqual(readJob(control), { number: first, memory: 7, job: JOB });
  const taken = [];
  for (let chunk; (chunk = claimChunk(control, first)) !== -1;) {
    taken.push(chunk);
  }
  assert.deepEqual(taken, Array.from({ length: CHUNKS }, (_, i) => i));
  // Not done yet: the owner would wait.
  assert.equal(await awaitChunks(control, first, 1), false);
  for (let i = 0; i < CHUNKS; i++) chunkDone(control, first);
  assert.equal(await awaitChunks(control, first, 1), true);

  const second = publishJob(control, 8, { ...JOB, size: 1 });
  assert.notEqual(second, first);
  // A helper still on the first job takes nothing of the second.
  assert.equal(claimChunk(control, first), -1);
  assert.equal(claimChunk(control, second), 0);
  assert.equal(readJob(control).job.size, 1);

  // The owner's wait ends when the last chunk is counted done, elsewhere.
  const third = publishJob(control, 9, JOB);
  setTimeout(() => {
    for (let i = 0; i < CHUNKS; i++) chunkDone(control, third);
  }, 5);
  assert.equal(await awaitChunks(control, third, 10_000), true);

  // A helper the owner gave up on finishes a chunk of an older job late:
  // it counts nothing towards the job under way.
  const fourth = publishJob(control, 9, JOB);
  for (let i = 0; i < CHUNKS - 1; i++) chunkDone(control, fourth);
  chunkDone(control, third);
  assert.equal(await awaitChunks(control, fourth, 1), false);
  chunkDone(control, fourth);
  assert.equal(await awaitChunks(control, fourth, 1), true);
});

Deno.test("the next job is published once the last one's chunks are all taken, and each counts its own", async () => {
  const control = controlBlock();
  const first = publishJob(control, 1, JOB);
  while (claimChunk(control, first) !== -1);
  // The first job's chunks are all taken, none done: the second goes out.
  const second = publishJob(control, 2, { ...JOB, size: 2 });
  assert.deepEqual(readJob(control), {
    number: second,
    memory: 2,
    job: { ...JOB, size: 2 },
  });
  assert.equal(claimChunk(control, first), -1);
  assert.equal(claimChunk(control, second), 0);
  for (let i = 0; i < CHUNKS; i++) chunkDone(control, first);
  assert.equal(await awaitChunks(control, first, 1), true);
  assert.equal(await awaitChunks(control, second, 1), false);
  while (claimChunk(control, second) !== -1);

  // The third takes the first's lane (done); the second's count is kept.
  const third = publishJob(control, 3, JOB);
  for (let i = 0; i < CHUNKS; i++) chunkDone(control, second);
  assert.equal(await awaitChunks(control, second, 1), true);
  assert.equal(await awaitChunks(control, third, 1), false);
  for (let i = 0; i < CHUNKS; i++) chunkDone(control, third);
  assert.equal(await awaitChunks(control, third, 1), true);
  assert.equal(readJob(control).memory, 3);
});
