// A ScanPool helper: takes chunks of the scans that the thread owning an
// index publishes (see `_scan_protocol.ts`), with its own instance of the
// kernel over each index's shared memory.

import { type Kernel, scanKernel, scanRange } from "./_kernel.ts";
import {
  chunkDone,
  chunkRange,
  claimChunk,
  nextJob,
  readJob,
} from "./_scan_protocol.ts";
import type { ToScanHelper } from "./_scan_threads.ts";

const kernels = new Map<number, Kernel>();

async function help(control: Int32Array<SharedArrayBuffer>): Promise<void> {
  for (let seen = readJob(control).number;;) {
    await nextJob(control, seen);
    const { number, memory, job } = readJob(control);
    seen = number;
    // A memory not met yet (its message is still on the way): the owner
    // and the other helpers do this job.
    const kernel = kernels.get(memory);
    if (kernel === undefined) continue;
    for (let chunk; (chunk = claimChunk(control, number)) !== -1;) {
      scanRange(kernel, job, ...chunkRange(job.count, chunk));
      chunkDone(control, number);
    }
  }
}

// The project's types are the main thread's, which have no worker scope;
// this is the one member of it that is used.
const scope = globalThis as unknown as {
  onmessage: (event: MessageEvent<ToScanHelper>) => void;
};

scope.onmessage = ({ data }) => {
  switch (data.kind) {
    case "start":
      help(data.control);
      break;
    case "memory":
      kernels.set(data.id, scanKernel(data.dims, data.memory));
      break;
    case "forget":
      kernels.delete(data.id);
      break;
  }
};
