/**
 * Packs the steps' constants into what becomes the module's data segment:
 * per convolution its weights in the order its kernel reads them, its bias
 * and, if activated, its PReLU slope − 1, each 64-byte aligned. The
 * weightless steps (pools, channel scales) have none.
 *
 * @module
 */

import { align, F32, isConv, type LoweredStep } from "./_compile_types.ts";
import { packDepthwise } from "./_compile_depthwise.ts";
import { packProduct } from "./_compile_product.ts";

/** Byte offsets of one step's constants from the start of the segment. */
export interface StepConstants {
  readonly weights: number;
  readonly bias: number;
  readonly slopeMinusOne?: number;
}

/** The data segment's bytes, and where each step's constants are in it. */
export interface PackedConstants {
  readonly bytes: Uint8Array;
  /** One per step, in step order; `undefined` for a weightless step. */
  readonly steps: readonly (StepConstants | undefined)[];
}

/** Packs the constants of `steps`, in step order. */
export function packConstants(
  steps: readonly LoweredStep[],
): PackedConstants {
  const pool = new ConstantPool();
  const offsets = steps.map((step): StepConstants | undefined => {
    if (!isConv(step)) return undefined;
    const { bias, slope } = step.epilogue;
    return {
      weights: pool.floats(
        step.kind === "depthwise" ? packDepthwise(step) : packProduct(step),
      ),
      bias: pool.floats(bias),
      slopeMinusOne: slope
        ? pool.floats(slope.map((s) => Math.fround(s - 1)))
        : undefined,
    };
  });
  return { bytes: pool.bytes(), steps: offsets };
}

/** Collects the packed constants that become the data segment. */
class ConstantPool {
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;

  /** Appends float32 values and returns their byte offset, 64-byte aligned. */
  floats(values: Float32Array): number {
    const bytes = new Uint8Array(values.length * F32);
    // Little-endian whatever the host, as wasm memory is.
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setFloat32(i * F32, value, true));
    return this.#add(bytes);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  #add(bytes: Uint8Array): number {
    const offset = this.#bytes;
    const padded = new Uint8Array(align(bytes.length));
    padded.set(bytes);
    this.#parts.push(padded);
    this.#bytes += padded.length;
    return offset;
  }
}
