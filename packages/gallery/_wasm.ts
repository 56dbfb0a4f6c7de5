/**
 * Just enough of a WebAssembly assembler for the index's kernels: the
 * instruction encodings they use, LEB128 numbers, and a module of functions
 * over an imported memory (`env.memory`, up to 65536 pages, which the
 * index grows and views from JavaScript; shared when threads help scan it). The kernels are emitted byte by
 * byte, so no toolchain is needed to build them.
 *
 * @module
 */

// Instruction encodings (WebAssembly core, SIMD and relaxed SIMD).
export const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
export const IF = 0x04, RETURN = 0x0f, VOID = 0x40;
export const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
export const I32_LOAD = 0x28, F32_LOAD = 0x2a, I32_STORE = 0x36;
export const F32_STORE = 0x38, I32_CONST = 0x41, I32_EQZ = 0x45;
export const I32_LT_U = 0x49, I32_GE_U = 0x4f, I32_CTZ = 0x68;
export const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71;
export const F32_ADD = 0x92, F32_MUL = 0x94, F32_CONVERT_I32_S = 0xb2;
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
export const V128_LOAD = 0x00, V128_CONST = 0x0c, I8X16_SHUFFLE = 0x0d;
export const F32X4_SPLAT = 0x13, I32X4_EXTRACT_LANE = 0x1b, F32X4_GE = 0x46;
export const I32X4_BITMASK = 0xa4, I32X4_ADD = 0xae;
export const I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S = 0x113;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 of a non-negative number below 2^31. */
export function sleb(value: number): number[] {
  const bytes = uleb(value);
  // A set sign bit in the last byte would read as negative: add a byte.
  if (bytes[bytes.length - 1] & 0x40) {
    bytes[bytes.length - 1] |= 0x80;
    bytes.push(0);
  }
  return bytes;
}

/** A SIMD instruction and its immediates. */
export function simd(opcode: number, ...immediates: number[]): number[] {
  return [0xfd, ...uleb(opcode), ...immediates];
}

/** `v128.load` at a constant offset, 16-byte aligned. */
export function v128Load(offset: number): number[] {
  return simd(V128_LOAD, 4, ...uleb(offset));
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** One function of a module. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Its locals after the parameters, as runs of `[count, type]`. */
  readonly locals: readonly (readonly [number, number])[];
  /** Its code, without the final `end`. */
  readonly body: readonly number[];
}

/**
 * A module that imports `env.memory` (shared or not, as the memory it will
 * be given) and exports `functions` by name.
 */
export function moduleBytes(
  functions: readonly WasmFunction[],
  shared: boolean,
): Uint8Array<ArrayBuffer> {
  const types = functions.flatMap((f) => [
    0x60,
    f.params.length,
    ...f.params,
    f.results.length,
    ...f.results,
  ]);
  const codes = functions.flatMap((f) => {
    const code = [f.locals.length, ...f.locals.flat(), ...f.body, END];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [functions.length, ...types]),
    ...section(2, [
      1,
      ...name("env"),
      ...name("memory"),
      0x02,
      shared ? 0x03 : 0x01,
      ...uleb(1),
      ...uleb(65536),
    ]),
    ...section(3, [functions.length, ...functions.map((_, i) => i)]),
    ...section(7, [
      functions.length,
      ...functions.flatMap((f, i) => [...name(f.name), 0x00, i]),
    ]),
    ...section(10, [functions.length, ...codes]),
  ]);
}

/** Whether `memory` is shared between threads. */
export function isShared(memory: WebAssembly.Memory): boolean {
  return memory.buffer instanceof SharedArrayBuffer;
}

/** Compiles `bytes` over `memory` and returns its exports. */
export function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  memory: WebAssembly.Memory,
): WebAssembly.Exports {
  const module = new WebAssembly.Module(bytes);
  return new WebAssembly.Instance(module, { env: { memory } }).exports;
}
