/**
 * The two sides of `load.ts`: a bounded wrk run against the server and the
 * same work in-process (each a leg), the CPU time they used, the figures
 * over legs, and the request bodies a client sends.
 *
 * @module
 */
/** One request a scenario cycles through. */
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
  /**
   * CPU time of the server and the client together — wrk, or this process
   * in-process (NaN off Linux).
   */
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
   * CPU time per answer of the processes (the server and wrk, or this one
   * with its pool): the cost of a request, which the load of other jobs on
   * the machine moves far less than the rate.
   */
  readonly cpuMsPerRequest: number;
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
    // Three digits: a loopback turnaround costs hundredths of a millisecond.
    cpuMsPerRequest: Number(
      (1000 * sum((leg) => leg.cpuSeconds) / sum((leg) => leg.done))
        .toPrecision(3),
    ),
  };
}

/**
 * CPU seconds from a line of `/proc/PID/stat` (100 clock ticks a second):
 * the process's own (utime + stime, the 14th and 15th fields), or those of
 * the children it has waited for (cutime + cstime, the 16th and 17th).
 */
function statSeconds(line: string, whose: "own" | "children"): number {
  // After the name in parentheses come the state and fields 4….
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const at = whose === "own" ? 11 : 13;
  return (Number(fields[at]) + Number(fields[at + 1])) / 100;
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
      (total, line) => total + statSeconds(line, "own"),
      0,
    );
  } catch {
    return Number.NaN;
  }
}

/**
 * wrk's script: cycles through the raw requests whose files it is given,
 * and prints, after its own report, one line `FACEVER {json}` with the
 * counts and 999 quantiles of the latency (0.1 % to 99.9 %, in µs).
 */
const WRK_SCRIPT = `
local raw = {}
local turn = 0
function init(args)
  for _, path in ipairs(args) do
    local file = assert(io.open(path, "rb"))
    raw[#raw + 1] = file:read("*a")
    file:close()
  end
end
function request()
  turn = turn % #raw + 1
  return raw[turn]
end
function done(summary, latency, _)
  local q = {}
  for i = 1, 999 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  local e = summary.errors
  io.write(string.format(
    'FACEVER {"requests":%d,"duration":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"quantiles":[%s]}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write,
    e.timeout, table.concat(q, ",")))
end
`;

/** What wrk's script prints. */
interface WrkResult {
  readonly requests: number;
  /** µs. */
  readonly duration: number;
  /** Answers with a status of 400 or more. */
  readonly status: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
  /** µs. */
  readonly quantiles: readonly number[];
}

/** Requests written out for wrk, with its script. */
export interface WrkRequests {
  readonly script: string;
  readonly files: readonly string[];
}

/**
 * Writes `requests` as raw HTTP/1.1 requests to `origin` with the key, one
 * file each, and wrk's script, into `dir`.
 */
export async function wrkRequests(
  dir: string,
  name: string,
  origin: string,
  key: string,
  requests: readonly HttpRequest[],
): Promise<WrkRequests> {
  const host = new URL(origin).host;
  const script = `${dir}/load.lua`;
  await Deno.writeTextFile(script, WRK_SCRIPT);
  const files = await Promise.all(requests.map(async (request, i) => {
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      `Host: ${host}`,
      `x-api-key: ${key}`,
      ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${request.body.length}`,
      "",
      "",
    ].join("\r\n");
    const file = `${dir}/${name}_${i}.http`;
    const headBytes = new TextEncoder().encode(head);
    const bytes = new Uint8Array(headBytes.length + request.body.length);
    bytes.set(headBytes);
    bytes.set(request.body, headBytes.length);
    await Deno.writeFile(file, bytes);
    return file;
  }));
  return { script, files };
}

/**
 * A bounded wrk run (Debian's `wrk`, one thread: a load generator in C,
 * whose own CPU time is a small part of a request's): `connections`
 * requests in flight for `seconds` (whole seconds, at least 1). Also
 * gives the CPU time wrk used.
 *
 * @throws {Error} When wrk is missing or fails; the message says how to
 * install it.
 */
export async function httpLeg(
  origin: string,
  { script, files }: WrkRequests,
  connections: number,
  seconds: number,
): Promise<Omit<Leg, "cpuSeconds"> & { clientCpuSeconds: number }> {
  // The shell's children's CPU time, once it has waited for wrk, is wrk's.
  const { stdout, stderr } = await new Deno.Command("sh", {
    args: [
      "-c",
      'wrk "$@"; cat /proc/$$/stat',
      "sh",
      "-t1",
      `-c${connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      "--timeout",
      "30s",
      "-s",
      script,
      origin,
      "--",
      ...files,
    ],
  }).output();
  const text = new TextDecoder().decode(stdout);
  const line = text.split("\n").find((l) => l.startsWith("FACEVER "));
  if (line === undefined) {
    throw new Error(
      `wrk gave no result (install it: apt-get install wrk): ${
        new TextDecoder().decode(stderr)
      }${text}`,
    );
  }
  const result = JSON.parse(line.slice("FACEVER ".length)) as WrkResult;
  const stat = text.trim().split("\n").at(-1)!;
  return {
    done: result.requests - result.status,
    seconds: result.duration / 1e6,
    // Each leg's distribution, as its quantiles: legs of one cell run
    // alike long, so pooling them weighs each about as its answers.
    times: result.quantiles.map((us) => us / 1000),
    non2xx: result.status,
    errors: result.connect + result.read + result.write + result.timeout,
    clientCpuSeconds: statSeconds(stat, "children"),
  };
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
