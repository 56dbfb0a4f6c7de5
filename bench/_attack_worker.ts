// A worker that makes synthetic attack frames (see `_attacks.ts`) and
// encodes them as a camera would, JPEG quality 90, so that making them
// runs beside the FacePool that scores them. Started by `_attack_frames.ts`.

/// <reference lib="deno.worker" />

import { decodeImage } from "@facever/core";
import { synthesiseAttack } from "./_attacks.ts";
import { encodeJpeg } from "./_attack_frames.ts";
import type { FrameRequest } from "./_attack_frames.ts";

self.onmessage = async (event: MessageEvent<FrameRequest>) => {
  const { id, path, kind, seed } = event.data;
  try {
    const photo = await decodeImage(await Deno.readFile(path));
    const bytes = await encodeJpeg(synthesiseAttack(photo, kind, seed), 90);
    self.postMessage({ id, bytes }, [bytes.buffer]);
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
