/**
 * What the converter (`convert.ts`) makes of the npm package: the pinned
 * source, and for each model its file, the transforms it gets, the input
 * and outputs checked against its graph, and its WebAssembly builds. A new
 * model is a new entry of {@linkcode MODELS}.
 *
 * @module
 */

/** The npm package every model comes from, pinned to one tarball. */
export const SOURCE = {
  name: "faceplugin-face-recognition-js",
  version: "0.0.1",
  /** sha512 of the tarball, as `npm pack --json` and lockfiles report it. */
  integrity:
    "sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==",
  /** From the package's package.json. */
  licence: "MIT",
} as const;

/**
 * The channel order the embedder expects. BGR scored higher on LFW than the
 * RGB that the package's own code feeds; the pipeline owner may change it
 * after measuring, here and nowhere else.
 */
export const EMBEDDER_CHANNEL_ORDER: InputChannels = "bgr";

/**
 * The channel order the liveness net expects. BGR kept the bona fide
 * photos of LFW live and told the synthetic attacks apart better than the
 * RGB that the package's own code feeds (see `README.md`).
 */
export const LIVENESS_CHANNEL_ORDER: InputChannels = "bgr";

/** Non-zero float weights below this magnitude are set to zero. */
export const FLUSH_THRESHOLD = 1e-20;

/** The name given to the dynamic batch dimension. */
export const BATCH_DIM = "batch";

/**
 * The colour channels a model input takes, in order, as the manifest
 * records them (`ChannelOrder` of `@facever/core` is the embedder's choice
 * between the first two).
 */
export type InputChannels = "rgb" | "bgr" | "gray";

/** One dimension in the manifest: a size, or a symbolic name such as "batch". */
export type Dim = number | string;

/** A WebAssembly build of a model, made by `_compile.ts`. */
export interface CompiledSpec {
  /** Stable id used by the code that loads the module. */
  readonly id: string;
  /** The output file, inside `weights/`. */
  readonly file: string;
  /** What the module is, in one line. */
  readonly description: string;
  /**
   * Compile only up to these tensors (see `CompileOptions.outputs`); the
   * model's outputs by default.
   */
  readonly outputs?: readonly {
    readonly name: string;
    readonly meaning: string;
  }[];
  /** Input height and width to compile for, if not the model's. */
  readonly inputSize?: readonly [number, number];
}

/** What the converter makes of one model of the package. */
export interface ModelSpec {
  /** Stable id used by the code that loads the model. */
  readonly id: string;
  /** The output file, inside `weights/`. */
  readonly file: string;
  /** The file inside the npm package (relative to its root). */
  readonly sourcePath: string;
  /** What the model is, in one line. */
  readonly description: string;
  /** Whether dimension 0 of the inputs and outputs becomes {@linkcode BATCH_DIM}. */
  readonly dynamicBatch: boolean;
  /** How to prepare the input; its name and shape are checked against the graph. */
  readonly input: {
    readonly name: string;
    readonly shape: readonly Dim[];
    readonly channelOrder: InputChannels;
    readonly normalisation: string;
  };
  /** The outputs, checked against the graph. */
  readonly outputs: readonly {
    readonly name: string;
    readonly dims: readonly Dim[];
    readonly meaning: string;
  }[];
  /** Also compile the converted model to WebAssembly, as these files. */
  readonly compiled?: readonly CompiledSpec[];
}

/**
 * Input sizes (height, width) the detector is compiled for: its own, and a
 * 128×128 square that holds avatars, thumbnails and other photos of up to
 * 256 pixels a side at half size or more, where a 40-pixel face is still
 * the 20 pixels the detector needs, for a fifth of the work.
 */
export const DETECTOR_SIZES: readonly (readonly [number, number])[] = [
  [240, 320],
  [128, 128],
];

/** The detector's raw heads, which its compiled modules output. */
const DETECTOR_HEADS = [
  ...[["319", 8], ["365", 16], ["405", 32], ["437", 64]].map(([name, s]) => ({
    name: name as string,
    meaning:
      `class logits [background, face] per anchor of the stride-${s} map, NHWC`,
  })),
  ...[["333", 8], ["379", 16], ["419", 32], ["449", 64]].map(([name, s]) => ({
    name: name as string,
    meaning:
      `box offsets (centre x, centre y, log width, log height) per anchor of the stride-${s} map, NHWC`,
  })),
];

