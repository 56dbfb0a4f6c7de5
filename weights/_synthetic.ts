/**
 * Deterministic image-like model inputs for tests and timings.
 *
 * @module
 */

/**
 * Makes `batch` images of `channels` x `height` x `width` (NCHW): smooth
 * gradients and a bright blob plus pixel noise, rounded to 0..255 like
 * decoded pixels, then passed through `normalise`. Constant or all-zero
 * input would hide differences and slow paths that real images show.
 */
export function syntheticImages(
  [batch, channels, height, width]: readonly [number, number, number, number],
  normalise: (pixel: number) => number,
  seed: number,
): Float32Array {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const data = new Float32Array(batch * channels * height * width);
  let at = 0;
  for (let n = 0; n < batch; n++) {
    const phase = seed + n * 1.7;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const u = x / width - 0.5;
          const v = y / height - 0.5;
          const smooth = 120 +
            60 * Math.sin(6 * u + phase + c) * Math.cos(5 * v - phase) +
            50 * Math.exp(-12 * (u * u + (v + 0.1) * (v + 0.1)));
          const pixel = Math.round(smooth + 40 * (random() - 0.5));
          data[at++] = normalise(Math.min(255, Math.max(0, pixel)));
        }
      }
    }
  }
  return data;
}

/** The normalisations the manifest documents, as code. */
export const NORMALISE: Readonly<Record<string, (pixel: number) => number>> = {
  "(x - 127.5) / 128": (x) => (x - 127.5) / 128,
  "(x - 127) / 128": (x) => (x - 127) / 128,
  "x / 256": (x) => x / 256,
};
