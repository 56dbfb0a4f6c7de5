/**
 * The kiosk's footprint (`deno task bench:kiosk`): resident memory while
 * serving and while watching, the time from process start to the first
 * answer, and the size of what a compiled kiosk embeds. Every run is the
 * kiosk as `deno task kiosk` runs it (the task's own flags), in a scratch
 * folder under `.cache/kiosk-footprint/` whose gallery holds 20 LFW people.
 *
 * - serve: spawn → `{"listening"}` on stderr, then 50 `POST /v1/identify`
 *   of LFW photos from 127.0.0.1; resident memory (VmRSS) idle and after
 *   the requests, and the peak (VmHWM). Worker threads are in the process.
 * - watch: a 10 s 640×480 video made from LFW photos (an enrolled person,
 *   nobody, a stranger); spawn → first event on stdout, and the peak
 *   memory of the kiosk and of its ffmpeg, sampled every 100 ms.
 * - verify: spawn → the answer, for two LFW photos.
 * - binary: `deno compile` with the `compile:kiosk` task's flags, built on
 *   this deno through DENORT_BIN (denort cannot be downloaded here): the
 *   embedded payload is the binary's size less this deno's; a real kiosk
 *   binary is denort plus that payload.
 *
 * Writes bench/results/kiosk_footprint.json and prints it.
 *
 * @module
 */

import { join } from "node:path";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import { kioskRunArgs, ROOT } from "./_kiosk_task.ts";

const RUNS = 3;
const REQUESTS = 50;
const ENROLLED = [
  "Aaron_Peirsol",
  "Serena_Williams",
  "Tony_Blair",
  "Colin_Powell",
  "Laura_Bush",
  "Vladimir_Putin",
  "Gloria_Macapagal_Arroyo",
  "Hugo_Chavez",
  "Jacques_Chirac",
  "Ariel_Sharon",
  "Junichiro_Koizumi",
  "Jean_Chretien",
  "John_Ashcroft",
  "Gerhard_Schroeder",
  "Donald_Rumsfeld",
  "Tom_Ridge",
  "Andre_Agassi",
  "Lleyton_Hewitt",
  "Alvaro_Uribe",
  "Nestor_Kirchner",
];

const root = lfwRoot();
if (!root) {
  console.error(`bench:kiosk cannot run: ${LFW_MISSING}`);
  Deno.exit(1);
}
const photo = (name: string, index: number) => lfwImagePath(root, name, index);
const kiosk = await kioskRunArgs();
const work = join(ROOT, ".cache", "kiosk-footprint");
await Deno.remove(work, { recursive: true }).catch(() => {});
await Deno.mkdir(work, { recursive: true });

/** Runs `command` to its end; fails with its stderr. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd: work,
    env,
    stdin: "null",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

/** What `command` prints, or `""` when it fails. */
async function output(command: string, args: string[]): Promise<string> {
  const { success, stdout } = await new Deno.Command(command, {
    args,
    stdin: "null",
    stderr: "null",
  }).output();
  return success ? new TextDecoder().decode(stdout) : "";
}

/**
 * VmRSS and VmHWM of a process, in MiB; `undefined` once it is gone. Read
 * through `cat`: Deno lets a script read another process's /proc files
 * only with every permission.
 */
async function memory(
  pid: number,
): Promise<{ rss: number; peak: number } | undefined> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const kib = (field: string) =>
    Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]);
  return status
    ? { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 }
    : undefined;
}

/** The child processes of `pid` (ffmpeg, for watch). */
async function children(pid: number): Promise<number[]> {
  const text = await output("ps", ["-o", "pid=", "--ppid", String(pid)]);
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Resolves with the first line of `stream` that `test` accepts. */
function firstLine(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  test: (line: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        const found = lines.find(test);
        if (found !== undefined) {
          resolve(found);
          // Keep draining so the child never blocks on a full pipe.
        }
      }
      reject(new Error("the stream ended first"));
    })();
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value: number, digits = 1) =>
  Math.round(value * 10 ** digits) / 10 ** digits;

// The gallery: one photo of each of 20 people.
for (const name of ENROLLED) {
  await Deno.mkdir(join(work, "enrol", name), { recursive: true });
  await Deno.copyFile(photo(name, 1), join(work, "enrol", name, "1.jpg"));
}
await run("deno", [...kiosk, "enroll", "enrol"]);

