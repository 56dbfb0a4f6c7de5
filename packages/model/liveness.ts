/**
 * A passive liveness check: does a detected face look like a live person
 * in front of the camera (a bona fide presentation), or like a photo of a
 * face held up to it (an attack presentation: a print, a screen)?
 *
 * It looks at one photo, with no movement and no depth: **a deterrent, not
 * proof**. It catches the artefacts of cheap attacks (a screen's pixel
 * grid and bezel, a print's paper and flat colours) and misses good
 * replays and 3-D masks; see the package README for what was measured.
 *
 * @module
 */

import type { Box, ChannelOrder, ImageSource, RgbImage } from "@facever/core";
import { LIVENESS_URL, LIVENESS_WASM_URL } from "@facever/weights";
import type { Backend } from "./types.ts";
import { OnnxModel, resolveBackend } from "./runner.ts";
import { loadBundledWasm } from "./_bundled.ts";
import { checkLivenessThreshold } from "./_liveness_threshold.ts";
import {
  LIVENESS_INPUT_SIZE,
  softmax,
  writeLivenessInput,
} from "./_liveness_crop.ts";

/**
 * The verdict on one face.
 *
 * @example
 * ```ts
 * import type { Liveness } from "@facever/model";
 * const liveness: Liveness = { score: 0.97, live: true };
 * console.log(liveness.live);
 * ```
 */
export interface Liveness {
  /**
   * The net's probability that the face is a bona fide presentation, in
   * [0, 1].
   */
  readonly score: number;
  /** Whether `score` reaches the threshold. */
  readonly live: boolean;
}

/**
 * Default liveness threshold, 0.079: the highest that keeps 95 % of the
 * bona fide photos of the development set (the 1,355 LFW View 1 images
 * outside View 2) live, rounded down. A convenience-first point for a
 * deterrent: measured by `deno task bench:liveness`, it refuses a few per
 * cent of held-out LFW photos and lets through a few per cent of the
 * synthetic screen and print attacks (`bench/README.md` has the figures
 * and the curve; a higher threshold refuses more of both).
 *
 * @example
 * ```ts
 * import { DEFAULT_LIVENESS_THRESHOLD } from "@facever/model";
 * console.log(DEFAULT_LIVENESS_THRESHOLD); // 0.079
 * ```
 */
export const DEFAULT_LIVENESS_THRESHOLD = 0.079;

/**
 * The channel order the liveness net was trained on: BGR, as measured
 * (the npm package's code feeds RGB; see the package README).
 */
const CHANNEL_ORDER: ChannelOrder = "bgr";
/** Faces per net call, to bound the input tensor. */
const BATCH = 8;

/**
 * Options for {@linkcode LivenessChecker.load}.
 *
 * @example
 * ```ts
 * import type { LivenessOptions } from "@facever/model";
 * // Stricter than the default: more attacks refused, more people too.
 * const options: LivenessOptions = { threshold: 0.9 };
 * console.log(options.threshold);
 * ```
 */
export interface LivenessOptions {
  /**
   * Score at or above which a face is called live, in [0, 1]. Default
   * {@linkcode DEFAULT_LIVENESS_THRESHOLD}.
   */
  readonly threshold?: number;
  /** Which runtime runs the net (see {@linkcode Backend}); default `"auto"`. */
  readonly backend?: Backend;
  /** Threads per inference call on the native backend (see `RunnerOptions`). */
  readonly threads?: number;
}

/**
 * Scores detected faces with the bundled liveness net: on the wasm
 * backend its build compiled to wasm SIMD (`weights/face_liveness.wasm`),
 * elsewhere, or where the runtime lacks relaxed SIMD,
 * `weights/face_liveness.onnx`.
 *
 * @example
 * ```ts
 * import { decodeImage } from "@facever/core";
 * import { FaceDetector, LivenessChecker } from "@facever/model";
 * const detector = await FaceDetector.load();
 * const checker = await LivenessChecker.load();
 * const image = await decodeImage(await Deno.readFile("portrait.jpg"));
 * const faces = await detector.detectFaces(image, { maxFaces: 1 });
 * const [liveness] = await checker.check(image, faces.map((face) => face.box));
 * console.log(liveness?.score, liveness?.live);
 * ```
 */
export class LivenessChecker {
  readonly #net: Pick<OnnxModel, "outputNames" | "run">;

  /** Score at or above which a face is live. */
  readonly threshold: number;

  private constructor(
    net: Pick<OnnxModel, "outputNames" | "run">,
    threshold: number,
  ) {
    this.#net = net;
    this.threshold = threshold;
  }

  /**
   * Loads the net (once per process and backend).
   *
   * @throws {RangeError} When `threshold` is not in [0, 1], or `backend`
   * or `threads` is invalid.
   * @throws {FaceError} `model_load_failed` when the net cannot be loaded.
   *
   * @example
   * ```ts
   * import { LivenessChecker } from "@facever/model";
   * const checker = await LivenessChecker.load({ backend: "wasm" });
   * console.log(checker.threshold);
   * ```
   */
  static async load(options: LivenessOptions = {}): Promise<LivenessChecker> {
    const threshold = options.threshold ?? DEFAULT_LIVENESS_THRESHOLD;
    checkLivenessThreshold(threshold);
    const backend = await resolveBackend(options.backend);
    const compiled = backend === "wasm"
      ? await loadBundledWasm(LIVENESS_WASM_URL)
      : undefined;
    const net = compiled ??
      await OnnxModel.load(LIVENESS_URL, { backend, threads: options.threads });
    return new LivenessChecker(net, threshold);
  }

  /**
   * The verdict on each face of `image` whose box is given (as the
   * detector found it), in order. The net sees 2.7 times the box around
   * its centre, so the frame, a bezel or a paper edge around the face
   * counts: pass the image the face was found in, not a crop of it.
   *
   * @example
   * ```ts
   * import { LivenessChecker } from "@facever/model";
   * const checker = await LivenessChecker.load();
   * const image = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };
   * const [grey] = await checker.check(image, [{ x: 16, y: 16, width: 32, height: 32 }]);
   * console.log(grey.score >= 0 && grey.score <= 1); // true
   * ```
   */
  async check(
    image: RgbImage | ImageSource,
    boxes: readonly Box[],
  ): Promise<Liveness[]> {
    const size = 3 * LIVENESS_INPUT_SIZE * LIVENESS_INPUT_SIZE;
    const verdicts: Liveness[] = [];
    for (let start = 0; start < boxes.length; start += BATCH) {
      const batch = boxes.slice(start, start + BATCH);
      const input = new Float32Array(batch.length * size);
      batch.forEach((box, i) =>
        writeLivenessInput(image, box, CHANNEL_ORDER, input, i * size)
      );
      const outputs = await this.#net.run({
        input: {
          data: input,
          dims: [batch.length, 3, LIVENESS_INPUT_SIZE, LIVENESS_INPUT_SIZE],
        },
      });
      const logits = outputs[this.#net.outputNames[0]].data;
      const classes = logits.length / batch.length;
      for (let i = 0; i < batch.length; i++) {
        // Class 0 is the bona fide one.
        const [score] = softmax(logits, i * classes, classes);
        verdicts.push({ score, live: score >= this.threshold });
      }
    }
    return verdicts;
  }
}
