import assert from "node:assert/strict";
import { decodeImage, type RgbImage } from "@facever/core";
import { createApp } from "@facever/edge";
import { FaceDetector, FaceEngine } from "@facever/model";
import {
  encodePng,
  LFW_MISSING,
  lfwImagePath,
  lfwRoot,
} from "@facever/testing";
import { analyzeFrame, type FrameAnalysis } from "./_analysis.ts";
import { ApiFailure, type Fetch, KioskApi } from "./_api.ts";
import { Kiosk } from "./_kiosk.ts";
import { cameraFrame } from "./_test_frames.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the kiosk's enrolment flow: ${LFW_MISSING}`);

/** A camera frame of one LFW photo, enlarged as if near the camera. */
async function photoFrame(name: string, index: number): Promise<RgbImage> {
  const photo = await decodeImage(
    await Deno.readFile(lfwImagePath(root!, name, index)),
  );
  return cameraFrame({ image: photo, left: 100, top: 20, size: 440 });
}

function png(image: RgbImage): Blob {
  const bytes = encodePng({
    width: image.width,
    height: image.height,
    colorType: 2,
    bitDepth: 8,
    samples: image.data,
  });
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "image/png" });
}

const NO_FACE: FrameAnalysis = {
  width: 640,
  height: 480,
  faces: [],
  verdict: { reason: "no_face", message: "no face found in the photo" },
};

Deno.test({
  name: "the kiosk enrols from gated frames and identifies",
  ignore: !root,
  async fn(t) {
    const kv = await Deno.openKv(":memory:");
    const engine = await FaceEngine.create({ backend: "wasm" });
    const detector = await FaceDetector.load({ backend: "wasm" });
    const app = createApp({
      engine,
      kv,
      loopbackTenant: "kiosk",
      log: () => {},
    });
    const sent: string[] = [];
    // The page's requests come from the kiosk itself: a loopback address.
    const fetcher: Fetch = async (url, init) => {
      sent.push(`${init.method} ${url}`);
      return await app.request(url, init, {
        remoteAddr: { hostname: "127.0.0.1" },
      });
    };
    let clock = 0;
    // These photos are pasted on a grey wall, which the passive check
    // often takes for a print: it has its own test below.
    const kiosk = new Kiosk(new KioskApi(fetcher, { liveness: false }), {
      now: () => clock,
    });
    let changes = 0;
    kiosk.onChange = () => changes++;
    const show = async (image: RgbImage) => {
      clock += 1000;
      kiosk.frame(
        await analyzeFrame(detector, image),
        () => Promise.resolve(png(image)),
      );
      await kiosk.settled();
    };

    await t.step(
      "a frame without a face guides and sends nothing",
      async () => {
        kiosk.frame(NO_FACE, () => Promise.reject(new Error("not encoded")));
        await kiosk.settled();
        assert.equal(kiosk.view.guidance.text, "Step in front of the camera");
        assert.equal(kiosk.view.mode, "identify");
        assert.deepEqual(sent, []);
        assert.ok(changes > 0);
      },
    );

    await t.step("an empty name is not enrolled", async () => {
      await kiosk.enrol("   ");
      assert.equal(kiosk.view.error, "Type a name to enrol");
      assert.equal(kiosk.view.mode, "identify");
      assert.deepEqual(sent, []);
    });

    await t.step("enrolment keeps three faces and refuses a copy", async () => {
      await kiosk.enrol(" Aaron Peirsol ");
      assert.equal(kiosk.view.mode, "enrol");
      assert.equal(kiosk.view.enrolment?.name, "Aaron Peirsol");
      assert.equal(kiosk.view.enrolment?.note, "Enrolling Aaron Peirsol");
      assert.equal(kiosk.view.error, undefined);
      const first = await photoFrame("Aaron_Peirsol", 1);
      await show(first);
      assert.equal(kiosk.view.enrolment?.accepted, 1);
      assert.equal(kiosk.view.enrolment?.note, "Face 1 of 3 kept");
      await show(first);
      assert.equal(kiosk.view.enrolment?.accepted, 1);
      assert.equal(kiosk.view.enrolment?.note, "Turn your head a little");
      await show(await photoFrame("Aaron_Peirsol", 2));
      await show(await photoFrame("Aaron_Peirsol", 3));
      assert.equal(kiosk.view.enrolment?.accepted, 3);
      assert.equal(kiosk.view.enrolment?.done, true);
      assert.equal(kiosk.view.enrolment?.note, "Enrolled Aaron Peirsol");
      assert.equal(kiosk.view.mode, "identify");
      const faces = await (await fetcher(
        `/v1/subjects/${encodeURIComponent("Aaron Peirsol")}/faces`,
        { method: "GET" },
      )).json();
      assert.equal(faces.faces.length, 3);
      sent.length = 0;
    });

    await t.step(
      "an unseen photo of the enrolled person is named",
      async () => {
        await show(await photoFrame("Aaron_Peirsol", 4));
        assert.deepEqual(sent, [
          "POST /v1/identify?faces=largest&far=far-1e-3&liveness=false",
        ]);
        const identity = kiosk.view.identity;
        assert.equal(identity?.name, "Aaron Peirsol");
        assert.ok(identity.similarity! >= identity.threshold);
        assert.equal(identity.crop.width, 112);
        assert.equal(identity.crop.height, 112);
      },
    );

    await t.step("a stranger is unknown", async () => {
      await show(await photoFrame("Serena_Williams", 1));
      assert.equal(kiosk.view.identity?.name, null);
      assert.equal(kiosk.view.identity?.similarity, null);
    });

    await t.step("the name leaves the screen after its time", () => {
      clock += 2001;
      assert.equal(kiosk.view.identity, undefined);
    });

    await t.step(
      "frames faster than the interval share one request",
      async () => {
        sent.length = 0;
        const image = await photoFrame("Aaron_Peirsol", 4);
        const analysis = await analyzeFrame(detector, image);
        clock += 1000;
        kiosk.frame(analysis, () => Promise.resolve(png(image)));
        clock += 100;
        kiosk.frame(analysis, () => Promise.resolve(png(image)));
        await kiosk.settled();
        clock += 100;
        kiosk.frame(analysis, () => Promise.resolve(png(image)));
        await kiosk.settled();
        assert.equal(sent.length, 1);
      },
    );

    await t.step("enrolling an existing name adds to it", async () => {
      await kiosk.enrol("Aaron Peirsol");
      assert.equal(kiosk.view.enrolment?.note, "Adding faces to Aaron Peirsol");
      assert.equal(kiosk.view.enrolment?.accepted, 0);
    });

    await t.step(
      "a failure that is not a refusal ends the enrolment",
      async () => {
        await fetcher(`/v1/subjects/${encodeURIComponent("Aaron Peirsol")}`, {
          method: "DELETE",
        });
        await show(await photoFrame("Aaron_Peirsol", 4));
        assert.equal(kiosk.view.mode, "identify");
        assert.equal(kiosk.view.enrolment, undefined);
        assert.match(kiosk.view.error ?? "", /Aaron Peirsol/);
      },
    );

    kv.close();
  },
});

