/// <reference lib="dom" />
/**
 * The kiosk page in the browser: the detector and landmark net run here,
 * compiled to wasm SIMD and fetched from the kiosk's own server, on every
 * camera frame, so that the guidance keeps up with the camera; only the
 * frames that pass the enrolment gates go to the server, which embeds them
 * to enrol or identify. `deno task build:page` bundles this module and
 * what it imports into `_bundle.js`.
 *
 * @module
 */

import { FaceDetector } from "@facever/model";
import { analyzeFrame } from "./_analysis.ts";
import { KioskApi } from "./_api.ts";
import { FrameGrabber, startCamera } from "./_camera.ts";
import { Kiosk, type KioskView } from "./_kiosk.ts";
import { drawCrop, drawFaces } from "./_overlay.ts";

const element = <T extends HTMLElement>(id: string): T =>
  document.getElementById(id) as T;

const video = element<HTMLVideoElement>("video");
const overlay = element<HTMLCanvasElement>("overlay");
const guidance = element<HTMLOutputElement>("guidance");
const crop = element<HTMLCanvasElement>("crop");
const identityName = element<HTMLParagraphElement>("identity-name");
const identitySimilarity = element<HTMLParagraphElement>("identity-similarity");
const enrolForm = element<HTMLFormElement>("enrol-form");
const enrolName = element<HTMLInputElement>("enrol-name");
const enrolStatus = element<HTMLParagraphElement>("enrol-status");
const errorLine = element<HTMLParagraphElement>("error");
const challengeButton = element<HTMLButtonElement>("challenge-button");
const challengeStatus = element<HTMLParagraphElement>("challenge-status");

let shownCrop: KioskView["identity"] | undefined;

function render(view: KioskView): void {
  document.body.dataset.mode = view.mode;
  guidance.textContent = view.guidance.text;
  guidance.dataset.tone = view.guidance.tone;
  const { identity, enrolment } = view;
  if (identity !== shownCrop) {
    if (identity) {
      drawCrop(crop, identity.crop);
    } else {
      crop.getContext("2d")!.clearRect(0, 0, crop.width, crop.height);
    }
    shownCrop = identity;
  }
  identityName.textContent = identity ? identity.name ?? "Unknown" : "";
  identitySimilarity.textContent = !identity
    ? ""
    : identity.similarity === null
    ? `nobody enrolled reaches ${identity.threshold.toFixed(3)}`
    : `similarity ${identity.similarity.toFixed(3)} (at least ${
      identity.threshold.toFixed(3)
    })`;
  enrolStatus.textContent = enrolment
    ? `${enrolment.note} (${enrolment.accepted} of ${enrolment.target})`
    : "";
  errorLine.textContent = view.error ?? "";
  challengeStatus.textContent = view.challenge?.text ?? "";
  challengeStatus.dataset.state = view.challenge?.state ?? "";
}

async function start(): Promise<void> {
  const [detector] = await Promise.all([
    FaceDetector.load({ backend: "wasm" }),
    startCamera(video),
  ]);
  // ?liveness=off turns the passive check off, where it refuses too many
  // of the people in front of this camera.
  const liveness = new URLSearchParams(location.search).get("liveness");
  const kiosk = new Kiosk(
    new KioskApi(undefined, { liveness: liveness !== "off" }),
  );
  kiosk.onChange = () => render(kiosk.view);
  enrolForm.addEventListener("submit", (event) => {
    event.preventDefault();
    kiosk.enrol(enrolName.value);
    enrolName.value = "";
  });
  challengeButton.addEventListener("click", () => kiosk.startChallenge());
  const grabber = new FrameGrabber();
  let updates = 0;
  // Once per new camera frame; a frame that arrives while one is being
  // analysed waits for the next callback, so the page never falls behind.
  const onFrame = async (
    _now: number,
    { presentedFrames }: VideoFrameCallbackMetadata,
  ) => {
    try {
      const analysis = await analyzeFrame(detector, grabber.grab(video));
      kiosk.frame(analysis, () => grabber.encode());
      drawFaces(overlay, analysis, kiosk.view.guidance.tone);
      // What the browser test reads to measure the guidance's rate.
      guidance.dataset.updates = String(++updates);
      guidance.dataset.frames = String(presentedFrames);
    } catch (error) {
      errorLine.textContent = `frame analysis failed: ${
        (error as Error).message
      }`;
    } finally {
      video.requestVideoFrameCallback(onFrame);
    }
  };
  video.requestVideoFrameCallback(onFrame);
  document.body.dataset.ready = "true";
  render(kiosk.view);
}

start().catch((error: Error) => {
  // getUserMedia fails with a DOMException (no camera, no permission);
  // anything else is the models not loading.
  guidance.textContent = error instanceof DOMException
    ? "The camera cannot start"
    : "The face detector cannot load";
  errorLine.textContent = `${error.name}: ${error.message}`;
});