async function serve(workers: number) {
  const starts: number[] = [];
  let result = {};
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const child = new Deno.Command("deno", {
      args: [...kiosk, "serve", "--port", "0", "--workers", String(workers)],
      cwd: work,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const line = await firstLine(child.stderr, (l) => l.includes("listening"));
    starts.push(performance.now() - started);
    const url = JSON.parse(line).listening;
    const idle = (await memory(child.pid))!;
    const requestsStarted = performance.now();
    for (let r = 0; r < REQUESTS; r++) {
      const name = ENROLLED[r % ENROLLED.length];
      const response = await fetch(`${url}/v1/identify`, {
        method: "POST",
        headers: { "content-type": "image/jpeg" },
        body: await Deno.readFile(photo(name, 1)),
      });
      if (!response.ok) throw new Error(await response.text());
      await response.body?.cancel();
    }
    const msPerRequest = (performance.now() - requestsStarted) / REQUESTS;
    const busy = (await memory(child.pid))!;
    child.kill("SIGTERM");
    await child.status;
    result = {
      workers,
      idleRssMiB: round(idle.rss),
      afterRequestsRssMiB: round(busy.rss),
      peakRssMiB: round(busy.peak),
      msPerIdentify: round(msPerRequest),
    };
  }
  return { ...result, startToListeningMs: Math.round(median(starts)) };
}

async function watch() {
  const video = join(work, "door.mp4");
  await run("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    ...[
      "-loop",
      "1",
      "-framerate",
      "25",
      "-t",
      "4",
      "-i",
      photo("Aaron_Peirsol", 2),
    ],
    ...["-f", "lavfi", "-t", "2", "-i", "color=c=gray:s=640x480:r=25"],
    ...[
      "-loop",
      "1",
      "-framerate",
      "25",
      "-t",
      "4",
      "-i",
      photo("Aaron_Eckhart", 1),
    ],
    "-filter_complex",
    "[0]scale=-2:360,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=gray,setsar=1[a];[1]setsar=1[g];[2]scale=-2:360,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=gray,setsar=1[b];[a][g][b]concat=n=3:v=1:a=0,format=yuv420p",
    ...["-c:v", "libx264", "-preset", "ultrafast", "-r", "25", video],
  ]);
  const firsts: number[] = [];
  let peaks = { kiosk: 0, ffmpeg: 0 };
  let summary: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const child = new Deno.Command("deno", {
      args: [...kiosk, "watch", "--input", video, "--camera", "door"],
      cwd: work,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const first = firstLine(child.stdout, (l) => l.startsWith("{"));
    const stats = firstLine(child.stderr, (l) => l.includes('"watched"'));
    let done = false;
    const sampling = (async () => {
      const peak = { kiosk: 0, ffmpeg: 0 };
      while (!done) {
        const own = await memory(child.pid);
        if (own) peak.kiosk = Math.max(peak.kiosk, own.peak);
        for (const pid of await children(child.pid)) {
          const ffmpeg = await memory(pid);
          if (ffmpeg) peak.ffmpeg = Math.max(peak.ffmpeg, ffmpeg.peak);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return peak;
    })();
    await first;
    firsts.push(performance.now() - started);
    summary = JSON.parse(await stats);
    await child.status;
    done = true;
    peaks = await sampling;
  }
  return {
    video: "640x480, 25 fps, 10 s",
    startToFirstEventMs: Math.round(median(firsts)),
    peakRssMiB: round(peaks.kiosk),
    ffmpegPeakRssMiB: round(peaks.ffmpeg),
    framesRead: summary.frames,
    framesDropped: summary.dropped,
  };
}

async function verify() {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run("deno", [
      ...kiosk,
      "verify",
      photo("Aaron_Peirsol", 1),
      photo("Aaron_Peirsol", 2),
    ]);
    times.push(performance.now() - started);
  }
  return { startToAnswerMs: Math.round(median(times)) };
}

async function payload() {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const [, ...words] = (config.tasks["compile:kiosk"].command as string).split(
    /\s+/,
  );
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const page = words[i] === "--include" &&
      words[i + 1] === "apps/kiosk/page";
    if (
      page && !(await Deno.stat(join(ROOT, words[i + 1])).catch(() => null))
    ) {
      i++;
    } else if (words[i] === "--output") {
      args.push("--output", join(work, "kiosk"));
      i++;
    } else {
      args.push(words[i]);
    }
  }
  const { success, stderr } = await new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  const binary = (await Deno.stat(join(work, "kiosk"))).size;
  const base = (await Deno.stat(Deno.execPath())).size;
  const files = new TextDecoder().decode(stderr).match(/Files: ([\d.]+MB)/)
    ?.[1];
  return {
    embeddedPayloadMiB: round((binary - base) / 2 ** 20),
    embeddedFiles: files,
    note:
      "binary size = denort (not downloadable here) + this payload; measured on this deno via DENORT_BIN",
  };
}

const results = {
  date: new Date().toISOString().slice(0, 10),
  deno: Deno.version.deno,
  cores: navigator.hardwareConcurrency,
  serve1: await serve(1),
  serve2: await serve(2),
  watch: await watch(),
  verify: await verify(),
  compiled: await payload(),
};
await Deno.writeTextFile(
  join(ROOT, "bench", "results", "kiosk_footprint.json"),
  JSON.stringify(results, null, 2) + "\n",
);
console.log(JSON.stringify(results, null, 2));
await Deno.remove(work, { recursive: true });
