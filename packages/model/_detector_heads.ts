// Box decoding for the RFB-320 detector's raw heads, as the ONNX graph does
// it after its convolutions: the compiled detector stops at the heads, so
// that it can run at any input size.

/** The detector's feature strides, one head per stride. */
const STRIDES = [8, 16, 32, 64] as const;
/** Anchor widths (= heights) per head, in input pixels. */
const MIN_BOXES = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]] as const;
/** The training's box-regression scales for centres and sizes. */
const CENTER_VARIANCE = 0.1;
const SIZE_VARIANCE = 0.2;

/**
 * Prior boxes for an input of `width` × `height`: centre x, centre y,
 * width, height, normalised to the input and clipped to [0, 1], in the
 * order of the heads' outputs (head, row, column, anchor).
 */
export function priorBoxes(width: number, height: number): Float32Array {
  const priors: number[] = [];
  STRIDES.forEach((stride, head) => {
    const rows = Math.ceil(height / stride);
    const columns = Math.ceil(width / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        for (const size of MIN_BOXES[head]) {
          // Centres divide the map evenly, as in training, even where the
          // stride does not divide the input.
          priors.push(
            (x + 0.5) / columns,
            (y + 0.5) / rows,
            size / width,
            size / height,
          );
        }
      }
    }
  });
  return Float32Array.from(priors, (v) => Math.min(Math.max(v, 0), 1));
}

/** How many anchors each head has per cell. */
export const ANCHORS_PER_CELL: readonly number[] = MIN_BOXES.map((m) =>
  m.length
);

/** A prior the detector scored as a face: its score and corner box, normalised to the input. */
export interface Candidate {
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * The priors of one input whose face probability (the softmax of the two
 * logits) is at least `minScore`, with their boxes decoded as the ONNX graph
 * decodes them, in prior order. Only those boxes are decoded: most of the
 * thousands of priors score near zero.
 *
 * `classes[h]` holds head `h`'s two logits per anchor and `offsets[h]` its
 * four box offsets, both NHWC.
 */
export function decodeHeads(
  classes: readonly Float32Array[],
  offsets: readonly Float32Array[],
  priors: Float32Array,
  minScore: number,
): Candidate[] {
  const count = priors.length / 4;
  // softmax ≥ minScore ⇔ face logit − background logit ≥ logit(minScore).
  const margin = Math.log(minScore / (1 - minScore));
  const found: Candidate[] = [];
  let i = 0;
  classes.forEach((logits, head) => {
    const deltas = offsets[head];
    for (let a = 0; a < logits.length / 2; a++, i++) {
      const difference = logits[2 * a + 1] - logits[2 * a];
      if (!(difference >= margin)) continue;
      const p = 4 * i;
      const cx = priors[p] + deltas[4 * a] * CENTER_VARIANCE * priors[p + 2];
      const cy = priors[p + 1] +
        deltas[4 * a + 1] * CENTER_VARIANCE * priors[p + 3];
      const w = Math.exp(deltas[4 * a + 2] * SIZE_VARIANCE) * priors[p + 2];
      const h = Math.exp(deltas[4 * a + 3] * SIZE_VARIANCE) * priors[p + 3];
      found.push({
        score: 1 / (1 + Math.exp(-difference)),
        x1: cx - w / 2,
        y1: cy - h / 2,
        x2: cx + w / 2,
        y2: cy + h / 2,
      });
    }
  });
  if (i !== count) {
    throw new RangeError(`the heads hold ${i} anchors, the priors ${count}`);
  }
  return found;
}
