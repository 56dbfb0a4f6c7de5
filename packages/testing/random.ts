/**
 * Reproducible test data: seeded random numbers and unit vectors, model
 * inputs that look like images, and the largest difference between two
 * outputs.
 *
 * @module
 */

/** A seeded generator of uniform numbers in (0, 1) (a 32-bit LCG). */
export function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
}

/**
 * Random unit vectors, uniform on the sphere (normalised Gaussians),
 * reproducible from the seed.
 */
export function unitVectors(
  seed: number,
  dims: number,
): () => Float32Array {
  const next = uniform(seed);
  return () => {
    const v = new Float64Array(dims);
    let sum = 0;
    for (let i = 0; i < dims; i += 2) {
      // Box–Muller: two Gaussians per pair of uniforms.
      const r = Math.sqrt(-2 * Math.log(next()));
      const angle = 2 * Math.PI * next();
      v[i] = r * Math.cos(angle);
      if (i + 1 < dims) v[i + 1] = r * Math.sin(angle);
    }
    for (const x of v) sum += x * x;
    const norm = Math.sqrt(sum);
    return Float32Array.from(v, (x) => x / norm);
  };
}

/** A unit vector near `v`: `v` plus Gaussian noise of the given size, renormalised. */
export function nearby(
  v: ArrayLike<number>,
  noise: number,
  random: () => Float32Array,
): Float32Array {
  const direction = random();
  const out = new Float64Array(v.length);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i] + noise * direction[i];
    sum += out[i] ** 2;
  }
  const norm = Math.sqrt(sum);
  return Float32Array.from(out, (x) => x / norm);
}

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

/** Deterministic values in [-scale, scale). */
export function randomFloats(
  count: number,
  seed: number,
  scale = 1,
): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 2 ** 32 * 2 - 1) * scale;
  });
}

/** The largest absolute difference between two arrays of one length. */
export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`lengths differ: ${a.length} and ${b.length}`);
  }
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
