import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { decodeImage, type RgbImage } from "@facever/core";
import type { ChallengeStep } from "@facever/gallery";
import {
  CHALLENGE_SLIDESHOW,
  filmedPhoto,
  LFW_MISSING,
  lfwRoot,
  movedPhoto,
  photoInFrame,
} from "@facever/testing";
import { base64, photo, testApp } from "./_test_app.ts";

const root = lfwRoot();
if (!root) {
  console.log(`skipping the liveness challenge on LFW: ${LFW_MISSING}`);
}

type App = Awaited<ReturnType<typeof testApp>>;

/** The frame size of the attacks: a small camera, to keep bodies small. */
const FRAME = { width: 480, height: 360 };

function toJpeg(image: RgbImage): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    rgba.set(image.data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return jpeg.encode({ ...image, data: rgba }, 92).data;
}

async function issue(app: App, key = app.acme) {
  const response = await app.app.request("/v1/liveness/challenges", {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(response.status, 201);
  return await response.json() as {
    id: string;
    steps: ChallengeStep[];
    expiresAt: string;
    minDurationMs: number;
  };
}

/** Answers as multipart files "frame", in order. */
function answer(
  app: App,
  id: string,
  frames: readonly Uint8Array[],
  key = app.acme,
) {
  const form = new FormData();
  for (const frame of frames) {
    form.append("frame", new File([frame.slice()], "frame.jpg"));
  }
  return app.app.request(`/v1/liveness/challenges/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
}

/** Answers as JSON `{"frames": [base64, …]}`. */
function answerJson(app: App, id: string, frames: readonly string[]) {
  return app.app.request(`/v1/liveness/challenges/${id}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${app.acme}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ frames }),
  });
}

