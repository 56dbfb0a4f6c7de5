/**
 * The child of `cold_start_api.ts`: what `apps/deploy/main.ts` does, step
 * by step, with a clock between the steps. Its argument is JSON
 * `{kvPath, tenant, photos}`; it prints its {@linkcode Steps} as JSON.
 * Every module of the workspace is imported dynamically, so that their
 * loading is a step of its own rather than part of Deno's start.
 *
 * @module
 */

const started = performance.now();

const WORKERS = 2;

/**
 * The steps of the child, in ms each.
 *
 * @example
 * ```ts
 * import type { Steps } from "./_cold_start_api_child.ts";
 * const total = (s: Steps) => s.denoStart + s.importModules + s.startPool;
 * console.log(typeof total);
 * ```
 */
export interface Steps {
  /** Process start (the time origin) to this module's first line. */
  readonly denoStart: number;
  readonly importModules: number;
  readonly openKv: number;
  /** The engine of the main thread, which answers first. */
  readonly startEngine: number;
  /** The two photos of the first verify, on that engine. */
  readonly firstAnalysis: number;
  /** The pool's workers, started once that answer is out. */
  readonly startPool: number;
  readonly openTenant: number;
  readonly firstIdentify: number;
  readonly secondIdentify: number;
}

/** The child: main.ts's work with a clock between the steps. */
async function child(input: string): Promise<Steps> {
  const { kvPath, tenant, photos } = JSON.parse(input) as {
    kvPath: string;
    tenant: string;
    photos: string[];
  };
  let last = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  const [{ createApp, MODEL_ID }, { Gallery }, { FaceEngine, FacePool }] =
    await Promise.all([
      import("@facever/edge"),
      import("@facever/gallery"),
      import("@facever/model"),
    ]);
  const importModules = lap();
  const kv = await Deno.openKv(kvPath);
  const openKv = lap();
  const engine = await FaceEngine.create({ backend: "wasm" });
  createApp({ engine, kv });
  const startEngine = lap();
  const images = await Promise.all(photos.map((path) => Deno.readFile(path)));
  const analyses = await Promise.all(
    images.map((image) => engine.analyze(image, { embed: "largest" })),
  );
  const firstAnalysis = lap();
  const pool = await FacePool.create({ workers: WORKERS });
  const startPool = lap();
  const gallery = await Gallery.open(kv, {
    tenant,
    modelId: MODEL_ID,
    dims: 512,
  });
  const openTenant = lap();
  const probe = analyses[1].faces[0].embedding!;
  await gallery.identify(probe, { threshold: 0.3 });
  const firstIdentify = lap();
  await gallery.identify(probe, { threshold: 0.3 });
  const secondIdentify = lap();
  await pool.close();
  kv.close();
  return {
    denoStart: started,
    importModules,
    openKv,
    startEngine,
    firstAnalysis,
    startPool,
    openTenant,
    firstIdentify,
    secondIdentify,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await child(Deno.args[0])));
}
