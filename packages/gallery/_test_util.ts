/**
 * Helpers shared by the gallery's tests and benchmark: seeded random unit
 * vectors and the two kinds of local KV.
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
 * Runs `body` as a step on a fresh `:memory:` database (every `openKv()`
 * returns the one handle: each `:memory:` open is a new database) and as a
 * step on a fresh SQLite file (every `openKv()` is a new handle, as another
 * process would have), closing and deleting everything afterwards.
 */
export async function onEachKv(
  t: Deno.TestContext,
  body: (openKv: () => Promise<Deno.Kv>) => Promise<void>,
): Promise<void> {
  await t.step(":memory:", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      await body(() => Promise.resolve(kv));
    } finally {
      kv.close();
    }
  });
  await t.step("file", async () => {
    const folder = await Deno.makeTempDir({ prefix: "gallery_test_" });
    const handles: Deno.Kv[] = [];
    try {
      await body(async () => {
        const kv = await Deno.openKv(`${folder}/gallery.sqlite`);
        handles.push(kv);
        return kv;
      });
    } finally {
      for (const kv of handles) kv.close();
      await Deno.remove(folder, { recursive: true });
    }
  });
}
