/**
 * MobileFaceNet embeddings of aligned 112×112 faces.
 *
 * @module
 */

import {
  type ChannelOrder,
  facesToTensor,
  l2Normalize,
  type RgbImage,
} from "@facever/core";
import type { Backend, ModelSource } from "./types.ts";
import { OnnxModel, resolveBackend } from "./runner.ts";
import { loadBundledWasm } from "./_bundled.ts";
import { EMBEDDER_URL, EMBEDDER_WASM_URL } from "@facever/weights";

/** Side of the square face the embedding net takes, in pixels. */
export const FACE_SIZE = 112;

/**
 * Channel order the bundled MobileFaceNet was trained on. Measured on LFW
 * View 1 (see the README): BGR scores higher than RGB with identical crops.
 */
export const DEFAULT_CHANNEL_ORDER: ChannelOrder = "bgr";

/** Options for {@linkcode FaceEmbedder.load}. */
export interface FaceEmbedderOptions {
  /**
   * The ONNX model. By default the bundled MobileFaceNet: on the wasm
   * backend its build compiled to wasm SIMD (`weights/mobilefacenet.wasm`,
   * under half the time of onnxruntime-web, same embeddings within 1e-5),
   * elsewhere, or where the runtime lacks relaxed SIMD,
   * `weights/mobilefacenet.onnx`.
   */
  readonly model?: ModelSource;
  /** Channel order the model expects; default {@linkcode DEFAULT_CHANNEL_ORDER}. */
  readonly channelOrder?: ChannelOrder;
  /** Which ONNX Runtime runs the model (see {@linkcode Backend}); default `"auto"`. */
  readonly backend?: Backend;
  /** Threads per inference call (see {@linkcode RunnerOptions}). */
  readonly threads?: number;
  /** Faces per inference call; larger batches amortise per-call overhead. Default 8. */
  readonly batchSize?: number;
  /**
   * Also embed each face mirrored left to right and return the normalised
   * mean of both outputs: a second inference per face (a batch of
   * `batchSize` faces runs as `2 * batchSize` images) for an embedding that
   * does not depend on which side of the face the camera saw more of. LFW
   * accuracy with and without it is in `bench/README.md`. Default false.
   */
  readonly mirror?: boolean;
}

/**
 * Maps aligned faces to unit-length MobileFaceNet embeddings.
 *
 * @example
 * ```ts
 * import { FaceEmbedder } from "@facever/model";
 * const embedder = await FaceEmbedder.load();
 * const gray = { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3).fill(128) };
 * const [embedding] = await embedder.embed([gray]);
 * console.log(embedding.length); // 512
 * ```
 */
export class FaceEmbedder {
  readonly #model: EmbeddingNet;
  readonly #channelOrder: ChannelOrder;
  readonly #batchSize: number;
  readonly #mirror: boolean;

  private constructor(
    model: EmbeddingNet,
    channelOrder: ChannelOrder,
    batchSize: number,
    mirror: boolean,
  ) {
    this.#model = model;
    this.#channelOrder = channelOrder;
    this.#batchSize = batchSize;
    this.#mirror = mirror;
  }

  /** Loads the embedding model (once per process for a given source). */
  static async load(options: FaceEmbedderOptions = {}): Promise<FaceEmbedder> {
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `batchSize must be a whole number of at least 1, got ${batchSize}`,
      );
    }
    return new FaceEmbedder(
      await loadNet(options),
      options.channelOrder ?? DEFAULT_CHANNEL_ORDER,
      batchSize,
      options.mirror ?? false,
    );
  }

  /**
   * Embeds aligned faces (each {@linkcode FACE_SIZE} square, as made by
   * `alignFace`) and returns one unit-length Float32Array per face, in order.
   */
  async embed(faces: readonly RgbImage[]): Promise<Float32Array[]> {
    for (const [index, face] of faces.entries()) {
      if (face.width !== FACE_SIZE || face.height !== FACE_SIZE) {
        throw new RangeError(
          `face ${index} is ${face.width}x${face.height}; embed takes aligned ${FACE_SIZE}x${FACE_SIZE} faces`,
        );
      }
    }
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < faces.length; start += this.#batchSize) {
      const batch = faces.slice(start, start + this.#batchSize);
      const images = this.#mirror ? [...batch, ...batch.map(mirror)] : batch;
      const data = facesToTensor(images, { channelOrder: this.#channelOrder });
      const outputs = await this.#model.run({
        input: { data, dims: [images.length, 3, FACE_SIZE, FACE_SIZE] },
      });
      const output = outputs[this.#model.outputNames[0]].data;
      const size = output.length / images.length;
      for (let i = 0; i < batch.length; i++) {
        const embedding = output.subarray(i * size, (i + 1) * size);
        if (this.#mirror) {
          // The mirror of face i is image i + batch.length; the sum has the
          // direction of the mean.
          const mirrored = (i + batch.length) * size;
          for (let k = 0; k < size; k++) embedding[k] += output[mirrored + k];
        }
        embeddings.push(l2Normalize(embedding));
      }
    }
    return embeddings;
  }
}

/** What the embedder needs of a model: an onnxruntime session or the compiled net. */
type EmbeddingNet = Pick<OnnxModel, "outputNames" | "run">;

async function loadNet(options: FaceEmbedderOptions): Promise<EmbeddingNet> {
  if (
    options.model === undefined &&
    await resolveBackend(options.backend) === "wasm"
  ) {
    const net = await loadBundledWasm(EMBEDDER_WASM_URL);
    if (net) return net;
  }
  return await OnnxModel.load(options.model ?? EMBEDDER_URL, {
    backend: options.backend,
    threads: options.threads,
  });
}

/** The face flipped left to right. */
function mirror(face: RgbImage): RgbImage {
  const { width, height, data } = face;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3, to = row + (width - 1 - x) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { width, height, data: out };
}
