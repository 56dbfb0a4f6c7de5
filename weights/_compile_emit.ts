/**
 * Emits the module: a function that copies the input into its stage, one
 * function per step (its kernel generated for where the memory plan put
 * its tensors and constants), an exported `run` that calls them in order,
 * the data segment, and the interface section that says where the input
 * and outputs are.
 *
 * @module
 */

import { encodeModule, FunctionBuilder } from "./_wasm.ts";
import {
  type CompiledInterface,
  INTERFACE_SECTION,
  type Port,
} from "@facever/model/compiled";
import {
  isConv,
  type LoweredConv,
  type LoweredGraph,
  type LoweredOp,
  type Storage,
} from "./_compile_types.ts";
import type { PackedConstants, StepConstants } from "./_compile_constants.ts";
import type { MemoryPlan } from "./_compile_plan.ts";
import type { ConvStep } from "./_compile_kernel.ts";
import { copyIntoStage } from "./_compile_stage.ts";
import { dense, pointwise } from "./_compile_product.ts";
import { depthwise } from "./_compile_depthwise.ts";
import { averagePool, channelScale, maxPool } from "./_compile_pool.ts";

/** The module's bytes, and what its interface section holds. */
export interface EmittedModule {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly interface: CompiledInterface;
}

/** Emits the module computing `graph` with the given constants and plan. */
export function emitModule(
  graph: LoweredGraph,
  constants: PackedConstants,
  plan: MemoryPlan,
): EmittedModule {
  const functions: FunctionBuilder[] = [
    copyIntoStage(plan.input, plan.storage.get(graph.input.name) as Storage),
  ];
  graph.steps.forEach((step, i) => {
    functions.push(
      isConv(step)
        ? layerFunction(
          located(step, constants.steps[i] as StepConstants, plan.constants),
          plan.storage,
        )
        : opFunction(step, plan.storage),
    );
  });
  const run = new FunctionBuilder([], []);
  functions.forEach((_, index) => run.call(index));
  functions.push(run);
  const iface = interfaceOf(graph, plan);
  const wasm = encodeModule({
    functions,
    exports: [{ name: "run", index: functions.length - 1 }],
    memoryPages: Math.ceil(plan.end / 65536),
    data: [{ offset: plan.constants, bytes: constants.bytes }],
    custom: [{
      name: INTERFACE_SECTION,
      bytes: new TextEncoder().encode(JSON.stringify(iface)),
    }],
  });
  return { wasm, interface: iface };
}

/** A step with its constants at their byte offsets in memory. */
function located(
  step: LoweredConv,
  at: StepConstants,
  segment: number,
): ConvStep {
  const { weight: _packed, epilogue, ...conv } = step;
  return {
    ...conv,
    weights: segment + at.weights,
    epilogue: {
      bias: segment + at.bias,
      slopeMinusOne: at.slopeMinusOne === undefined
        ? undefined
        : segment + at.slopeMinusOne,
      residual: epilogue.residual,
      relu: epilogue.relu,
      sigmoid: epilogue.sigmoid,
    },
  };
}

/** The function of one step, by its kind. */
function layerFunction(
  step: ConvStep,
  storage: MemoryPlan["storage"],
): FunctionBuilder {
  const input = storage.get(step.input) as Storage;
  const output = storage.get(step.output) as Storage;
  const residual = step.epilogue.residual
    ? storage.get(step.epilogue.residual)
    : undefined;
  return step.kind === "pointwise"
    ? pointwise(step, input, output, residual)
    : step.kind === "depthwise"
    ? depthwise(step, input, output, residual)
    : dense(step, input, output, residual);
}

/** The function of one weightless step, by its kind. */
function opFunction(
  step: LoweredOp,
  storage: MemoryPlan["storage"],
): FunctionBuilder {
  const input = storage.get(step.input) as Storage;
  const output = storage.get(step.output) as Storage;
  const residual = step.residual ? storage.get(step.residual) : undefined;
  return step.kind === "maxpool"
    ? maxPool(step, input, output, residual)
    : step.kind === "average"
    ? averagePool(step, input, output, residual)
    : channelScale(
      step,
      input,
      storage.get(step.factors as string) as Storage,
      output,
      residual,
    );
}

/** What the interface section says: where the input and outputs are. */
export function interfaceOf(
  graph: LoweredGraph,
  plan: MemoryPlan,
): CompiledInterface {
  const { name, shape: { c, h, w } } = graph.input;
  return {
    input: { name, dims: [c, h, w], offset: plan.input },
    outputs: graph.outputs.map(({ name, tensor, shape, declared }): Port => {
      const { offset } = plan.storage.get(tensor) as Storage;
      // A 1×1 map is a vector; the graph may declare it either way.
      if (shape.h === 1 && shape.w === 1) {
        const dims = declared?.every((d) => typeof d === "number") &&
            (declared as number[]).reduce((n, d) => n * d, 1) ===
              shape.channels
          ? declared as number[]
          : [shape.channels];
        return { name, dims, offset };
      }
      return {
        name,
        dims: [shape.h, shape.w, shape.channels],
        offset,
        layout: "nhwc",
        pixelStride: shape.c,
      };
    }),
  };
}
