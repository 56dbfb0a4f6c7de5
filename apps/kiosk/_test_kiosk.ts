// What the kiosk's tests share: the kiosk run as `deno task kiosk` runs it
// (the task's own flags, from the root deno.json, so the tests prove that
// those permissions suffice), photos and videos made from LFW for the run,
// and the external programs the tests need, each with the reason it is
// missing.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

const CONFIG = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { tasks: Record<string, { command: string }> };

/** The command of a root task, split into words. */
export function taskWords(name: string): string[] {
  return CONFIG.tasks[name].command.split(/\s+/);
}

/**
 * The `kiosk` task's arguments after `deno`, with the entry point made
 * absolute, so that the kiosk runs in a scratch folder (whose `data/` then
 * holds its default KV).
 */
export function kioskArgs(): string[] {
  const [, ...args] = taskWords("kiosk");
  return [...args.slice(0, -1), join(ROOT, args.at(-1)!)];
}

/** LFW, or why tests on real faces skip. */
export const LFW: string | undefined = lfwRoot();
if (!LFW) console.log(`skipping kiosk tests on real faces: ${LFW_MISSING}`);

/** The path of LFW photo `index` of `name`. */
export function lfw(name: string, index: number): string {
  return lfwImagePath(LFW!, name, index);
}

/** Whether `program` runs here; else the reason, printed by the caller. */
export async function missingProgram(
  program: string,
  versionArgs: string[],
  install: string,
): Promise<string | undefined> {
  try {
    await new Deno.Command(program, {
      args: versionArgs,
      stdout: "null",
      stderr: "null",
    }).output();
    return undefined;
  } catch {
    return `${program} is not installed (${install}; .ci/run installs it)`;
  }
}

/** Why ffmpeg tests skip, or `undefined` when they run. */
export const NO_FFMPEG: string | undefined = await missingProgram(
  "ffmpeg",
  ["-version"],
  "apt-get install -y ffmpeg",
);

/** What a finished kiosk run printed. */
export interface KioskRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the kiosk in `cwd` with `args` and waits for it. */
export async function runKiosk(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<KioskRun> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...kioskArgs(), ...args],
    cwd,
    env,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Starts the kiosk in `cwd` with `args`; the caller ends it. */
export function spawnKiosk(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...kioskArgs(), ...args],
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The JSON lines of `text`. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) =>
    JSON.parse(line)
  );
}

/** A 640×480 video segment: an LFW photo in the middle, or nobody. */
export interface Segment {
  readonly photo: string | null;
  readonly seconds: number;
}

/**
 * Writes an H.264 video of `segments` at 25 frames per second to `path`:
 * each photo scaled to 360 px high in the middle of a grey 640×480 frame,
 * as a person stands in front of a camera; `null` is an empty grey frame.
 */
export async function makeVideo(
  path: string,
  segments: readonly Segment[],
): Promise<void> {
  const inputs: string[] = [];
  const filters: string[] = [];
  segments.forEach(({ photo, seconds }, i) => {
    if (photo === null) {
      inputs.push(
        "-f",
        "lavfi",
        "-t",
        String(seconds),
        "-i",
        "color=c=gray:s=640x480:r=25",
      );
      filters.push(`[${i}]setsar=1[v${i}]`);
    } else {
      inputs.push(
        "-loop",
        "1",
        "-framerate",
        "25",
        "-t",
        String(seconds),
        "-i",
        photo,
      );
      filters.push(
        `[${i}]scale=-2:360,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=gray,setsar=1[v${i}]`,
      );
    }
  });
  const chain = segments.map((_, i) => `[v${i}]`).join("");
  const { success, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      ...inputs,
      "-filter_complex",
      `${
        filters.join(";")
      };${chain}concat=n=${segments.length}:v=1:a=0,format=yuv420p`,
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-r",
      "25",
      path,
    ],
    stdin: "null",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
}

/**
 * A scratch folder with `enrol/<subject>/` holding copies of the given LFW
 * photos, ready for `kiosk enroll enrol`.
 */
export async function scratchWithPhotos(
  photos: Record<string, readonly number[]>,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-test-" });
  for (const [name, indices] of Object.entries(photos)) {
    await Deno.mkdir(join(dir, "enrol", name), { recursive: true });
    for (const index of indices) {
      await Deno.copyFile(
        lfw(name, index),
        join(dir, "enrol", name, `${index}.jpg`),
      );
    }
  }
  return dir;
}

/** Reads a child's stream line by line, calling `onLine` for each. */
export async function eachLine(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    parts.forEach(onLine);
  }
  if (rest) onLine(rest);
}
