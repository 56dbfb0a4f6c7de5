/**
 * The inputs and outputs of an ONNX graph (ValueInfoProto) at the protobuf
 * wire level: their names, element types and dimensions read, and a fixed
 * batch of 1 rewritten as a symbolic dimension.
 *
 * Field numbers are those of onnx.proto (IR version 3 onwards).
 *
 * @module
 */

import {
  type Field,
  lenField,
  readFields,
  stringValue,
  toSafeNumber,
  varintValue,
  writeFields,
} from "./_protobuf.ts";
import { last, OnnxFormatError, stringOf } from "./_onnx_tensor.ts";

/** ValueInfoProto.name, which `_onnx.ts` reads to tell graph values apart. */
export const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TYPE_TENSOR_ELEM_TYPE = 1;
const TYPE_TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

/** A graph input or output: its name, element type and dimensions. */
export interface ValueSummary {
  /** The tensor's name in the graph. */
  readonly name: string;
  /** ONNX `TensorProto.DataType` code; 1 is float32. */
  readonly elemType: number;
  /** Each dimension: a fixed size, a symbolic name, or `null` when unset. */
  readonly shape: readonly (number | string | null)[];
}

/** A ValueInfoProto parsed down to its shape, each level kept for editing. */
interface ParsedValueInfo {
  readonly name: string;
  readonly valueInfo: Field[];
  readonly type: Field;
  readonly typeFields: Field[];
  readonly tensorType: Field;
  readonly tensorTypeFields: Field[];
  readonly shape: Field;
  readonly dims: Field[];
}

function parseValueInfo(bytes: Uint8Array): ParsedValueInfo {
  const valueInfo = readFields(bytes);
  const name = stringOf(valueInfo, VALUE_INFO_NAME);
  const type = last(valueInfo, VALUE_INFO_TYPE);
  const typeFields = type ? readFields(type.payload) : [];
  const tensorType = last(typeFields, TYPE_TENSOR);
  const tensorTypeFields = tensorType ? readFields(tensorType.payload) : [];
  const shape = last(tensorTypeFields, TYPE_TENSOR_SHAPE);
  if (!type || !tensorType || !shape) {
    throw new OnnxFormatError(`graph value ${name} has no tensor shape`);
  }
  return {
    name,
    valueInfo,
    type,
    typeFields,
    tensorType,
    tensorTypeFields,
    shape,
    dims: readFields(shape.payload),
  };
}

/** A graph input or output as its name, element type and dimensions. */
export function valueSummary(bytes: Uint8Array): ValueSummary {
  const { name, tensorTypeFields, dims } = parseValueInfo(bytes);
  const elem = last(tensorTypeFields, TYPE_TENSOR_ELEM_TYPE);
  return {
    name,
    elemType: elem ? Number(varintValue(elem)) : 0,
    shape: dims.filter((f) => f.number === SHAPE_DIM).map(
      (dim) => {
        const parts = readFields(dim.payload);
        const value = last(parts, DIM_VALUE);
        const param = last(parts, DIM_PARAM);
        if (value) return toSafeNumber(varintValue(value), "dimension");
        return param ? stringValue(param) : null;
      },
    ),
  };
}

/** Rewrites a ValueInfoProto so that its dimension 0, now 1, is `dimName`. */
export function symbolicBatch(bytes: Uint8Array, dimName: string): Uint8Array {
  const parsed = parseValueInfo(bytes);
  const { name, dims } = parsed;
  const first = dims.find((f) => f.number === SHAPE_DIM);
  const value = first && last(readFields(first.payload), DIM_VALUE);
  if (!first || !value || varintValue(value) !== 1n) {
    throw new OnnxFormatError(
      `graph value ${name} does not have a fixed batch of 1 in dimension 0`,
    );
  }
  const param = lenField(DIM_PARAM, new TextEncoder().encode(dimName));
  // Keep a denotation or any other part of the dimension; only the value
  // becomes a name.
  const newFirst = lenField(
    SHAPE_DIM,
    writeFields(
      readFields(first.payload).map((f) => f.number === DIM_VALUE ? param : f),
    ),
  );
  const replace = (fields: Field[], old: Field, next: Field): Uint8Array =>
    writeFields(fields.map((f) => f === old ? next : f));
  const newShape = lenField(
    TYPE_TENSOR_SHAPE,
    replace(dims, first, newFirst),
  );
  const newTensorType = lenField(
    TYPE_TENSOR,
    replace(parsed.tensorTypeFields, parsed.shape, newShape),
  );
  const newType = lenField(
    VALUE_INFO_TYPE,
    replace(parsed.typeFields, parsed.tensorType, newTensorType),
  );
  return replace(parsed.valueInfo, parsed.type, newType);
}
