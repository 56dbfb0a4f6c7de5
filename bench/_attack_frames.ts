/**
 * Synthetic attack frames made on worker threads (`_attack_worker.ts`),
 * as JPEG bytes: making one takes about 0.4 s, so a benchmark makes them
 * beside the models that score them.
 *
 * @module
 */

import encode from "@jsquash/jpeg/encode.js";
import type { RgbImage } from "@facever/core";
import type { AttackKind } from "./_attacks.ts";

/**
 * What a worker is asked to make.
 *
 * @example
 * ```ts
 * import type { FrameRequest } from "./_attack_frames.ts";
 * const request: FrameRequest = { id: 0, path: "a.jpg", kind: "print", seed: 1 };
 * console.log(request.kind);
 * ```
 */
export interface FrameRequest {
  readonly id: number;
  readonly path: string;
  readonly kind: AttackKind;
  readonly seed: number;
}

type FrameReply = { id: number; bytes: Uint8Array } | {
  id: number;
  error: string;
};

/**
 * Encodes an image as a baseline JPEG of the given quality (mozjpeg).
 *
 * @example
 * ```ts
 * import { encodeJpeg } from "./_attack_frames.ts";
 * const bytes = await encodeJpeg({ width: 8, height: 8, data: new Uint8Array(192) }, 90);
 * console.log(bytes[0] === 0xff && bytes[1] === 0xd8); // true
 * ```
 */
export async function encodeJpeg(
  image: RgbImage,
  quality: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i];
    rgba[j + 1] = image.data[i + 1];
    rgba[j + 2] = image.data[i + 2];
    rgba[j + 3] = 255;
  }
  const data = {
    width: image.width,
    height: image.height,
    data: rgba,
    colorSpace: "srgb",
  } as ImageData;
  return new Uint8Array(await encode(data, { quality }));
}

/**
 * A few workers making attack frames; close it when done.
 *
 * @example
 * ```ts
 * import { AttackFrames } from "./_attack_frames.ts";
 * import { lfwImagePath, lfwRoot } from "@facever/testing";
 * await using frames = AttackFrames.start(1);
 * const path = lfwImagePath(lfwRoot()!, "Aaron_Peirsol", 1);
 * const jpeg = await frames.make(path, "print", 1);
 * console.log(jpeg.length > 0); // true
 * ```
 */
export class AttackFrames implements AsyncDisposable {
  readonly #workers: Worker[];
  readonly #busy: number[];
  readonly #waiting = new Map<
    number,
    {
      worker: number;
      resolve: (bytes: Uint8Array) => void;
      reject: (error: Error) => void;
    }
  >();
  #next = 0;

  private constructor(count: number) {
    this.#workers = Array.from({ length: count }, (_, index) => {
      const worker = new Worker(
        new URL("./_attack_worker.ts", import.meta.url),
        { type: "module" },
      );
      worker.onmessage = (event: MessageEvent<FrameReply>) =>
        this.#settle(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        for (const [id, call] of this.#waiting) {
          if (call.worker !== index) continue;
          this.#waiting.delete(id);
          call.reject(new Error(`attack worker failed: ${event.message}`));
        }
      };
      return worker;
    });
    this.#busy = this.#workers.map(() => 0);
  }

  /** Starts `count` workers. */
  static start(count: number): AttackFrames {
    return new AttackFrames(count);
  }

  /** The JPEG of the attack of `kind` with `seed` made from the photo at `path`. */
  make(path: string, kind: AttackKind, seed: number): Promise<Uint8Array> {
    const worker = this.#busy.indexOf(Math.min(...this.#busy));
    const id = this.#next++;
    this.#busy[worker]++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { worker, resolve, reject });
      const request: FrameRequest = { id, path, kind, seed };
      this.#workers[worker].postMessage(request);
    });
  }

  /** Ends the workers. */
  [Symbol.asyncDispose](): Promise<void> {
    for (const worker of this.#workers) worker.terminate();
    return Promise.resolve();
  }

  #settle(reply: FrameReply): void {
    const call = this.#waiting.get(reply.id);
    if (!call) return;
    this.#waiting.delete(reply.id);
    this.#busy[call.worker]--;
    if ("bytes" in reply) call.resolve(reply.bytes);
    else call.reject(new Error(reply.error));
  }
}
