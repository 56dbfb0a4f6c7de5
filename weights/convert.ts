/**
 * Builds the ONNX files in `weights/` and their `manifest.json` from a pinned
 * npm package, whose models `_models.ts` lists. Run it with `deno task
 * weights`.
 *
 * Each model is copied out of the package and edited at the protobuf wire
 * level (see `_onnx.ts`): tiny weights are flushed to zero and the batch
 * dimension is made dynamic. All five are then also compiled into
 * WebAssembly modules (see `compileGraph` in `_compile.ts` and the stages
 * it runs, listed in `README.md`; the detector up to its heads, at two
 * input sizes), which `packages/model/_compiled.ts` runs in less than
 * half the time onnxruntime-web takes. The output is the same, byte
 * for byte, on every run; the tests prove that and that the outputs of the
 * models did not change.
 *
 * @module
 */

import { extractFiles, packTarball, pathFromFileUrl } from "./_npm.ts";

// The benchmarks fetch the originals too, to time them beside ours.
export { extractFiles };
import {
  flushTinyWeights,
  makeBatchDynamic,
  summarise,
  type ValueSummary,
} from "./_onnx.ts";
import { compileGraph } from "./_compile.ts";
import {
  BATCH_DIM,
  type CompiledSpec,
  type Dim,
  FLUSH_THRESHOLD,
  type InputChannels,
  MODELS,
  type ModelSpec,
  SOURCE,
} from "./_models.ts";

// The specs are part of what the converter offers its tests and benchmarks.
export {
  BATCH_DIM,
  type CompiledSpec,
  DETECTOR_SIZES,
  type Dim,
  EMBEDDER_CHANNEL_ORDER,
  FLUSH_THRESHOLD,
  type InputChannels,
  LIVENESS_CHANNEL_ORDER,
  MODELS,
  type ModelSpec,
  SOURCE,
} from "./_models.ts";

/** One model's entry in `manifest.json`. */
export interface ManifestEntry {
  readonly id: string;
  readonly description: string;
  readonly file: string;
  /** `onnx` for onnxruntime; `wasm` for a module run by `packages/model/_compiled.ts`. */
  readonly format: "onnx" | "wasm";
  readonly bytes: number;
  readonly sha256: string;
  readonly source: {
    readonly package: string;
    readonly path: string;
    readonly integrity: string;
    readonly sha256: string;
  };
  /** For a compiled module: the converted ONNX file it was compiled from. */
  readonly compiledFrom?: { readonly file: string; readonly sha256: string };
  readonly licence: string;
  readonly parameters: number;
  readonly flushedWeights: number;
  readonly input: {
    readonly name: string;
    readonly shape: readonly Dim[];
    readonly layout: "NCHW";
    readonly channelOrder: InputChannels;
    readonly normalisation: string;
  };
  readonly outputs: readonly {
    readonly name: string;
    readonly dims: readonly Dim[];
    readonly meaning: string;
  }[];
  readonly transforms: readonly string[];
}

/** The whole of `manifest.json`. */
export interface Manifest {
  readonly models: readonly ManifestEntry[];
}

/** One generated file: its bytes and its manifest entry. */
export interface ConvertedModel {
  readonly bytes: Uint8Array;
  readonly entry: ManifestEntry;
}

/** A converted graph does not declare the inputs or outputs its spec expects. */
export class ModelSpecMismatchError extends Error {
  /** Creates the error; `message` says which model and what differs. */
  constructor(message: string) {
    super(message);
    this.name = "ModelSpecMismatchError";
  }
}

/** Fetches the pinned package tarball with npm and checks its integrity. */
export function fetchSource(tempParent?: string): Promise<Uint8Array> {
  return packTarball(`${SOURCE.name}@${SOURCE.version}`, SOURCE.integrity, {
    tempParent,
  });
}

/**
 * Applies the transforms to one model file of the package. `flush` and
 * `batch` exist so tests can build each transform alone.
 */
