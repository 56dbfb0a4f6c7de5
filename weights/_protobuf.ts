/**
 * A minimal protobuf wire-format reader and writer. It knows nothing about
 * schemas: a message is a list of fields, each kept with its original bytes,
 * so a message can be edited field by field and every untouched field is
 * written back byte for byte.
 *
 * @module
 */

/** The wire types that protobuf 3 still emits (groups are not supported). */
export const WireType = {
  varint: 0,
  fixed64: 1,
  len: 2,
  fixed32: 5,
} as const;

/** One of the values of {@linkcode WireType}. */
export type WireType = typeof WireType[keyof typeof WireType];

/** The bytes are not valid protobuf wire format, or a value does not fit. */
export class ProtobufError extends Error {
  /** Creates the error; `message` says what was wrong and where. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtobufError";
  }
}

/** One field of a message as it appears on the wire. */
export interface Field {
  /** The field number from the schema. */
  readonly number: number;
  /** How the payload is encoded. */
  readonly wireType: WireType;
  /**
   * The payload: the content of a length-delimited field without its length
   * prefix, the varint's own bytes, or the 4 or 8 fixed bytes.
   */
  readonly payload: Uint8Array;
  /**
   * The whole field as read, tag and length included. Fields built in code
   * leave it out and are encoded from `number`, `wireType` and `payload`.
   */
  readonly raw?: Uint8Array;
}

const MAX_VARINT_BYTES = 10;

/** Reads a varint at `offset`; returns its value and the offset after it. */
export function readVarint(
  bytes: Uint8Array,
  offset: number,
): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const at = offset + i;
    if (at >= bytes.length) {
      throw new ProtobufError(
        `varint at byte ${offset} runs past the end of the ${bytes.length}-byte buffer`,
      );
    }
    const byte = bytes[at];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    shift += 7n;
  }
  throw new ProtobufError(
    `varint at byte ${offset} is longer than ${MAX_VARINT_BYTES} bytes`,
  );
}

/**
 * Encodes a varint. Negative values are written as 64-bit two's complement
 * (10 bytes), as protobuf does for `int64` and `int32`.
 */
export function encodeVarint(value: bigint | number): Uint8Array {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(out);
}

/** Interprets a varint's value as a signed 64-bit integer (`int64`). */
export function toInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** Converts a varint's value to a safe JavaScript number or throws. */
export function toSafeNumber(value: bigint, what: string): number {
  const signed = toInt64(value);
  if (
    signed > BigInt(Number.MAX_SAFE_INTEGER) ||
    signed < BigInt(Number.MIN_SAFE_INTEGER)
  ) {
    throw new ProtobufError(`${what} ${signed} does not fit a safe number`);
  }
  return Number(signed);
}

/** Splits a message into its fields, in wire order. */
export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const tag = readVarint(bytes, offset);
    offset = tag.next;
    const number = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (number < 1 || number > 0x1fffffff) {
      throw new ProtobufError(
        `field number ${number} at byte ${start} is outside 1..2^29-1`,
      );
    }
    let payloadStart: number;
    let payloadEnd: number;
    switch (wireType) {
      case WireType.varint: {
        payloadStart = offset;
        payloadEnd = readVarint(bytes, offset).next;
        break;
      }
      case WireType.fixed64:
        payloadStart = offset;
        payloadEnd = offset + 8;
        break;
      case WireType.fixed32:
        payloadStart = offset;
        payloadEnd = offset + 4;
        break;
      case WireType.len: {
        const length = readVarint(bytes, offset);
        payloadStart = length.next;
        payloadEnd = payloadStart + toSafeNumber(length.value, "length");
        break;
      }
      default:
        throw new ProtobufError(
          `field ${number} at byte ${start} has wire type ${wireType}, which this reader does not support`,
        );
    }
    if (payloadEnd > bytes.length || payloadEnd < payloadStart) {
      throw new ProtobufError(
        `field ${number} at byte ${start} ends at byte ${payloadEnd}, past the end of the ${bytes.length}-byte message`,
      );
    }
    fields.push({
      number,
      wireType: wireType as WireType,
      payload: bytes.subarray(payloadStart, payloadEnd),
      raw: bytes.subarray(start, payloadEnd),
    });
    offset = payloadEnd;
  }
  return fields;
}

/** Builds a length-delimited field (a submessage, string, bytes or packed list). */
export function lenField(number: number, payload: Uint8Array): Field {
  return { number, wireType: WireType.len, payload };
}

/** Builds a varint field. */
export function varintField(number: number, value: bigint | number): Field {
  return { number, wireType: WireType.varint, payload: encodeVarint(value) };
}

/**
 * Writes fields back into a message. Fields that still carry `raw` are copied
 * verbatim, so a message read and written unchanged keeps its exact bytes.
 */
export function writeFields(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of fields) {
    if (field.raw) {
      parts.push(field.raw);
      continue;
    }
    parts.push(
      encodeVarint((BigInt(field.number) << 3n) | BigInt(field.wireType)),
    );
    if (field.wireType === WireType.len) {
      parts.push(encodeVarint(field.payload.length));
    }
    parts.push(field.payload);
  }
  return concat(parts);
}

/** Reads a varint field's value. */
export function varintValue(field: Field): bigint {
  if (field.wireType !== WireType.varint) {
    throw new ProtobufError(
      `field ${field.number} has wire type ${field.wireType}, expected a varint`,
    );
  }
  return readVarint(field.payload, 0).value;
}

/** Reads a length-delimited field as UTF-8 text. */
export function stringValue(field: Field): string {
  if (field.wireType !== WireType.len) {
    throw new ProtobufError(
      `field ${field.number} has wire type ${field.wireType}, expected a string`,
    );
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(field.payload);
}

/**
 * Reads every value of a repeated varint field, whether it was written
 * packed (one length-delimited field) or unpacked (one field per value).
 */
export function repeatedVarints(
  fields: readonly Field[],
  number: number,
): bigint[] {
  const values: bigint[] = [];
  for (const field of fields) {
    if (field.number !== number) continue;
    if (field.wireType === WireType.len) {
      let offset = 0;
      while (offset < field.payload.length) {
        const { value, next } = readVarint(field.payload, offset);
        values.push(value);
        offset = next;
      }
    } else {
      values.push(varintValue(field));
    }
  }
  return values;
}

/** Concatenates byte arrays into one. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
