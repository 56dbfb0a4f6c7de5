/**
 * Whether each eye of a face is open: for an active liveness challenge
 * ("blink"), which compares the openness of the same face across frames.
 *
 * @module
 */

import type { ImageSource, Point, RgbImage } from "@facever/core";
import { EYE_STATE_URL, EYE_STATE_WASM_URL } from "@facever/weights";
import type { Backend } from "./types.ts";
import { OnnxModel, resolveBackend } from "./runner.ts";
import { loadBundledWasm } from "./_bundled.ts";
import { EYE_INPUT_SIZE, eyeRegions, writeEyeInput } from "./_eye_crop.ts";
import { softmax } from "./_liveness_crop.ts";

/**
 * How open each eye is: the net's probability that the eye is open, in
 * [0, 1]. `left` is the eye on the image's left (the person's right eye).
 *
 * @example
 * ```ts
 * import type { EyeOpenness } from "@facever/model";
 * const eyes: EyeOpenness = { left: 0.98, right: 0.04 };
 * console.log(eyes.left > 0.5 && eyes.right < 0.5); // a wink
 * ```
 */
export interface EyeOpenness {
  readonly left: number;
  readonly right: number;
}

/**
 * Options for {@linkcode EyeState.load}.
 *
 * @example
 * ```ts
 * import type { EyeStateOptions } from "@facever/model";
 * const options: EyeStateOptions = { backend: "wasm" };
 * console.log(options.backend);
 * ```
 */
export interface EyeStateOptions {
  /** Which runtime runs the net (see {@linkcode Backend}); default `"auto"`. */
  readonly backend?: Backend;
}

/**
 * The bundled eye net (open or closed, from a 24×24 grey crop of one eye):
 * compiled to wasm SIMD on the wasm backend, the ONNX file elsewhere.
 *
 * It answers for eyes that look open or shut; narrowed eyes (squinting,
 * looking down, some behind glasses) score low too, so a blink is better
 * told by a drop and a rise of the same face's openness across frames
 * than by one value.
 *
 * @example
 * ```ts
 * import { decodeImage } from "@facever/core";
 * import { EyeState, FaceDetector } from "@facever/model";
 * const detector = await FaceDetector.load();
 * const eyes = await EyeState.load();
 * const image = await decodeImage(await Deno.readFile("portrait.jpg"));
 * const [face] = await detector.detectFaces(image, { maxFaces: 1 });
 * console.log(await eyes.openness(image, face.landmarks));
 * ```
 */
export class EyeState {
  readonly #net: Pick<OnnxModel, "outputNames" | "run">;

  private constructor(net: Pick<OnnxModel, "outputNames" | "run">) {
    this.#net = net;
  }

  /**
   * Loads the net (once per process and backend).
   *
   * @throws {FaceError} `model_load_failed` when the net cannot be loaded.
   * @throws {RangeError} When `backend` is invalid.
   *
   * @example
   * ```ts
   * import { EyeState } from "@facever/model";
   * const eyes = await EyeState.load({ backend: "wasm" });
   * ```
   */
  static async load(options: EyeStateOptions = {}): Promise<EyeState> {
    const backend = await resolveBackend(options.backend);
    const compiled = backend === "wasm"
      ? await loadBundledWasm(EYE_STATE_WASM_URL)
      : undefined;
    return new EyeState(
      compiled ?? await OnnxModel.load(EYE_STATE_URL, { backend }),
    );
  }

  /**
   * How open the two eyes of one face are, from its five landmarks (as
   * `DetectedFace.landmarks` gives them): each eye's square, 0.62 eye
   * distances wide, as the package crops it.
   *
   * @throws {RangeError} Without five finite landmarks, or with both eye
   * points at one place.
   *
   * @example
   * ```ts
   * import { EyeState } from "@facever/model";
   * const eyes = await EyeState.load();
   * const image = { width: 100, height: 100, data: new Uint8Array(30000).fill(120) };
   * const landmarks = [
   *   { x: 35, y: 40 }, { x: 65, y: 40 }, { x: 50, y: 55 },
   *   { x: 38, y: 70 }, { x: 62, y: 70 },
   * ];
   * const { left, right } = await eyes.openness(image, landmarks);
   * console.log(left >= 0 && right <= 1); // true
   * ```
   */
  async openness(
    image: RgbImage | ImageSource,
    landmarks: readonly Point[],
  ): Promise<EyeOpenness> {
    const size = EYE_INPUT_SIZE * EYE_INPUT_SIZE;
    const input = new Float32Array(2 * size);
    eyeRegions(image, landmarks).forEach((region, i) =>
      writeEyeInput(image, region, input, i * size)
    );
    const outputs = await this.#net.run({
      input: { data: input, dims: [2, 1, EYE_INPUT_SIZE, EYE_INPUT_SIZE] },
    });
    const logits = outputs[this.#net.outputNames[0]].data;
    // Class 1 is open.
    return { left: softmax(logits, 0, 2)[1], right: softmax(logits, 2, 2)[1] };
  }
}
