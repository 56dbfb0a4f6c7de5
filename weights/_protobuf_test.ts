import assert from "node:assert/strict";
import {
  encodeVarint,
  lenField,
  ProtobufError,
  readFields,
  readVarint,
  repeatedVarints,
  toInt64,
  varintField,
  WireType,
  writeFields,
} from "./_protobuf.ts";

Deno.test("varints", async (t) => {
  await t.step("round-trip unsigned and negative values", () => {
    for (const value of [0n, 1n, 127n, 128n, 300n, 2n ** 53n, 2n ** 63n - 1n]) {
      const bytes = encodeVarint(value);
      assert.deepEqual(readVarint(bytes, 0), { value, next: bytes.length });
    }
    const minusOne = encodeVarint(-1);
    assert.equal(minusOne.length, 10);
    assert.equal(toInt64(readVarint(minusOne, 0).value), -1n);
  });

  await t.step("encode the way protobuf does", () => {
    assert.deepEqual(encodeVarint(300), Uint8Array.of(0xac, 0x02));
  });

  await t.step("reject truncated and overlong input", () => {
    assert.throws(() => readVarint(Uint8Array.of(0x80), 0), ProtobufError);
    assert.throws(
      () => readVarint(new Uint8Array(11).fill(0x80), 0),
      ProtobufError,
    );
  });
});

Deno.test("fields", async (t) => {
  await t.step("encode fields built in code", () => {
    const bytes = writeFields([
      varintField(1, 150),
      lenField(2, new TextEncoder().encode("abc")),
    ]);
    assert.deepEqual(
      bytes,
      Uint8Array.of(0x08, 0x96, 0x01, 0x12, 0x03, 0x61, 0x62, 0x63),
    );
  });

  await t.step("write read fields back byte for byte", () => {
    // A length written in two bytes where one would do: a re-encoder would
    // shorten it, a verbatim copy must not.
    const bytes = Uint8Array.of(
      0x0a,
      0x82,
      0x00,
      0x68,
      0x69,
      0x1d,
      0x00,
      0x00,
      0x80,
      0x3f,
      0x21,
      ...new Uint8Array(8),
    );
    const fields = readFields(bytes);
    assert.deepEqual(fields.map((f) => [f.number, f.wireType]), [
      [1, WireType.len],
      [3, WireType.fixed32],
      [4, WireType.fixed64],
    ]);
    assert.deepEqual(fields[0].payload, Uint8Array.of(0x68, 0x69));
    assert.deepEqual(writeFields(fields), bytes);
  });

  await t.step("read packed and unpacked repeated varints", () => {
    const fields = readFields(writeFields([
      lenField(1, Uint8Array.of(0x01, 0xac, 0x02)),
      varintField(1, 7),
      varintField(2, 9),
    ]));
    assert.deepEqual(repeatedVarints(fields, 1), [1n, 300n, 7n]);
  });

  await t.step("reject damaged messages", () => {
    // Length 5 with only 1 byte left.
    assert.throws(() => readFields(Uint8Array.of(0x0a, 0x05, 0x00)), {
      name: "ProtobufError",
      message: /past the end/,
    });
    // Wire type 3 (start group) is not supported.
    assert.throws(() => readFields(Uint8Array.of(0x0b)), {
      name: "ProtobufError",
      message: /wire type 3/,
    });
    assert.throws(() => readFields(Uint8Array.of(0x00, 0x00)), {
      name: "ProtobufError",
      message: /field number 0/,
    });
  });
});