/** George W. Bush's LFW photos doing `steps`, four frames each. */
async function slideshow(steps: readonly ChallengeStep[]) {
  const { open, closed, left, right } = CHALLENGE_SLIDESHOW;
  const frames: Record<ChallengeStep, number[]> = {
    blink: [open[0], closed[0], open[1], closed[1]],
    turn_left: [...left, open[2]],
    turn_right: [...right, open[2]],
  };
  return await Promise.all(
    steps.flatMap((step) => frames[step]).map((index) =>
      photo(CHALLENGE_SLIDESHOW.person, index)
    ),
  );
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test({
  name: "the active liveness challenge",
  ignore: !root,
  async fn(t) {
    using app = await testApp();
    const still = await decodeImage(await photo("George_W_Bush", 7));

    await t.step("issued: every move in random order, expiring", async () => {
      const challenge = await issue(app);
      assert.deepEqual([...challenge.steps].sort(), [
        "blink",
        "turn_left",
        "turn_right",
      ]);
      const expires = Date.parse(challenge.expiresAt) - Date.now();
      assert.ok(expires > 50_000 && expires <= 60_000, `${expires}`);
      assert.equal(challenge.minDurationMs, 1200);
      const anonymous = await app.app.request("/v1/liveness/challenges", {
        method: "POST",
      });
      assert.equal(anonymous.status, 401);
    });

    await t.step(
      "a slideshow of the person in the asked order passes; once",
      async () => {
        const challenge = await issue(app);
        const frames = await slideshow(challenge.steps);
        await wait(challenge.minDurationMs);
        const response = await answer(app, challenge.id, frames);
        assert.equal(response.status, 200);
        const verdict = await response.json();
        assert.equal(verdict.reason, null, verdict.message);
        assert.equal(verdict.passed, true);
        assert.deepEqual(
          verdict.steps.map((s: { step: string; passed: boolean }) => s.step),
          challenge.steps,
        );
        assert.ok(verdict.steps.every((s: { passed: boolean }) => s.passed));
        console.log(
          `slideshow: ${
            verdict.steps.map((s: { step: string; evidence: unknown }) =>
              `${s.step} ${JSON.stringify(s.evidence)}`
            ).join("; ")
          }`,
        );
        const again = await answer(app, challenge.id, frames);
        assert.equal(again.status, 410);
        const body = await again.json();
        assert.equal(body.error.code, "challenge_refused");
        assert.deepEqual(body.error.details, { reason: "used" });
      },
    );

    await t.step("the same slideshow in another order fails", async () => {
      const challenge = await issue(app);
      const wrong = [...challenge.steps].reverse();
      await wait(challenge.minDurationMs);
      const verdict = await (await answer(
        app,
        challenge.id,
        await slideshow(wrong),
      )).json();
      assert.equal(verdict.passed, false);
      assert.ok(challenge.steps.includes(verdict.reason), verdict.reason);
    });

    /** Sends `images` as the answer to a new challenge, in time. */
    const attack = async (images: readonly RgbImage[]) => {
      const challenge = await issue(app);
      await wait(challenge.minDurationMs);
      const response = await answer(app, challenge.id, images.map(toJpeg));
      assert.equal(response.status, 200);
      const verdict = await response.json();
      assert.equal(verdict.passed, false);
      // Not one move is seen, whatever else failed first.
      assert.deepEqual(
        verdict.steps.map((s: { passed: boolean }) => s.passed),
        [false, false, false],
      );
      return verdict;
    };

    await t.step("a still photo fails", async () => {
      const frame = photoInFrame(still, FRAME, {
        x: 240,
        y: 180,
        scale: 1.2,
        turn: 0,
        tilt: 0,
      });
      const verdict = await attack(Array(12).fill(frame));
      assert.equal(verdict.passed, false);
      console.log(`still photo: ${verdict.reason}: ${verdict.message}`);
    });

    await t.step(
      "a photo panned, zoomed, tilted and turned fails",
      async () => {
        const frames = movedPhoto(FRAME, still.width, 12).map((placement) =>
          photoInFrame(still, FRAME, placement)
        );
        const verdict = await attack(frames);
        assert.equal(verdict.passed, false);
        // A flat photo turned about its vertical axis keeps its landmarks'
        // ratios: the yaw hardly moves while the photo turns up to 55°.
        const yaws = verdict.frames.flatMap((f: { yaw: number | null }) =>
          f.yaw === null ? [] : [f.yaw]
        );
        assert.ok(yaws.every((yaw: number) => Math.abs(yaw) < 20), `${yaws}`);
        console.log(
          `moved photo: ${verdict.reason}: ${verdict.message}; yaw ${
            Math.min(...yaws)
          } to ${Math.max(...yaws)}`,
        );
      },
    );

    await t.step("a video of a still photo fails", async () => {
      const frames = filmedPhoto(FRAME, still.width, 12, 5).map((
        { placement, flaws },
      ) => photoInFrame(still, FRAME, placement, flaws));
      const verdict = await attack(frames);
      assert.equal(verdict.passed, false);
      console.log(`filmed photo: ${verdict.reason}: ${verdict.message}`);
    });

    await t.step("an answer too soon fails", async () => {
      const challenge = await issue(app);
      const verdict = await (await answer(
        app,
        challenge.id,
        await slideshow(challenge.steps),
      )).json();
      assert.equal(verdict.passed, false);
      assert.equal(verdict.reason, "timing");
    });

    await t.step(
      "two answers at once: one is judged, one refused",
      async () => {
        const challenge = await issue(app);
        const frames = await slideshow(challenge.steps);
        await wait(challenge.minDurationMs);
        const statuses = await Promise.all(
          [0, 1].map(async () =>
            (await answer(app, challenge.id, frames)).status
          ),
        );
        assert.deepEqual(statuses.sort(), [200, 410]);
      },
    );

    await t.step(
      "a burst of the wrong size is refused and not consumed",
      async () => {
        const challenge = await issue(app);
        const frames = await slideshow(challenge.steps);
        const short = await answer(app, challenge.id, frames.slice(0, 11));
        assert.equal(short.status, 400);
        assert.match((await short.json()).error.message, /the same number/);
        // The count is checked before a frame is read: 10 that are not
        // even base64 are refused for their number.
        const unread = await answerJson(
          app,
          challenge.id,
          Array(10).fill("not base64!"),
        );
        assert.equal(unread.status, 400);
        assert.match(
          (await unread.json()).error.message,
          /the same number for each; got 10$/,
        );
        await wait(challenge.minDurationMs);
        const json = await answerJson(app, challenge.id, frames.map(base64));
        assert.equal(json.status, 200);
        assert.equal((await json.json()).passed, true);
      },
    );

    await t.step(
      "another tenant's challenge, or none, is not found",
      async () => {
        const challenge = await issue(app);
        const frames = await slideshow(challenge.steps);
        for (
          const [id, key] of [[challenge.id, app.globex], ["nope", app.acme]]
        ) {
          const response = await answer(app, id, frames, key);
          assert.equal(response.status, 404);
          assert.equal((await response.json()).error.code, "not_found");
        }
      },
    );
  },
});

Deno.test({
  name: "a late answer is refused",
  ignore: !root,
  async fn() {
    using app = await testApp({ challengeTtlMs: 300 });
    const challenge = await issue(app);
    await wait(400);
    const response = await answer(
      app,
      challenge.id,
      await slideshow(challenge.steps),
    );
    assert.equal(response.status, 410);
    assert.deepEqual((await response.json()).error.details, {
      reason: "expired",
    });
  },
});