export function transform(
  spec: ModelSpec,
  original: Uint8Array,
  { flush = true, batch = true }: { flush?: boolean; batch?: boolean } = {},
): { bytes: Uint8Array; flushed: number; transforms: string[] } {
  let bytes = original;
  let flushed = 0;
  const transforms: string[] = [];
  if (flush) {
    const result = flushTinyWeights(bytes, FLUSH_THRESHOLD);
    bytes = result.model;
    flushed = result.flushed;
    transforms.push(
      `flushed ${result.flushed} non-zero float weights with |w| < ${FLUSH_THRESHOLD} to 0 (${result.subnormal} of them subnormal)`,
    );
  }
  if (batch && spec.dynamicBatch) {
    const result = makeBatchDynamic(bytes, BATCH_DIM);
    bytes = result.model;
    transforms.push(...result.changes);
  }
  return { bytes, flushed, transforms };
}

/** Converts one model and builds its manifest entry. */
export async function convertModel(
  spec: ModelSpec,
  original: Uint8Array,
): Promise<ConvertedModel> {
  const { bytes, flushed, transforms } = transform(spec, original);
  const summary = summarise(bytes);
  checkValues(spec, "input", summary.inputs, [spec.input]);
  checkValues(
    spec,
    "output",
    summary.outputs,
    spec.outputs.map((o) => ({ name: o.name, shape: o.dims })),
  );
  return {
    bytes,
    entry: {
      id: spec.id,
      description: spec.description,
      file: spec.file,
      format: "onnx",
      bytes: bytes.length,
      sha256: await sha256Hex(bytes),
      source: {
        package: `${SOURCE.name}@${SOURCE.version}`,
        path: spec.sourcePath,
        integrity: SOURCE.integrity,
        sha256: await sha256Hex(original),
      },
      licence: SOURCE.licence,
      parameters: summary.parameters,
      flushedWeights: flushed,
      input: {
        name: spec.input.name,
        shape: spec.input.shape,
        layout: "NCHW",
        channelOrder: spec.input.channelOrder,
        normalisation: spec.input.normalisation,
      },
      outputs: spec.outputs,
      transforms,
    },
  };
}

/**
 * Compiles a converted model to WebAssembly (see `_compile.ts`) and builds
 * its manifest entry, which inherits the source, contract and transforms of
 * the ONNX file and adds the compilation.
 *
 * @example
 * ```ts ignore
 * import { compileModel, convertModel, MODELS } from "./convert.ts";
 * const [embedder] = MODELS;
 * const converted = await convertModel(embedder, original);
 * const compiled = await compileModel(embedder.compiled!, converted);
 * console.log(compiled.entry.file); // "mobilefacenet.wasm"
 * ```
 */
