/**
 * A camera for browser tests: Chromium (Debian's, never downloaded)
 * started by playwright-core with a fake camera that plays a `.y4m` video,
 * made by ffmpeg for the run from frames the test composes.
 *
 * @module
 */

import fs from "node:fs";
import type { RgbImage } from "@facever/core";
import type { Browser } from "playwright-core";

/** Where Debian installs Chromium; `CHROMIUM` overrides it. */
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or `undefined` when they can:
 * they need Chromium and ffmpeg, which `.ci/run` installs with apt.
 *
 * @example
 * ```ts
 * import { missingTools } from "./_test_camera.ts";
 * console.log(await missingTools() ?? "Chromium and ffmpeg are here");
 * ```
 */
export async function missingTools(): Promise<string | undefined> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`;
  }
  try {
    await new Deno.Command("ffmpeg", { args: ["-version"], stdout: "null" })
      .output();
  } catch {
    return "no ffmpeg on PATH (apt-get install -y ffmpeg)";
  }
  return undefined;
}

/**
 * Writes a video at `fps` that shows each frame for `secondsEach`, as raw
 * YUV 4:2:0 in a `.y4m` file: the format of Chromium's fake camera, which
 * plays it at its frame rate, looping. Every frame must have the first
 * one's size.
 *
 * @throws {RangeError} When the frames differ in size.
 * @throws {Error} When ffmpeg fails, with its message.
 *
 * @example
 * ```ts ignore
 * import { writeCameraVideo } from "./_test_camera.ts";
 * import { cameraFrame } from "./_test_frames.ts";
 * await writeCameraVideo([cameraFrame()], "/tmp/empty.y4m");
 * ```
 */
export async function writeCameraVideo(
  frames: readonly RgbImage[],
  output: string,
  { fps = 30, secondsEach = 1 } = {},
): Promise<void> {
  const [{ width, height }] = frames;
  if (
    frames.some((frame) => frame.width !== width || frame.height !== height)
  ) {
    throw new RangeError(`every frame must be ${width}x${height}`);
  }
  const ffmpeg = new Deno.Command("ffmpeg", {
    args: [
      ...["-loglevel", "error", "-y"],
      ...["-f", "rawvideo", "-pix_fmt", "rgb24"],
      ...["-video_size", `${width}x${height}`, "-framerate", String(fps)],
      ...["-i", "-", "-pix_fmt", "yuv420p"],
      output,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = ffmpeg.stdin.getWriter();
  const repeats = Math.round(fps * secondsEach);
  // A write fails when ffmpeg stops early; its own message says why.
  let failed: unknown;
  try {
    for (const frame of frames) {
      for (let i = 0; i < repeats; i++) await writer.write(frame.data);
    }
    await writer.close();
  } catch (error) {
    failed = error;
  }
  const { code, stderr } = await ffmpeg.output();
  if (code !== 0) {
    throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
  }
  if (failed) throw failed;
}

let playwright: Promise<typeof import("playwright-core")> | undefined;

/**
 * playwright-core, loaded once. As it loads it asks whether it runs under
 * WSL by testing for a file under `/proc/sys`, which Deno lets only
 * `--allow-all` read: the tests' permissions would refuse it, and the
 * whole module with it. That one probe answers "no" (these tests run
 * headless Chromium on Linux); every other path is asked for real.
 */
function loadPlaywright(): Promise<typeof import("playwright-core")> {
  playwright ??= (() => {
    const exists = fs.existsSync;
    fs.existsSync = (path) =>
      String(path).startsWith("/proc/sys/") ? false : exists(path);
    return import("playwright-core");
  })();
  return playwright;
}

/**
 * Starts headless Chromium whose camera plays `video` (a `.y4m`) and whose
 * camera permission is granted.
 *
 * @example
 * ```ts ignore
 * import { launchWithCamera } from "./_test_camera.ts";
 * const browser = await launchWithCamera("/tmp/camera.y4m");
 * await browser.close();
 * ```
 */
export async function launchWithCamera(video: string): Promise<Browser> {
  const { chromium } = await loadPlaywright();
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
