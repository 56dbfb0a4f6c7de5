/**
 * A camera for browser tests: Chromium (Debian's, never downloaded)
 * started by playwright-core with a fake camera that plays a `.y4m` video,
 * made by ffmpeg from photos for the run, in a temporary folder.
 *
 * @module
 */

import fs from "node:fs";
import { join } from "node:path";
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
 * Writes a 640×480 video at `fps` that shows each photo for
 * `secondsEach`, enlarged to the frame's height (as a person an arm's
 * length from a kiosk's camera) and centred, as raw YUV 4:2:0 in a
 * `.y4m` file: the format of Chromium's fake camera, which plays it at its
 * frame rate, looping.
 *
 * @throws {Error} When ffmpeg fails, with its message.
 *
 * @example
 * ```ts ignore
 * import { writeCameraVideo } from "./_test_camera.ts";
 * await writeCameraVideo(["a.jpg", "b.jpg"], "/tmp/camera.y4m");
 * ```
 */
export async function writeCameraVideo(
  photos: readonly string[],
  output: string,
  { fps = 30, secondsEach = 1 } = {},
): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "camera_frames_" });
  try {
    // ffmpeg's image sequence input wants numbered names.
    for (const [i, photo] of photos.entries()) {
      await Deno.copyFile(
        photo,
        join(folder, `${String(i).padStart(3, "0")}.jpg`),
      );
    }
    const { code, stderr } = await new Deno.Command("ffmpeg", {
      args: [
        ...["-loglevel", "error", "-y"],
        ...["-framerate", String(1 / secondsEach)],
        ...["-i", join(folder, "%03d.jpg")],
        ...["-vf", "scale=-2:480,pad=640:480:(ow-iw)/2:0,format=yuv420p"],
        ...["-r", String(fps)],
        output,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
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
