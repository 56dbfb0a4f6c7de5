/**
 * Plans the module's memory: the input item where the caller writes it, its
 * zero-bordered copy, the data segment, then the activations, each given a
 * place that is reused once the tensor is no longer needed. Every tensor is
 * stored NHWC with the zero border its widest padded reader needs, so that
 * no kernel checks bounds.
 *
 * @module
 */

import {
  ALIGN,
  align,
  borderOf,
  F32,
  isConv,
  type LoweredGraph,
  type LoweredStep,
  readsOf,
  residualOf,
  type Shape,
  type Storage,
  unsupported,
  type View,
} from "./_compile_types.ts";

/** Where everything sits in the module's memory. */
export interface MemoryPlan {
  /** Byte offset where the caller writes one NCHW input item. */
  readonly input: number;
  /** Byte offset of the data segment. */
  readonly constants: number;
  /**
   * Where each tensor is stored: the graph input's zero-bordered copy (an
   * NCHW stage), every step's output and every Concat.
   */
  readonly storage: ReadonlyMap<string, Storage>;
  /** Bytes of memory the module uses. */
  readonly end: number;
}

/**
 * Lays out memory for `graph`, whose packed constants take `constantBytes`.
 *
 * Why the input is copied: the caller writes it unpadded, and the first
 * convolution reads it through a zero border.
 */
export function planMemory(
  graph: LoweredGraph,
  constantBytes: number,
): MemoryPlan {
  const pads = paddings(graph);
  const { name, shape } = graph.input;
  const { c, h, w } = shape;
  // Memory: input item, its padded copy, then constants, then activations.
  const input = ALIGN;
  const stagePad = pads.get(name) ?? 0;
  const stageOffset = align(input + c * h * w * F32);
  const stageBytes = c * (h + 2 * stagePad) * (w + 2 * stagePad) * F32;
  const constants = align(stageOffset + stageBytes);
  const storage = planActivations(
    graph.steps,
    pads,
    graph.views,
    new Set(graph.outputs.map((o) => o.tensor)),
    align(constants + constantBytes),
  );
  storage.set(name, { offset: stageOffset, h, w, c, pad: stagePad });
  const end = Math.max(
    ...[...storage.values()].map((s) => s.offset + storedBytes(s)),
  );
  return { input, constants, storage, end };
}

/** Bytes a stored tensor takes, its border included. */
export function storedBytes(s: Omit<Storage, "offset">): number {
  return (s.h + 2 * s.pad) * (s.w + 2 * s.pad) * s.c * F32;
}

/**
 * Padding each tensor needs: the largest pad of the convolutions reading
 * it. A residual, a scale's factors and an output are read unpadded, so
 * none may be read by a padded convolution too.
 */
function paddings(graph: LoweredGraph): Map<string, number> {
  const pads = new Map<string, number>();
  for (const step of graph.steps) {
    pads.set(step.input, Math.max(pads.get(step.input) ?? 0, borderOf(step)));
  }
  for (const step of graph.steps) {
    const { name } = step;
    const residual = residualOf(step);
    const factors = isConv(step) ? undefined : step.factors;
    if (factors && (pads.get(factors) ?? 0) !== 0) {
      unsupported(
        `factors ${factors} of ${name} are also read by a padded convolution`,
      );
    }
    if (residual && (pads.get(residual) ?? 0) !== 0) {
      unsupported(
        `residual ${residual} of ${name} is also read by a padded convolution`,
      );
    }
  }
  for (const { name, tensor } of graph.outputs) {
    if ((pads.get(tensor) ?? 0) !== 0) {
      unsupported(`output ${name} is also read by a padded convolution`);
    }
  }
  return pads;
}

/**
 * Gives every computed tensor a place in memory, reusing the place of a
 * tensor no longer needed when the layout is the same. Padded places are
 * reused only by tensors of the same shape, so their zero border is never
 * overwritten. A Concat is placed when its first member is computed, and
 * its members are views into it; the module's outputs keep their places.
 */
function planActivations(
  steps: readonly LoweredStep[],
  pads: ReadonlyMap<string, number>,
  views: ReadonlyMap<string, View>,
  keep: ReadonlySet<string>,
  base: number,
): Map<string, Storage> {
  const lastUse = new Map<string, number>();
  steps.forEach((step, i) => {
    for (const name of readsOf(step)) lastUse.set(name, i);
  });
  const storage = new Map<string, Storage>();
  const free = new Map<string, number[]>();
  const keyOf = (s: Omit<Storage, "offset">) =>
    s.pad > 0 ? `${s.h}x${s.w}x${s.c}+${s.pad}` : `${s.h * s.w * s.c}`;
  const release = (name: string) => {
    const s = storage.get(name);
    if (!s || keep.has(name)) return;
    const key = keyOf(s);
    if (!free.has(key)) free.set(key, []);
    free.get(key)?.push(s.offset);
  };
  let next = base;
  const place = (name: string, shape: Shape) => {
    const layout = {
      h: shape.h,
      w: shape.w,
      c: shape.c,
      pad: pads.get(name) ?? 0,
    };
    const reuse = free.get(keyOf(layout))?.pop();
    const offset = reuse ?? next;
    if (reuse === undefined) next = align(next + storedBytes(layout));
    storage.set(name, { offset, ...layout });
  };
  steps.forEach((step, i) => {
    const residual = residualOf(step);
    // The residual is read and written at the same index, so the output may
    // take its place; the step's own input may not.
    if (residual && residual !== step.input && lastUse.get(residual) === i) {
      release(residual);
    }
    const view = views.get(step.output);
    if (view) {
      if (!storage.has(view.concat)) place(view.concat, view.shape);
      const whole = storage.get(view.concat) as Storage;
      storage.set(step.output, {
        ...whole,
        offset: whole.offset + view.channel * F32,
      });
    } else {
      place(step.output, step.outShape);
    }
    if (lastUse.get(step.input) === i) release(step.input);
    const factors = isConv(step) ? undefined : step.factors;
    if (factors && factors !== step.input && lastUse.get(factors) === i) {
      release(factors);
    }
  });
  return storage;
}