Deno.test("the API client reads the error envelope", async (t) => {
  const answer = (status: number, body: unknown) =>
    new KioskApi(() =>
      Promise.resolve(
        typeof body === "string"
          ? new Response(body, { status })
          : Response.json(body, { status }),
      )
    );
  const envelope = (code: string, details?: unknown) => ({
    error: { code, message: `it is ${code}`, details },
    requestId: "r",
  });

  await t.step("a subject that exists is added to", async () => {
    assert.equal(
      await answer(409, envelope("already_exists")).createSubject("ada"),
      false,
    );
  });

  await t.step("a refusal is an outcome, other failures throw", async () => {
    const refusal = { reason: "blurry", message: "blurred" };
    assert.deepEqual(
      await answer(422, envelope("enrolment_refused", refusal))
        .enrolFace("ada", new Blob()),
      { refusal },
    );
    await assert.rejects(
      answer(404, envelope("not_found")).enrolFace("ada", new Blob()),
      (error) =>
        error instanceof ApiFailure && error.status === 404 &&
        error.code === "not_found" && error.message === "it is not_found",
    );
  });

  await t.step("an answer that is not the API's envelope says so", async () => {
    await assert.rejects(
      answer(502, "Bad Gateway").identify(new Blob()),
      (error) =>
        error instanceof ApiFailure && error.code === "unexpected_answer" &&
        error.message === "HTTP 502: Bad Gateway",
    );
  });

  await t.step("no face found by the server is no identity", async () => {
    assert.equal(
      await answer(200, {
        threshold: 0.35,
        operatingPoint: "far-1e-3",
        results: [],
      })
        .identify(new Blob()),
      undefined,
    );
  });
});

Deno.test("the kiosk without a server", async (t) => {
  await t.step("options out of range are a RangeError", () => {
    const api = new KioskApi();
    assert.throws(() => new Kiosk(api, { enrolFaces: 0 }), RangeError);
    assert.throws(() => new Kiosk(api, { enrolFaces: 1.5 }), RangeError);
    assert.throws(() => new Kiosk(api, { requestIntervalMs: -1 }), RangeError);
    assert.throws(() => new Kiosk(api, { identityTtlMs: NaN }), RangeError);
  });

  await t.step("a name the server refuses is said, not enrolled", async () => {
    const kiosk = new Kiosk(
      new KioskApi(() =>
        Promise.resolve(Response.json({
          error: { code: "invalid_argument", message: "subject id is bad" },
          requestId: "r",
        }, { status: 400 }))
      ),
    );
    await kiosk.enrol("\u0007");
    assert.equal(kiosk.view.error, "subject id is bad");
    assert.equal(kiosk.view.mode, "identify");
    assert.equal(kiosk.view.enrolment, undefined);
  });
});
