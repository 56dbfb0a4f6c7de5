/**
 * The two sides of `load.ts`: a bounded autocannon run against the server
 * and the same work in-process (each a leg), the CPU time both processes
 * used, the figures over legs, and the request bodies a client sends.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import autocannon from "autocannon";

/** One request of autocannon's list. */
export interface HttpRequest {
  readonly method: "POST";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** One bounded run of one side: what it completed and how long it took. */
export interface Leg {
  /** Answers counted: 2xx over HTTP, calls in-process. */
  readonly done: number;
  readonly seconds: number;
  /** Latency of every answer, in ms. */
  readonly times: readonly number[];
  readonly non2xx: number;
  /** Connection errors and timeouts (HTTP only). */
  readonly errors: number;
  /** CPU time of the server and this process together (NaN off Linux). */
  readonly cpuSeconds: number;
}

/** The figures of one side over its legs. */
export interface Figures {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly done: number;
  readonly non2xx: number;
  readonly errors: number;
  /**
   * CPU time per answer of both processes (server, and this one with its
   * load generator or its pool): the cost of a request, which the load of
   * other jobs on the machine moves far less than the rate.
   */
  readonly cpuMsPerRequest: number;
}

/** What this script reads of autocannon's result (it ships no types). */
interface AutocannonResult {
  readonly "2xx": number;
  readonly non2xx: number;
  /** Includes timeouts. */
  readonly errors: number;
  /** Seconds the run took. */
  readonly duration: number;
}

/** The value below which `share` of the sorted values lie (nearest rank). */
function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(share * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** The figures of one side over its legs. */
export function figures(legs: readonly Leg[]): Figures {
  const sorted = legs.flatMap((leg) => leg.times).sort((a, b) => a - b);
  const sum = (pick: (leg: Leg) => number) =>
    legs.reduce((total, leg) => total + pick(leg), 0);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    reqPerSec: round(sum((leg) => leg.done) / sum((leg) => leg.seconds)),
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    done: sum((leg) => leg.done),
    non2xx: sum((leg) => leg.non2xx),
    errors: sum((leg) => leg.errors),
    cpuMsPerRequest: round(
      1000 * sum((leg) => leg.cpuSeconds) / sum((leg) => leg.done),
    ),
  };
}

/**
 * CPU seconds (user and system, every thread) that the processes `pids`
 * have used together, from /proc (Linux, 100 clock ticks a second); NaN
 * where there is none. Read through `cat`: Deno reads /proc itself only
 * with every permission granted.
 */
export async function cpuSeconds(pids: readonly number[]): Promise<number> {
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: pids.map((pid) => `/proc/${pid}/stat`),
      stderr: "null",
    }).output();
    if (!success) return Number.NaN;
    return new TextDecoder().decode(stdout).trim().split("\n").reduce(
      (total, line) => {
        // After the name in parentheses come the state and fields 4…;
        // utime and stime are the 14th and 15th fields of the line.
        const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
        return total + (Number(fields[11]) + Number(fields[12])) / 100;
      },
      0,
    );
  } catch {
    return Number.NaN;
  }
}

/** A bounded autocannon run: `connections` requests in flight for `seconds`. */
export function httpLeg(
  origin: string,
  key: string,
  requests: readonly HttpRequest[],
  connections: number,
  seconds: number,
): Promise<Omit<Leg, "cpuSeconds">> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const instance = autocannon({
      url: origin,
      connections,
      duration: seconds,
      timeout: 30,
      headers: { "x-api-key": key },
      requests: requests.map(({ method, path, headers, body }) => ({
        method,
        path,
        headers,
        body: Buffer.from(body),
      })),
    }, (error: Error | null, result: AutocannonResult) => {
      if (error) return reject(error);
      resolve({
        done: result["2xx"],
        seconds: result.duration,
        times,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
    instance.on(
      "response",
      (_client: unknown, _status: number, _bytes: number, ms: number) =>
        times.push(ms),
    );
  });
}

/** The same work in-process: `concurrency` loops for `seconds`. */
export async function directLeg(
  work: (i: number) => Promise<unknown>,
  count: number,
  concurrency: number,
  seconds: number,
): Promise<Omit<Leg, "cpuSeconds">> {
  const times: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let i = lane; performance.now() < end; i += concurrency) {
        const at = performance.now();
        await work(i % count);
        times.push(performance.now() - at);
      }
    }),
  );
  return {
    done: times.length,
    seconds: (performance.now() - started) / 1000,
    times,
    non2xx: 0,
    errors: 0,
  };
}

/** A multipart form of JPEG files, as a browser posts it. */
export function multipart(
  parts: Record<string, Uint8Array>,
): { body: Uint8Array; type: string } {
  const boundary = `----facever${crypto.randomUUID()}`;
  const text = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const [name, bytes] of Object.entries(parts)) {
    chunks.push(
      text.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      bytes,
      text.encode("\r\n"),
    );
  }
  chunks.push(text.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** An embedding as a client sends what /v1/embed gave it. */
export function embeddingJson(embedding: Float32Array): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      embedding: Array.from(embedding, (v) => Number(v.toPrecision(9))),
    }),
  );
}
