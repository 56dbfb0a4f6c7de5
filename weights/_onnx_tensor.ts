/**
 * The tensors of an ONNX model at the protobuf wire level: a TensorProto's
 * name, type, dimensions and float32 or int64 values (raw, packed or one
 * field per value), read and written back; `_onnx.ts` reads and edits the
 * model around them.
 *
 * Field numbers are those of onnx.proto (IR version 3 onwards).
 *
 * @module
 */

import {
  type Field,
  lenField,
  repeatedVarints,
  stringValue,
  toInt64,
  toSafeNumber,
  varintField,
  varintValue,
  writeFields,
} from "./_protobuf.ts";

/** TensorProto.dims. */
export const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
/** TensorProto.float_data. */
export const TENSOR_FLOAT_DATA = 4;
const TENSOR_INT64_DATA = 7;
const TENSOR_NAME = 8;
/** TensorProto.raw_data. */
export const TENSOR_RAW_DATA = 9;
const TENSOR_DATA_LOCATION = 14;

/** TensorProto.DataType FLOAT. */
export const DATA_TYPE_FLOAT = 1n;
const DATA_TYPE_INT64 = 7n;

/** The model is not an ONNX model `_onnx.ts` can read or edit as asked. */
export class OnnxFormatError extends Error {
  /** Creates the error; `message` says what was wrong with the model. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OnnxFormatError";
  }
}

/** An initializer's dimensions and values. */
export interface Initializer {
  readonly dims: readonly number[];
  /** float32 values, or int64 values for int64 tensors. */
  readonly data: Float32Array | BigInt64Array;
}

/** A float32 or int64 TensorProto's dimensions and values. */
export function readTensor(
  tensor: readonly Field[],
  name: string,
): Initializer {
  const dims = repeatedVarints(tensor, TENSOR_DIMS).map((dim) =>
    toSafeNumber(dim, "initializer dimension")
  );
  const type = dataType(tensor);
  const data = type === DATA_TYPE_FLOAT
    ? floatValues(tensor, name)
    : type === DATA_TYPE_INT64
    ? BigInt64Array.from(int64Values(tensor, name))
    : undefined;
  if (!data) {
    throw new OnnxFormatError(
      `tensor ${name} has data type ${type}; only float32 (1) and int64 (7) are read`,
    );
  }
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (data.length !== count) {
    throw new OnnxFormatError(
      `tensor ${name} holds ${data.length} values for dimensions [${dims}]`,
    );
  }
  return { dims, data };
}

/** float32 values stored little-endian, as ONNX stores them. */
export function littleEndianFloats(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float32Array.from(
    { length: bytes.length >> 2 },
    (_, i) => view.getFloat32(i * 4, true),
  );
}

/** The values of a float32 TensorProto, raw or in `float_data`. */
function floatValues(tensor: readonly Field[], name: string): Float32Array {
  assertInline(tensor);
  const raw = last(tensor, TENSOR_RAW_DATA);
  if (raw) return littleEndianFloats(raw.payload);
  const parts = tensor.filter((f) => f.number === TENSOR_FLOAT_DATA);
  if (parts.some((f) => f.payload.length % 4 !== 0)) {
    throw new OnnxFormatError(`initializer ${name} has truncated float_data`);
  }
  // Packed (one length-delimited field) or one fixed32 field per value.
  return Float32Array.from(
    parts.flatMap((f) => Array.from(littleEndianFloats(f.payload))),
  );
}

/** The last field numbered `number`: the one protobuf reads. */
export function last(
  fields: readonly Field[],
  number: number,
): Field | undefined {
  // Protobuf lets a later occurrence of a singular field win.
  for (let i = fields.length - 1; i >= 0; i--) {
    if (fields[i].number === number) return fields[i];
  }
  return undefined;
}

/** The string field `number` of a message; `""` when absent. */
export function stringOf(fields: readonly Field[], number: number): string {
  const field = last(fields, number);
  return field ? stringValue(field) : "";
}

/** A TensorProto's name. */
export function tensorName(tensor: readonly Field[]): string {
  return stringOf(tensor, TENSOR_NAME);
}

/** A TensorProto's `data_type` code; 0 when unset. */
export function dataType(tensor: readonly Field[]): bigint {
  const field = last(tensor, TENSOR_DATA_TYPE);
  return field ? varintValue(field) : 0n;
}

/** Throws unless a TensorProto holds its data in the model itself. */
export function assertInline(tensor: readonly Field[]): void {
  const location = last(tensor, TENSOR_DATA_LOCATION);
  if (location && varintValue(location) !== 0n) {
    throw new OnnxFormatError(
      `initializer ${
        tensorName(tensor)
      } keeps its data in an external file, which this converter does not read`,
    );
  }
}

/** The values of an int64 TensorProto, raw or packed. */
export function int64Values(tensor: readonly Field[], name: string): bigint[] {
  if (dataType(tensor) !== DATA_TYPE_INT64) {
    throw new OnnxFormatError(
      `Reshape shape initializer ${name} has data type ${
        dataType(tensor)
      }, expected int64 (7)`,
    );
  }
  assertInline(tensor);
  const raw = last(tensor, TENSOR_RAW_DATA);
  if (raw) {
    const view = new DataView(
      raw.payload.buffer,
      raw.payload.byteOffset,
      raw.payload.length,
    );
    return Array.from(
      { length: raw.payload.length / 8 },
      (_, i) => view.getBigInt64(i * 8, true),
    );
  }
  return repeatedVarints(tensor, TENSOR_INT64_DATA).map(toInt64);
}

/** The TensorProto with its int64 values replaced, written as before. */
export function withInt64Values(
  tensor: readonly Field[],
  values: readonly bigint[],
): Uint8Array {
  const hasRaw = last(tensor, TENSOR_RAW_DATA) !== undefined;
  const out: Field[] = [];
  let written = false;
  for (const field of tensor) {
    const isData =
      field.number === (hasRaw ? TENSOR_RAW_DATA : TENSOR_INT64_DATA);
    if (!isData) {
      out.push(field);
    } else if (!written) {
      written = true;
      if (hasRaw) {
        const bytes = new Uint8Array(values.length * 8);
        const view = new DataView(bytes.buffer);
        values.forEach((value, i) => view.setBigInt64(i * 8, value, true));
        out.push(lenField(TENSOR_RAW_DATA, bytes));
      } else {
        for (const value of values) {
          out.push(varintField(TENSOR_INT64_DATA, value));
        }
      }
    }
  }
  return writeFields(out);
}
