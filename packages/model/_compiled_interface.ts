/**
 * The contract between `_compile.ts`, which writes compiled modules, and
 * `_compiled.ts`, which runs them; kept apart so that running a module
 * never loads the compiler.
 *
 * @module
 */

/** The name of the custom section that describes a compiled module. */
export const INTERFACE_SECTION = "facever.interface";

/** Where one input or output of a compiled module lives. */
export interface Port {
  /** Its name in the ONNX graph the module was compiled from. */
  readonly name: string;
  /** Dimensions of one item, without the batch, e.g. `[3, 112, 112]`. */
  readonly dims: readonly number[];
  /** Byte offset of the item in memory: float32, little-endian, row-major. */
  readonly offset: number;
  /**
   * `"nhwc"` for a feature map, whose `dims` are then `[height, width,
   * channels]`; absent for the graph's own layout.
   */
  readonly layout?: "nhwc";
  /** Floats from one pixel of an NHWC map to the next, when not `channels`. */
  readonly pixelStride?: number;
}

/**
 * What the {@linkcode INTERFACE_SECTION} custom section holds, as JSON. The
 * module exports `memory` and `run()`: write one item's input at
 * `input.offset`, call `run`, read each output at its offset.
 */
export interface CompiledInterface {
  readonly input: Port;
  readonly outputs: readonly Port[];
}
