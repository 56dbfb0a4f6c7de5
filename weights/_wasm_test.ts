import assert from "node:assert/strict";
import {
  encodeModule,
  FunctionBuilder,
  sleb,
  uleb,
  ValType,
  WasmBuildError,
} from "./_wasm.ts";

Deno.test("LEB128 integers encode as the spec's examples", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-64), [0x40]);
  assert.throws(() => uleb(-1), WasmBuildError);
  assert.throws(() => sleb(2 ** 32), WasmBuildError);
});

Deno.test("an encoded module runs: loops, memory, SIMD and data", async () => {
  // sum4(p): adds the four floats at p with f32x4 ops and stores the lanes
  // at 32; the data segment puts 1, 2, 3, 4 at 16.
  const sum = new FunctionBuilder([ValType.i32], []);
  const i = sum.local(ValType.i32);
  const acc = sum.local(ValType.v128);
  sum.zero().set(acc);
  sum.i32(0).set(i);
  sum.loop();
  sum.get(acc).get(0).v128Load().f32x4Add().set(acc);
  sum.get(i).i32(1).add().tee(i).i32(3).ltU().brIf(0);
  sum.end();
  sum.i32(32).get(acc).v128Store();
  const floats = new Uint8Array(Float32Array.of(1, -2, 3, 4).buffer);
  const bytes = encodeModule({
    functions: [sum],
    exports: [{ name: "sum", index: 0 }],
    memoryPages: 1,
    data: [{ offset: 16, bytes: floats }],
    custom: [{ name: "note", bytes: new TextEncoder().encode("hi") }],
  });
  const module = await WebAssembly.compile(bytes);
  assert.deepEqual(
    new Uint8Array(WebAssembly.Module.customSections(module, "note")[0]),
    new TextEncoder().encode("hi"),
  );
  const { exports } = await WebAssembly.instantiate(module, {});
  (exports.sum as (p: number) => void)(16);
  const memory = exports.memory as WebAssembly.Memory;
  assert.deepEqual(
    Array.from(new Float32Array(memory.buffer, 32, 4)),
    [3, -6, 9, 12],
  );
});

Deno.test("unbalanced blocks are refused", () => {
  assert.throws(
    () => new FunctionBuilder([], []).end(),
    WasmBuildError,
  );
  assert.throws(
    () => new FunctionBuilder([], []).loop().encode(),
    WasmBuildError,
  );
});
