/// <reference lib="dom" />
/**
 * Presentation attacks on the camera page in real Chromium, whose fake
 * camera plays a video made from one LFW photo: the photo held still, the
 * photo panned, zoomed, tilted and turned, and a shaky, noisy video of the
 * photo. Each must fail the liveness challenge the page runs; and a photo
 * that fails the passive check is not named, the guidance saying why.
 * Screenshots go to `.cache/kiosk_page/` (or `KIOSK_PAGE_OUT`).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage, type RgbImage } from "@facever/core";
import { createApp } from "@facever/edge";
import { FaceEngine } from "@facever/model";
import {
  filmedPhoto,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
  movedPhoto,
  photoInFrame,
} from "@facever/testing";
import { pageRoutes } from "./page/routes.ts";
import {
  launchWithCamera,
  missingTools,
  writeCameraVideo,
} from "./page/_test_camera.ts";
import { FRAME, portrait } from "./page/_test_frames.ts";

const root = lfwRoot();
const skip = root ? await missingTools() : LFW_MISSING;
if (skip) console.log(`skipping the challenge page in Chromium: ${skip}`);

const OUT = Deno.env.get("KIOSK_PAGE_OUT") ??
  fileURLToPath(new URL("../../.cache/kiosk_page", import.meta.url));

Deno.test({
  name:
    "the camera page in Chromium: photo attacks fail the liveness challenge",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kv = await Deno.openKv(":memory:");
    const engine = await FaceEngine.create({ backend: "wasm" });
    const app = createApp({
      engine,
      kv,
      loopbackTenant: "kiosk",
      log: () => {},
    });
    pageRoutes(app);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      app.fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const videos = await Deno.makeTempDir({ prefix: "kiosk_challenge_" });
    await Deno.mkdir(OUT, { recursive: true });
    const read = async (name: string, index: number) =>
      await decodeImage(await Deno.readFile(lfwImagePath(root!, name, index)));
    const video = async (name: string, frames: RgbImage[], fps = 30) => {
      const path = join(videos, name);
      await writeCameraVideo(frames, path, { fps, secondsEach: 1 / fps });
      return path;
    };

    /** Runs the challenge on the page with `camera`; its final status. */
    const challenge = async (camera: string, shot: string) => {
      const browser = await launchWithCamera(camera);
      try {
        const page = await browser.newPage({
          viewport: { width: 1000, height: 620 },
        });
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(`${error}`));
        page.on("response", (response) => {
          if (response.status() >= 400) {
            problems.push(`${response.status()}: ${response.url()}`);
          }
        });
        await page.goto(url);
        await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
        await page.waitForFunction(() =>
          Number(document.getElementById("guidance")!.dataset.updates) > 5
        );
        await page.click("#challenge-button");
        const moves = new Set<string>();
        for (const end = Date.now() + 60_000; Date.now() < end;) {
          // State and text read together: read apart, the page may move
          // from filming to judging ("Checking") between the two.
          const [state, text] = await page.evaluate(() => {
            const status = document.getElementById("challenge-status")!;
            return [status.dataset.state, status.textContent];
          });
          if (state === "filming") moves.add(text!);
          if (state === "passed" || state === "failed") break;
          await page.waitForTimeout(100);
        }
        const path = join(OUT, shot);
        await page.screenshot({ path });
        console.log(`screenshot: ${path}`);
        assert.deepEqual(problems, []);
        return {
          state: await page.getAttribute("#challenge-status", "data-state"),
          text: await page.textContent("#challenge-status"),
          moves: [...moves].sort(),
        };
      } finally {
        await browser.close();
      }
    };

    try {
      const still = await read("George_W_Bush", 7);
      const side = still.width;

      await t.step("a still photo fails", async () => {
        const result = await challenge(
          await video("still.y4m", [portrait(still)], 1),
          "kiosk_challenge_still.png",
        );
        console.log(`still photo: ${result.text}`);
        assert.equal(result.state, "failed");
        // The page asked for each move while it filmed.
        assert.deepEqual(result.moves, [
          "Blink",
          "Turn your head to your left",
          "Turn your head to your right",
        ]);
      });

      await t.step("a photo panned, zoomed and turned fails", async () => {
        const frames = movedPhoto(FRAME, side, 90).map((placement) =>
          photoInFrame(still, FRAME, placement)
        );
        const result = await challenge(
          await video("moved.y4m", frames),
          "kiosk_challenge_moved.png",
        );
        console.log(`moved photo: ${result.text}`);
        assert.equal(result.state, "failed");
      });

      await t.step("a video of a still photo fails", async () => {
        const frames = filmedPhoto(FRAME, side, 60, 11).map((
          { placement, flaws },
        ) => photoInFrame(still, FRAME, placement, flaws));
        const result = await challenge(
          await video("filmed.y4m", frames),
          "kiosk_challenge_filmed.png",
        );
        console.log(`video of a photo: ${result.text}`);
        assert.equal(result.state, "failed");
      });

      await t.step(
        "a face failing the passive check is not named",
        async () => {
          // Colin Powell's LFW photo 1, on a grey wall: passive score 0.03.
          const print = portrait(await read("Colin_Powell", 1));
          const browser = await launchWithCamera(
            await video("print.y4m", [print], 1),
          );
          try {
            const page = await browser.newPage({
              viewport: { width: 1000, height: 620 },
            });
            await page.goto(url);
            await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
            await page.waitForFunction(
              () =>
                document.getElementById("guidance")!.textContent ===
                  "Show your own face, not a photo or a screen",
              undefined,
              { timeout: 30_000 },
            );
            assert.equal(await page.textContent("#identity-name"), "");
            const path = join(OUT, "kiosk_page_spoof.png");
            await page.screenshot({ path });
            console.log(`screenshot: ${path}`);
          } finally {
            await browser.close();
          }
        },
      );
    } finally {
      await server.shutdown();
      kv.close();
      await Deno.remove(videos, { recursive: true });
    }
  },
});
