/**
 * The candidates of a scan: the faces whose bound reaches a floor, found
 * four bounds at a time by a WebAssembly SIMD function (see `_wasm.ts`),
 * so that the search looks at those few instead of every bound.
 *
 * @module
 */

import {
  BLOCK,
  BR,
  BR_IF,
  END,
  F32,
  F32X4_GE,
  F32X4_SPLAT,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_CTZ,
  I32_EQZ,
  I32_GE_U,
  I32_LT_U,
  I32_MUL,
  I32_STORE,
  I32_SUB,
  I32X4_BITMASK,
  IF,
  instantiate,
  isShared,
  LOCAL_GET,
  LOCAL_SET,
  LOCAL_TEE,
  LOOP,
  moduleBytes,
  RETURN,
  simd,
  V128,
  VOID,
} from "./_wasm.ts";

/**
 * `select(bounds, count, floor, list, cap)`: writes to `list` (int32 each)
 * the indices, in order, of the `count` float32 bounds from byte `bounds`
 * that are at least `floor`, and returns how many there are — or `cap + 1`
 * as soon as there are more than `cap`. Reads the bounds four at a time, so
 * up to 12 bytes past the last.
 */
export type SelectFunction = (
  bounds: number,
  count: number,
  floor: number,
  list: number,
  cap: number,
) => number;

// Parameters, then locals.
const BOUNDS = 0, COUNT = 1, FLOOR = 2, LIST = 3, CAP = 4;
const I = 5, N = 6, MASK = 7, INDEX = 8, FLOORS = 9;

/** The module's bytes: `select` over an imported memory. */
export function selectBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const body = [
    LOCAL_GET,
    FLOOR,
    ...simd(F32X4_SPLAT),
    LOCAL_SET,
    FLOORS,
    BLOCK,
    VOID,
    LOOP,
    VOID,
    // while (i < count)
    LOCAL_GET,
    I,
    LOCAL_GET,
    COUNT,
    I32_GE_U,
    BR_IF,
    1,
    // mask = the lanes of bounds[i .. i + 3] at least floor
    LOCAL_GET,
    BOUNDS,
    ...simd(0x00, 2, 0),
    LOCAL_GET,
    FLOORS,
    ...simd(F32X4_GE),
    ...simd(I32X4_BITMASK),
    LOCAL_SET,
    MASK,
    BLOCK,
    VOID,
    LOOP,
    VOID,
    LOCAL_GET,
    MASK,
    I32_EQZ,
    BR_IF,
    1,
    // index = i + the lowest lane set; past count, it is not a bound
    LOCAL_GET,
    I,
    LOCAL_GET,
    MASK,
    I32_CTZ,
    I32_ADD,
    LOCAL_TEE,
    INDEX,
    LOCAL_GET,
    COUNT,
    I32_LT_U,
    IF,
    VOID,
    LOCAL_GET,
    N,
    LOCAL_GET,
    CAP,
    I32_GE_U,
    IF,
    VOID,
    LOCAL_GET,
    CAP,
    I32_CONST,
    1,
    I32_ADD,
    RETURN,
    END,
    LOCAL_GET,
    LIST,
    LOCAL_GET,
    N,
    I32_CONST,
    4,
    I32_MUL,
    I32_ADD,
    LOCAL_GET,
    INDEX,
    I32_STORE,
    2,
    0,
    LOCAL_GET,
    N,
    I32_CONST,
    1,
    I32_ADD,
    LOCAL_SET,
    N,
    END,
    // mask &= mask - 1: the next lane
    LOCAL_GET,
    MASK,
    LOCAL_GET,
    MASK,
    I32_CONST,
    1,
    I32_SUB,
    I32_AND,
    LOCAL_SET,
    MASK,
    BR,
    0,
    END,
    END,
    LOCAL_GET,
    I,
    I32_CONST,
    4,
    I32_ADD,
    LOCAL_SET,
    I,
    LOCAL_GET,
    BOUNDS,
    I32_CONST,
    16,
    I32_ADD,
    LOCAL_SET,
    BOUNDS,
    BR,
    0,
    END,
    END,
    LOCAL_GET,
    N,
  ];
  return moduleBytes([{
    name: "select",
    params: [I32, I32, F32, I32, I32],
    results: [I32],
    locals: [[4, I32], [1, V128]],
    body,
  }], shared);
}

/** Compiles `select` over `memory`. */
export function selectKernel(memory: WebAssembly.Memory): SelectFunction {
  return instantiate(selectBytes(isShared(memory)), memory)
    .select as SelectFunction;
}

/**
 * The largest float32 at most `value`: a floor that the kernel, comparing
 * in float32, applies no higher than asked.
 */
export function float32Below(value: number): number {
  const rounded = Math.fround(value);
  if (rounded <= value) return rounded;
  // Rounded up, to zero or away from it: one float32 step down.
  if (rounded === 0) return -(2 ** -149);
  const bits = new Float32Array([rounded]);
  const word = new Int32Array(bits.buffer);
  // Down in magnitude if positive, up if negative.
  word[0] += rounded > 0 ? -1 : 1;
  return bits[0];
}
