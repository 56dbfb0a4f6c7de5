/**
 * A small WebAssembly binary writer: just what the embedder compiler needs
 * (i32, f32 and v128 values, loops, loads and stores, SIMD arithmetic, one
 * memory, data segments and exports). The output is deterministic: the same
 * calls give the same bytes.
 *
 * @module
 */

/** Value types, by their binary encoding. */
export const ValType = {
  i32: 0x7f,
  f32: 0x7d,
  v128: 0x7b,
} as const;

/** One of the values of {@linkcode ValType}. */
export type ValType = typeof ValType[keyof typeof ValType];

/** A function body under construction, or a finished module, is invalid. */
export class WasmBuildError extends Error {
  /** Creates the error; `message` says what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "WasmBuildError";
  }
}

/** Encodes an unsigned LEB128 integer. */
export function uleb(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WasmBuildError(`${value} is not an unsigned integer`);
  }
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** Encodes a signed LEB128 integer of at most 32 bits. */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw new WasmBuildError(`${value} does not fit 32 bits`);
  }
  let rest = value | 0;
  const out: number[] = [];
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) ||
      (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Alignment exponents of the memory instructions, as natural alignment. */
const ALIGN = { f32: 2, v128: 4 } as const;

/**
 * Builds one function body. Instructions are appended by chained calls in
 * stack-machine order, as in the text format.
 */
export class FunctionBuilder {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly #locals: ValType[] = [];
  readonly #code: number[] = [];
  #depth = 0;

  /** Starts a function with the given parameter and result types. */
  constructor(params: readonly ValType[], results: readonly ValType[]) {
    this.params = params;
    this.results = results;
  }

  /** Declares a local and returns its index. */
  local(type: ValType): number {
    this.#locals.push(type);
    return this.params.length + this.#locals.length - 1;
  }

  /** `local.get`. */
  get(index: number): this {
    return this.#emit(0x20, ...uleb(index));
  }

  /** `local.set`. */
  set(index: number): this {
    return this.#emit(0x21, ...uleb(index));
  }

  /** `local.tee`. */
  tee(index: number): this {
    return this.#emit(0x22, ...uleb(index));
  }

  /** `i32.const`. */
  i32(value: number): this {
    return this.#emit(0x41, ...sleb(value));
  }

  /** `i32.add`. */
  add(): this {
    return this.#emit(0x6a);
  }

  /** `i32.mul`. */
  mul(): this {
    return this.#emit(0x6c);
  }

  /** `i32.lt_u`. */
  ltU(): this {
    return this.#emit(0x49);
  }

  /** `call` of the function with index `index`. */
  call(index: number): this {
    return this.#emit(0x10, ...uleb(index));
  }

  /** `loop` with no result; close it with {@linkcode end}. */
  loop(): this {
    this.#depth++;
    return this.#emit(0x03, 0x40);
  }

  /** `end` of the innermost open block or loop. */
  end(): this {
    if (this.#depth === 0) throw new WasmBuildError("end without a block");
    this.#depth--;
    return this.#emit(0x0b);
  }

  /** `br_if` to the enclosing block `depth` levels out. */
  brIf(depth: number): this {
    return this.#emit(0x0d, ...uleb(depth));
  }

  /** `f32.load` at the address on the stack plus `offset`. */
  f32Load(offset = 0): this {
    return this.#emit(0x2a, ALIGN.f32, ...uleb(offset));
  }

  /** `f32.store` at the address below the value plus `offset`. */
  f32Store(offset = 0): this {
    return this.#emit(0x38, ALIGN.f32, ...uleb(offset));
  }

  /** `v128.load` at the address on the stack plus `offset`. */
  v128Load(offset = 0): this {
    return this.#simd(0x00, ALIGN.v128, ...uleb(offset));
  }

  /** `v128.load32_splat`: one f32 from memory, in every lane. */
  load32Splat(offset = 0): this {
    return this.#simd(0x09, ALIGN.f32, ...uleb(offset));
  }

  /** `v128.store` at the address below the value plus `offset`. */
  v128Store(offset = 0): this {
    return this.#simd(0x0b, ALIGN.v128, ...uleb(offset));
  }

  /** `v128.const` of four zero lanes. */
  zero(): this {
    return this.#simd(0x0c, ...new Array<number>(16).fill(0));
  }

  /** `v128.const` of four f32 lanes, each `value`. */
  f32x4Const(value: number): this {
    const lane = new Uint8Array(4);
    // Little-endian whatever the host, as wasm reads constants.
    new DataView(lane.buffer).setFloat32(0, value, true);
    return this.#simd(0x0c, ...lane, ...lane, ...lane, ...lane);
  }

  /** `f32x4.add`. */
  f32x4Add(): this {
    return this.#simd(0xe4);
  }

  /** `f32x4.sub`. */
  f32x4Sub(): this {
    return this.#simd(0xe5);
  }

  /** `f32x4.mul`. */
  f32x4Mul(): this {
    return this.#simd(0xe6);
  }

  /** `f32x4.div`. */
  f32x4Div(): this {
    return this.#simd(0xe7);
  }

  /** `f32x4.nearest`: each lane rounded to the nearest integer, ties to even. */
  f32x4Nearest(): this {
    return this.#simd(0x6a);
  }

  /** `i32x4.trunc_sat_f32x4_s`: each f32 lane to a saturated signed i32. */
  i32x4TruncSatF32x4S(): this {
    return this.#simd(0xf8);
  }

  /** `i32x4.shl` by the i32 on top of the stack. */
  i32x4Shl(): this {
    return this.#simd(0xab);
  }

  /** `f32x4.pmin`: lane-wise `b < a ? b : a`, one instruction on x64 and arm64. */
  f32x4Pmin(): this {
    return this.#simd(0xea);
  }

  /** `f32x4.pmax`: lane-wise `a < b ? b : a`. */
  f32x4Pmax(): this {
    return this.#simd(0xeb);
  }

  /**
   * `f32x4.relaxed_madd` (a × b + c): fused where the CPU has FMA, a multiply
   * and an add otherwise, so the last bit may differ between machines.
   */
  f32x4RelaxedMadd(): this {
    return this.#simd(0x105);
  }

  /** The body as the code section stores it: size, locals, instructions. */
  encode(): number[] {
    if (this.#depth !== 0) {
      throw new WasmBuildError(`${this.#depth} block(s) left open`);
    }
    const groups: [number, ValType][] = [];
    for (const type of this.#locals) {
      const last = groups.at(-1);
      if (last && last[1] === type) last[0]++;
      else groups.push([1, type]);
    }
    const body = [
      ...uleb(groups.length),
      ...groups.flatMap(([count, type]) => [...uleb(count), type]),
      ...this.#code,
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  }

  #simd(opcode: number, ...immediates: number[]): this {
    return this.#emit(0xfd, ...uleb(opcode), ...immediates);
  }

  #emit(...bytes: number[]): this {
    for (const byte of bytes) this.#code.push(byte);
    return this;
  }
}

/** What {@linkcode encodeModule} puts into a module. */
export interface ModuleSpec {
  /** Every function, in index order. */
  readonly functions: readonly FunctionBuilder[];
  /** Exported functions: export name and function index. */
  readonly exports: readonly {
    readonly name: string;
    readonly index: number;
  }[];
  /** Initial size of the module's own memory, in 64 KiB pages; exported as `memory`. */
  readonly memoryPages: number;
  /** Active data segments: bytes copied into memory at `offset` on instantiation. */
  readonly data: readonly {
    readonly offset: number;
    readonly bytes: Uint8Array;
  }[];
  /** Custom sections, written after everything else. */
  readonly custom?: readonly {
    readonly name: string;
    readonly bytes: Uint8Array;
  }[];
}

/**
 * Encodes a module that defines and exports its memory.
 *
 * @example
 * ```ts
 * import { encodeModule, FunctionBuilder, ValType } from "./_wasm.ts";
 * const f = new FunctionBuilder([ValType.i32], [ValType.i32]);
 * f.get(0).i32(1).add();
 * const bytes = encodeModule({
 *   functions: [f],
 *   exports: [{ name: "increment", index: 0 }],
 *   memoryPages: 1,
 *   data: [],
 * });
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: readonly number[]): Uint8Array =>
    Uint8Array.from([id, ...uleb(content.length), ...content]);
  const signature = (f: FunctionBuilder) =>
    [
      0x60,
      ...vector(f.params.map((t) => [t])),
      ...vector(f.results.map((t) => [t])),
    ].join(",");
  const types = [...new Set(spec.functions.map(signature))];
  const parts: Uint8Array[] = [
    Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    section(1, vector(types.map((t) => t.split(",").map(Number)))),
    section(
      3,
      vector(spec.functions.map((f) => uleb(types.indexOf(signature(f))))),
    ),
    section(5, vector([[0x00, ...uleb(spec.memoryPages)]])),
    section(
      7,
      vector([
        [...name("memory"), 0x02, 0x00],
        ...spec.exports.map((e) => [...name(e.name), 0x00, ...uleb(e.index)]),
      ]),
    ),
    section(10, vector(spec.functions.map((f) => f.encode()))),
  ];
  // Data segments can be megabytes: build them without spreading into arrays.
  const segments: Uint8Array[] = [Uint8Array.from(uleb(spec.data.length))];
  for (const { offset, bytes } of spec.data) {
    segments.push(
      Uint8Array.from([
        0x00,
        0x41,
        ...sleb(offset),
        0x0b,
        ...uleb(bytes.length),
      ]),
      bytes,
    );
  }
  const dataLength = segments.reduce((sum, s) => sum + s.length, 0);
  parts.push(Uint8Array.from([11, ...uleb(dataLength)]), ...segments);
  for (const custom of spec.custom ?? []) {
    const label = name(custom.name);
    parts.push(
      Uint8Array.from([0, ...uleb(label.length + custom.bytes.length)]),
      Uint8Array.from(label),
      custom.bytes,
    );
  }
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
