/**
 * Cold start of the gallery: from a fresh process's start to the answer of
 * its first `identify` on a 100,000-face tenant in a local KV file.
 *
 *     deno task bench:gallery-cold [--runs 5]
 *
 * Each kind of tenant (plain, and encrypted at rest) is measured two ways,
 * side by side in one run, children alternating so that drift in machine
 * load hits both alike:
 *
 * - `records`: the KV file as enrolled, with no snapshot — the index is
 *   rebuilt from every face record, as before snapshots (the children do
 *   not write one: `snapshotEvery: Infinity`);
 * - `snapshot`: a copy of that file with a snapshot written by
 *   `writeSnapshot()` — the index is read from it.
 *
 * The time is measured outside, from the spawn of `deno run` to the
 * child's answer on stdout, and inside (the child's clock starts with the
 * runtime): Deno's start to the first line, `Gallery.open`, and the first
 * `identify`. Every child's answer must be the same. The tenants are
 * enrolled once through the public API into `.cache/gallery_bench/` (some
 * minutes each; see `_gallery_tenant.ts`), and the snapshot copies made
 * once beside them. Writes `bench/results/gallery_cold_start.json`, with
 * the load average before and after.
 *
 * @module
 */

const started = performance.now();

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { median } from "./_statistics.ts";
import type { SnapshotNote } from "./_gallery_tenant.ts";
import { describeMachine } from "./_machine.ts";

const FACES = 100_000;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    child: { type: "string" },
    kind: { type: "string" },
    runs: { type: "string", default: "5" },
  },
});

type Kind = "plain" | "sealed";
type Mode = "records" | "snapshot";

/** What a child measured, in milliseconds on its own clock. */
interface ChildTimes {
  readonly firstLine: number;
  readonly open: number;
  readonly identify: number;
  /** From the runtime's start to the answer. */
  readonly answered: number;
  readonly answer: string;
}

async function child(path: string, kind: Kind, mode: Mode): Promise<void> {
  const firstLine = started;
  const { Gallery } = await import("@facever/gallery");
  const { enrolledVectors, tenantOptions } = await import(
    "./_gallery_tenant.ts"
  );
  const [query] = enrolledVectors(1);
  const before = performance.now();
  const kv = await Deno.openKv(path);
  const gallery = await Gallery.open(
    kv,
    await tenantOptions(
      kind,
      mode === "records" ? { snapshotEvery: Infinity } : {},
    ),
  );
  const opened = performance.now();
  const [best] = await gallery.identify(query, { threshold: -1 });
  const answered = performance.now();
  const times: ChildTimes = {
    firstLine,
    open: opened - before,
    identify: answered - opened,
    answered,
    answer: `${best.subjectId}/${best.faceId}`,
  };
  console.log(JSON.stringify(times));
  kv.close();
}

async function spawn(
  path: string,
  kind: Kind,
  mode: Mode,
): Promise<ChildTimes & { wall: number }> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const start = performance.now();
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-kv",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      fileURLToPath(import.meta.url),
      "--child",
      path,
      "--kind",
      `${kind}:${mode}`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The answer's arrival, not the process's exit (closing the KV is not part of it).
  let text = "";
  let wall = 0;
  for await (
    const bytes of process.stdout.pipeThrough(new TextDecoderStream())
  ) {
    text += bytes;
    if (wall === 0 && text.includes("\n")) wall = performance.now() - start;
  }
  const { code } = await process.status;
  const stderr = await new Response(process.stderr).text();
  if (code !== 0) throw new Error(stderr);
  return { ...JSON.parse(text), wall };
}

if (values.child) {
  const [kind, mode] = values.kind!.split(":") as [Kind, Mode];
  await child(values.child, kind, mode);
} else {
  const { ensureTenant, snapshotCopy } = await import("./_gallery_tenant.ts");
  const runs = Number(values.runs);
  const kinds: Kind[] = ["plain", "sealed"];
  const files = new Map<string, string>();
  const snapshots: Record<string, SnapshotNote> = {};
  for (const kind of kinds) {
    files.set(`${kind}:records`, await ensureTenant(kind, FACES));
    const { path, ...written } = await snapshotCopy(kind, FACES);
    files.set(`${kind}:snapshot`, path);
    snapshots[kind] = written;
  }
  const loadBefore = Deno.loadavg();
  const times = new Map<string, (ChildTimes & { wall: number })[]>();
  for (let run = 0; run < runs; run++) {
    for (const [label, path] of files) {
      const [kind, mode] = label.split(":") as [Kind, Mode];
      const measured = await spawn(path, kind, mode);
      times.set(label, [...(times.get(label) ?? []), measured]);
      console.error(
        `run ${run + 1}/${runs} ${label}: ${measured.wall.toFixed(0)} ms`,
      );
    }
  }
  // Face ids are random, so each kind of tenant has its own.
  const agree = kinds.every((kind) =>
    new Set(
      [...times].filter(([label]) => label.startsWith(`${kind}:`))
        .flatMap(([, list]) => list.map((t) => t.answer)),
    ).size === 1
  );
  const rows = [...times].map(([label, list]) => {
    const [kind, mode] = label.split(":");
    const med = (
      key: "wall" | "firstLine" | "open" | "identify" | "answered",
    ) => Math.round(median(list.map((t) => t[key])));
    return {
      kind,
      mode,
      runs: list.length,
      spawnToAnswerMs: med("wall"),
      runtimeToAnswerMs: med("answered"),
      firstLineMs: med("firstLine"),
      openMs: med("open"),
      firstIdentifyMs: med("identify"),
      allMs: list.map((t) => Math.round(t.wall)),
    };
  });
  const ratios = Object.fromEntries(kinds.map((kind) => {
    const [records, snapshot] = ["records", "snapshot"].map((mode) =>
      rows.find((r) => r.kind === kind && r.mode === mode)!.spawnToAnswerMs
    );
    return [kind, Math.round(100 * records / snapshot) / 100];
  }));
  const result = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    faces: FACES,
    dims: 512,
    targetMs: 1500,
    loadAverage: { before: loadBefore, after: Deno.loadavg() },
    answersAgree: agree,
    rows,
    recordsOverSnapshot: ratios,
    snapshots,
  };
  for (const row of rows) console.log(JSON.stringify(row));
  console.log(
    JSON.stringify({
      recordsOverSnapshot: ratios,
      answersAgree: result.answersAgree,
    }),
  );
  await Deno.writeTextFile(
    new URL("./results/gallery_cold_start.json", import.meta.url),
    JSON.stringify(result, null, 2) + "\n",
  );
}
