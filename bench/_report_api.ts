/**
 * The API sections of the bench README: the server under load (`deno task
 * load`) and its cold start (`deno task bench:cold-start-api`).
 *
 * @module
 */
import type { Machine } from "./_machine.ts";
import { day, machineLine, num, readResult, table } from "./_report_common.ts";

interface LoadCell {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

interface LoadResult {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly secondsPerRun: number;
  readonly server: {
    readonly workers: number;
    readonly scanThreads?: number;
    readonly backend: string;
  };
  readonly gallery: { readonly faces: number };
  readonly targets: {
    readonly ratio: number;
    readonly embeddingIdentifyReqPerSec: number;
  };
  readonly rows: readonly {
    readonly scenario: string;
    readonly concurrency: number;
    readonly http: LoadCell;
    readonly direct?: LoadCell;
    readonly ratio?: number;
    readonly cpuRatio?: number;
  }[];
}

/** A latency: whole milliseconds, or tenths under 10 ms (a loopback turnaround). */
function milliseconds(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}

/** The load section: the API under wrk beside the same work in-process. */
export async function loadSection(): Promise<string> {
  const load = await readResult<LoadResult>("load.json", "load");
  const rows = load.rows.map((row) => [
    row.scenario,
    String(row.concurrency),
    row.http.reqPerSec.toFixed(1),
    [row.http.p50Ms, row.http.p95Ms, row.http.p99Ms].map(milliseconds)
      .join(" / "),
    String(row.http.errors + row.http.non2xx),
    row.direct ? row.direct.reqPerSec.toFixed(1) : "—",
    row.ratio === undefined ? "—" : `${row.ratio.toFixed(2)}×`,
    row.cpuRatio === undefined ? "—" : `${row.cpuRatio.toFixed(2)}×`,
  ]);
  return [
    `### HTTP load — \`results/load.json\`, ${day(load.date)}`,
    "",
    `\`${load.command}\`: the API server (\`deno task start\`, ${load.server.workers} workers, ${
      load.server.scanThreads ?? 0
    } scan helper thread, ${load.server.backend}) under wrk (one thread) on 127.0.0.1, beside the same work called directly on \`FacePool\` and \`Gallery\` in the same run; identify runs on a tenant of ${
      num(load.gallery.faces)
    } faces. Targets: HTTP ≥ ${load.targets.ratio} × direct, embedding-in identify ≥ ${
      num(load.targets.embeddingIdentifyReqPerSec)
    } req/s. The CPU ratio (direct CPU per request ÷ HTTP's, the server's and wrk's counted) moves less with the machine's other load than the rates do. The rows of a bare \`Deno.serve\` that identifies (no routing, key, checks or log; the same tenant, scan helper and in-process side) are the most any HTTP server keeps of the in-process figure with these clients on this loopback. The empty tenant's rows are the API's path alone; the rows of a bare \`Deno.serve\` that parses the JSON and nothing else, a request's turnaround over the loopback.`,
    "",
    table(
      [
        "scenario",
        "concurrency",
        "HTTP req/s",
        "p50 / p95 / p99 ms",
        "errors",
        "direct req/s",
        "HTTP ÷ direct",
        "CPU ratio",
      ],
      rows,
      1,
    ),
    "",
    `Machine: ${machineLine(load.machine)}.`,
  ].join("\n");
}

interface ApiColdStart {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly workers: number;
  readonly galleryFaces: number;
  readonly verify: {
    readonly firstAnswerMs: number;
    readonly targetMs: number;
  };
  readonly verifyWorkers0: { readonly firstAnswerMs: number };
  readonly identify: {
    readonly firstAnswerMs: number;
    readonly targetMs: number;
  };
  readonly stepsMs: Readonly<Record<string, number>>;
}

/** The API cold start section: spawn to the first verify and identify answers. */
export async function apiColdStartSection(): Promise<string> {
  const cold = await readResult<ApiColdStart>(
    "api_cold_start.json",
    "bench:cold-start-api",
  );
  return [
    `### API cold start — \`results/api_cold_start.json\`, ${day(cold.date)}`,
    "",
    `\`${cold.command}\`: from spawning the server to its first answer (medians).`,
    "",
    table(["first answer", "ms", "target"], [
      [
        `\`/v1/verify\`, ${cold.workers} workers (started after the main thread's engine has answered)`,
        String(cold.verify.firstAnswerMs),
        `≤ ${cold.verify.targetMs}`,
      ],
      [
        "`/v1/verify`, one engine on the main thread (as on Deno Deploy)",
        String(cold.verifyWorkers0.firstAnswerMs),
        `≤ ${cold.verify.targetMs}`,
      ],
      [
        `\`/v1/identify\` on ${num(cold.galleryFaces)} faces`,
        String(cold.identify.firstAnswerMs),
        `≤ ${cold.identify.targetMs}`,
      ],
    ]),
    "",
    `Steps, ms: ${
      Object.entries(cold.stepsMs).map(([step, ms]) => `${step} ${ms}`).join(
        ", ",
      )
    }.`,
    "",
    `Machine: ${machineLine(cold.machine)}.`,
  ].join("\n");
}
