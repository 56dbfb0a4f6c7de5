/**
 * The detector's two nets as the detector runs them: the RFB-320 detector
 * from its ONNX file or compiled (one module per input size, heads decoded
 * only where a score is high enough), and the 68-point landmark net.
 *
 * @module
 */
import { DETECTOR_SMALL_WASM_URLS, DETECTOR_WASM_URL } from "@facever/weights";
import type { OnnxModel } from "./runner.ts";
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, type InputSize } from "./_tiles.ts";
import { loadBundledWasm } from "./_bundled.ts";
import type { WasmModel } from "./_compiled.ts";
import { type Candidate, decodeHeads, priorBoxes } from "./_detector_heads.ts";

/**
 * What the detector needs of its net: for a batch of inputs of one size,
 * the priors of each that score at least `minScore`. The ONNX file decodes
 * every prior in its graph; the compiled heads are decoded here, only where
 * the score is high enough.
 */
export interface DetectorNet {
  /** Input sizes the net runs besides the full 320×240. */
  readonly smaller: readonly InputSize[];
  run(
    input: Float32Array,
    batch: number,
    size: InputSize,
    minScore: number,
  ): Promise<Candidate[][]>;
}

/** What the detector needs of the landmark net: an ONNX session or the compiled module. */
export type LandmarkNet = Pick<OnnxModel, "run">;

/**
 * The ONNX detector for its own 320×240 input, and `compiled` for the
 * smaller ones it has.
 */
export function onnxDetector(
  model: OnnxModel,
  compiled: DetectorNet | undefined,
): DetectorNet {
  return {
    smaller: compiled?.smaller ?? [],
    async run(input, batch, size, minScore) {
      if (
        compiled &&
        (size.width !== DETECTOR_WIDTH || size.height !== DETECTOR_HEIGHT)
      ) {
        return await compiled.run(input, batch, size, minScore);
      }
      const { scores, boxes } = await model.run({
        input: { data: input, dims: [batch, 3, size.height, size.width] },
      });
      const priors = scores.dims[1];
      return Array.from({ length: batch }, (_, n) => {
        const found: Candidate[] = [];
        for (let i = n * priors; i < (n + 1) * priors; i++) {
          // [background, face] pairs: the face column.
          const score = scores.data[2 * i + 1];
          if (score < minScore) continue;
          const [x1, y1, x2, y2] = boxes.data.subarray(4 * i, 4 * i + 4);
          found.push({ score, x1, y1, x2, y2 });
        }
        return found;
      });
    },
  };
}

/**
 * The compiled detector: one module per input size, the full 320×240 one
 * only when `full` (onnxruntime runs it otherwise), or `undefined` where
 * the runtime cannot compile them.
 */
export async function loadCompiledDetector(
  full: boolean,
): Promise<DetectorNet | undefined> {
  const urls = full
    ? [DETECTOR_WASM_URL, ...DETECTOR_SMALL_WASM_URLS]
    : DETECTOR_SMALL_WASM_URLS;
  const modules = await Promise.all(urls.map(loadBundledWasm));
  if (modules.some((m) => m === undefined)) return undefined;
  const bySize = new Map<string, { model: WasmModel; priors: Float32Array }>();
  const sizes: InputSize[] = [];
  for (const model of modules as WasmModel[]) {
    const [, height, width] = model.inputDims;
    sizes.push({ width, height });
    bySize.set(`${width}x${height}`, {
      model,
      priors: priorBoxes(width, height),
    });
  }
  return {
    smaller: sizes.filter((s) =>
      s.width * s.height < DETECTOR_WIDTH * DETECTOR_HEIGHT
    ),
    async run(input, batch, size, minScore) {
      const found = bySize.get(`${size.width}x${size.height}`);
      if (!found) {
        throw new RangeError(`no detector for ${size.width}x${size.height}`);
      }
      const { model, priors } = found;
      const candidates: Candidate[][] = [];
      const itemSize = input.length / batch;
      // The module's outputs: four class heads, then four box heads.
      const names = model.outputNames;
      for (let n = 0; n < batch; n++) {
        const heads = await model.run({
          input: {
            data: input.subarray(n * itemSize, (n + 1) * itemSize),
            dims: [1, 3, size.height, size.width],
          },
        });
        candidates.push(decodeHeads(
          names.slice(0, 4).map((name) => heads[name].data),
          names.slice(4).map((name) => heads[name].data),
          priors,
          minScore,
        ));
      }
      return candidates;
    },
  };
}