/** The models this project runs. */
export const MODELS: readonly ModelSpec[] = [
  {
    id: "mobilefacenet",
    file: "mobilefacenet.onnx",
    sourcePath: "model/fr_feature.onnx",
    description: "MobileFaceNet face embedder for aligned 112x112 crops",
    dynamicBatch: true,
    input: {
      name: "input",
      shape: [BATCH_DIM, 3, 112, 112],
      channelOrder: EMBEDDER_CHANNEL_ORDER,
      normalisation: "(x - 127.5) / 128",
    },
    outputs: [{
      name: "output",
      dims: [BATCH_DIM, 512],
      meaning: "embedding, not L2-normalised",
    }],
    compiled: [{
      id: "mobilefacenet_wasm",
      file: "mobilefacenet.wasm",
      description:
        "mobilefacenet.onnx compiled to WebAssembly (fp32, fused layers, NHWC): same input and output, run by packages/model/_compiled.ts",
    }],
  },
  {
    id: "face_detector",
    file: "face_detector.onnx",
    sourcePath: "model/fr_detect.onnx",
    description:
      "Ultra-Light-Fast-Generic-Face-Detector RFB-320, image stretched or letterboxed to 320x240",
    dynamicBatch: true,
    input: {
      name: "input",
      shape: [BATCH_DIM, 3, 240, 320],
      channelOrder: "rgb",
      normalisation: "(x - 127) / 128",
    },
    outputs: [
      {
        name: "scores",
        dims: [BATCH_DIM, 4420, 2],
        meaning: "per prior [background, face], already softmaxed",
      },
      {
        name: "boxes",
        dims: [BATCH_DIM, 4420, 4],
        meaning:
          "per prior x1, y1, x2, y2 normalised to the input, already decoded",
      },
    ],
    compiled: DETECTOR_SIZES.map(([height, width]) => ({
      id: `face_detector_${width}x${height}_wasm`,
      file: `face_detector_${width}x${height}.wasm`,
      description:
        `face_detector.onnx up to its heads compiled to WebAssembly for a ${width}x${height} input; the boxes are decoded in packages/model/_detector_heads.ts`,
      inputSize: [height, width],
      outputs: DETECTOR_HEADS,
    })),
  },
  {
    id: "face_landmark68",
    file: "face_landmark68.onnx",
    sourcePath: "model/fr_landmark.onnx",
    description: "68-point facial landmarks from a 64x64 grayscale face crop",
    dynamicBatch: true,
    input: {
      name: "input",
      shape: [BATCH_DIM, 1, 64, 64],
      channelOrder: "gray",
      normalisation: "x / 256",
    },
    outputs: [{
      name: "output",
      dims: [BATCH_DIM, 136],
      meaning: "68 points as x0, y0, x1, y1, ... normalised to the crop",
    }],
    compiled: [{
      id: "face_landmark68_wasm",
      file: "face_landmark68.wasm",
      description:
        "face_landmark68.onnx compiled to WebAssembly (fp32, fused layers, NHWC): same input and output",
    }],
  },
  {
    id: "face_liveness",
    file: "face_liveness.onnx",
    sourcePath: "model/fr_liveness.onnx",
    description:
      "MiniFASNet-like passive liveness (presentation attack) classifier for a 128x128 face crop of 2.7 times the detector's box",
    dynamicBatch: true,
    input: {
      name: "input",
      shape: [BATCH_DIM, 3, 128, 128],
      channelOrder: LIVENESS_CHANNEL_ORDER,
      normalisation: "x",
    },
    outputs: [{
      name: "output",
      dims: [BATCH_DIM, 3],
      meaning:
        "class logits: index 0 bona fide (live), 1 and 2 attack presentations; softmax for probabilities",
    }],
    compiled: [{
      id: "face_liveness_wasm",
      file: "face_liveness.wasm",
      description:
        "face_liveness.onnx compiled to WebAssembly (fp32, fused layers, NHWC): same input and output",
    }],
  },
  {
    id: "eye_state",
    file: "eye_state.onnx",
    sourcePath: "model/fr_eye.onnx",
    description: "eye open or closed, from a 24x24 grayscale crop of one eye",
    dynamicBatch: true,
    input: {
      name: "input",
      shape: [BATCH_DIM, 1, 24, 24],
      channelOrder: "gray",
      normalisation: "x / 255",
    },
    outputs: [{
      name: "output",
      dims: [BATCH_DIM, 2],
      meaning:
        "class logits: index 0 closed, 1 open; softmax for probabilities",
    }],
    compiled: [{
      id: "eye_state_wasm",
      file: "eye_state.wasm",
      description:
        "eye_state.onnx compiled to WebAssembly (fp32, fused layers, NHWC): same input and output",
    }],
  },
];