export async function compileModel(
  compiled: CompiledSpec,
  converted: ConvertedModel,
): Promise<ConvertedModel> {
  const { wasm, interface: ports, layers, folded } = compileGraph(
    converted.bytes,
    {
      outputs: compiled.outputs?.map((o) => o.name),
      inputSize: compiled.inputSize,
    },
  );
  const { entry } = converted;
  const item = (dims: readonly Dim[]) => dims.slice(1).join(", ");
  const input = compiled.inputSize
    ? [entry.input.shape[0], entry.input.shape[1], ...compiled.inputSize]
    : entry.input.shape;
  const outputs = compiled.outputs
    ? compiled.outputs.map(({ name, meaning }, i) => ({
      name,
      dims: [BATCH_DIM, ...ports.outputs[i].dims],
      meaning,
    }))
    : entry.outputs;
  if (
    ports.input.name !== entry.input.name ||
    ports.input.dims.join(", ") !== item(input) ||
    ports.outputs.length !== outputs.length ||
    ports.outputs.some((port, i) =>
      port.name !== outputs[i].name ||
      port.dims.join(", ") !== item(outputs[i].dims)
    )
  ) {
    throw new ModelSpecMismatchError(
      `${compiled.id}: compiled module takes ${ports.input.name} [${ports.input.dims}] and gives ${
        ports.outputs.map((p) => `${p.name} [${p.dims}]`).join(", ")
      } per item, unlike ${entry.file}`,
    );
  }
  const count = (kind: string) => layers.filter((l) => l.kind === kind).length;
  const convs = count("pointwise") + count("depthwise") + count("dense");
  const ops = ([
    ["maxpool", "max pool"],
    ["average", "global average pool"],
    ["scale", "channel scale"],
  ] as const).filter(([kind]) => count(kind) > 0).map(([kind, what]) =>
    `${count(kind)} ${what}`
  );
  return {
    bytes: wasm,
    entry: {
      ...entry,
      id: compiled.id,
      description: compiled.description,
      file: compiled.file,
      format: "wasm",
      bytes: wasm.length,
      sha256: await sha256Hex(wasm),
      compiledFrom: { file: entry.file, sha256: entry.sha256 },
      input: { ...entry.input, shape: input },
      outputs,
      transforms: [
        ...entry.transforms,
        `compiled ${entry.file} to WebAssembly (fp32, 128-bit SIMD with relaxed multiply-add): ${convs} Conv as ${
          count("pointwise")
        } pointwise, ${count("depthwise")} depthwise and ${
          count("dense")
        } dense layer functions${
          ops.length > 0
            ? `, plus ${ops.slice(0, -1).map((op) => `${op}, `).join("")}${
              ops.length > 1 ? "" : ""
            }${ops.at(-1)} functions`
            : ""
        }; folded into them: ${
          Object.entries(folded).map(([op, n]) => `${n} ${op}`).join(", ")
        }`,
        `activations NHWC in the module's memory, weights packed in its data segment; the input is read NCHW as given${
          compiled.outputs ? "; the outputs are NHWC" : ""
        }`,
      ],
    },
  };
}

/**
 * Converts every model of {@linkcode MODELS} from the package tarball, and
 * compiles those that ask for it, each right after its ONNX file.
 */
export async function convertTarball(
  tarball: Uint8Array,
): Promise<{ models: ConvertedModel[]; manifest: Manifest }> {
  const originals = await extractFiles(
    tarball,
    MODELS.map((spec) => spec.sourcePath),
  );
  const models: ConvertedModel[] = [];
  for (const [i, spec] of MODELS.entries()) {
    const converted = await convertModel(spec, originals[i]);
    models.push(converted);
    for (const compiled of spec.compiled ?? []) {
      models.push(await compileModel(compiled, converted));
    }
  }
  return { models, manifest: { models: models.map((m) => m.entry) } };
}

/** Serialises the manifest the way it is committed. */
export function manifestJson(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Returns the lowercase hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

function checkValues(
  spec: ModelSpec,
  kind: string,
  actual: readonly ValueSummary[],
  expected: readonly { name: string; shape: readonly Dim[] }[],
): void {
  const show = (
    values: readonly { name: string; shape: readonly unknown[] }[],
  ) => values.map((v) => `${v.name} [${v.shape.join(", ")}]`).join("; ");
  const same = actual.length === expected.length &&
    actual.every((value, i) =>
      value.elemType === 1 && value.name === expected[i].name &&
      value.shape.length === expected[i].shape.length &&
      value.shape.every((dim, j) => dim === expected[i].shape[j])
    );
  if (!same) {
    throw new ModelSpecMismatchError(
      `${spec.id}: converted graph has ${kind}s ${
        show(actual)
      }, but the spec expects float32 ${show(expected)}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = new URL(".", import.meta.url);
  // npm writes its tarball into a temporary directory made here, so that the
  // task needs write access to weights/ and nowhere else.
  const tarball = await fetchSource(pathFromFileUrl(dir));
  const { models, manifest } = await convertTarball(tarball);
  for (const { bytes, entry } of models) {
    await Deno.writeFile(new URL(entry.file, dir), bytes);
    console.log(
      `${entry.file}: ${entry.bytes} bytes, sha256 ${entry.sha256}, ${entry.parameters} parameters, ${entry.flushedWeights} weights flushed`,
    );
    for (const line of entry.transforms) console.log(`  ${line}`);
  }
  await Deno.writeTextFile(
    new URL("manifest.json", dir),
    manifestJson(manifest),
  );
  console.log("manifest.json written");
}

if (import.meta.main) {
  await main();
}
