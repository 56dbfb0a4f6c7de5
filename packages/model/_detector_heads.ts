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

/**
 * Turns the heads of one input into face scores and corner boxes, as the
 * ONNX graph's outputs: `scores[i]` is the softmax face probability of
 * prior `i`, `boxes[4i..4i+3]` its x1, y1, x2, y2, normalised.
 *
 * `classes[h]` holds head `h`'s two logits per anchor and `offsets[h]` its
 * four box offsets, both NHWC.
 */
export function decodeHeads(
  classes: readonly Float32Array[],
  offsets: readonly Float32Array[],
  priors: Float32Array,
): { scores: Float32Array; boxes: Float32Array } {
  const count = priors.length / 4;
  const scores = new Float32Array(count);
  const boxes = new Float32Array(count * 4);
  let i = 0;
  classes.forEach((logits, head) => {
    const deltas = offsets[head];
    for (let a = 0; a < logits.length / 2; a++, i++) {
      scores[i] = 1 / (1 + Math.exp(logits[2 * a] - logits[2 * a + 1]));
      const p = 4 * i;
      const cx = priors[p] + deltas[4 * a] * CENTER_VARIANCE * priors[p + 2];
      const cy = priors[p + 1] +
        deltas[4 * a + 1] * CENTER_VARIANCE * priors[p + 3];
      const w = Math.exp(deltas[4 * a + 2] * SIZE_VARIANCE) * priors[p + 2];
      const h = Math.exp(deltas[4 * a + 3] * SIZE_VARIANCE) * priors[p + 3];
      boxes[p] = cx - w / 2;
      boxes[p + 1] = cy - h / 2;
      boxes[p + 2] = cx + w / 2;
      boxes[p + 3] = cy + h / 2;
    }
  });
  if (i !== count) {
    throw new RangeError(`the heads hold ${i} anchors, the priors ${count}`);
  }
  return { scores, boxes };
}
