// Pure codec of libvirt's virTypedParameter arrays, on raw bytes (no FFI here).
//
// C layout on LP64 (x86_64, aarch64): char field[80]; int type; <4 bytes padding>;
// union { int; unsigned int; long long; unsigned long long; double; char; char * } value;
// 96 bytes per parameter. Strings are pointers into libvirt's memory, so decoding takes a
// reader that turns an address into a JS string (ffi.ts passes koffi's).
import { TypedParamType } from './constants';

export const TYPED_PARAM_SIZE = 96;
const FIELD_LENGTH = 80;
const TYPE_OFFSET = 80;
const VALUE_OFFSET = 88;

export type TypedParamValue = number | string | boolean;
export type TypedParams = Map<string, TypedParamValue>;

/** A parameter to encode; `type` says how libvirt expects the value. */
export interface TypedParamInput {
  field: string;
  type: 'int' | 'uint' | 'llong' | 'ullong' | 'double' | 'boolean';
  value: number | boolean;
}

/**
 * Decodes `count` parameters from `bytes` (at least count × 96 bytes). 64-bit integers
 * become numbers (exact up to 2^53, i.e. 8 PiB of counters).
 */
export function decodeTypedParams(
  bytes: Uint8Array,
  count: number,
  readCString: (address: bigint) => string,
): TypedParams {
  if (bytes.byteLength < count * TYPED_PARAM_SIZE) {
    throw new RangeError(`typed params: ${bytes.byteLength} bytes cannot hold ${count} parameters`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TypedParams = new Map();
  for (let i = 0; i < count; i++) {
    const base = i * TYPED_PARAM_SIZE;
    const field = readField(bytes, base);
    const type = view.getInt32(base + TYPE_OFFSET, true);
    const at = base + VALUE_OFFSET;
    switch (type) {
      case TypedParamType.int:
        out.set(field, view.getInt32(at, true));
        break;
      case TypedParamType.uint:
        out.set(field, view.getUint32(at, true));
        break;
      case TypedParamType.llong:
        out.set(field, Number(view.getBigInt64(at, true)));
        break;
      case TypedParamType.ullong:
        out.set(field, Number(view.getBigUint64(at, true)));
        break;
      case TypedParamType.double:
        out.set(field, view.getFloat64(at, true));
        break;
      case TypedParamType.boolean:
        out.set(field, view.getInt8(at) !== 0);
        break;
      case TypedParamType.string: {
        const address = view.getBigUint64(at, true);
        out.set(field, address === 0n ? '' : readCString(address));
        break;
      }
      default:
        throw new RangeError(`typed params: field "${field}" has unknown type ${type}`);
    }
  }
  return out;
}

function readField(bytes: Uint8Array, base: number): string {
  let end = base;
  while (end < base + FIELD_LENGTH && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + base, end - base).toString('utf8');
}

/** Encodes parameters into a fresh buffer that libvirt can read as virTypedParameter[]. */
export function encodeTypedParams(params: readonly TypedParamInput[]): Buffer {
  const buf = Buffer.alloc(Math.max(1, params.length) * TYPED_PARAM_SIZE);
  params.forEach((p, i) => {
    const base = i * TYPED_PARAM_SIZE;
    const name = Buffer.from(p.field, 'utf8');
    if (name.length >= FIELD_LENGTH) throw new RangeError(`typed params: field name too long: ${p.field}`);
    name.copy(buf, base);
    buf.writeInt32LE(TypedParamType[p.type], base + TYPE_OFFSET);
    const at = base + VALUE_OFFSET;
    const v = p.value;
    if (p.type === 'boolean') {
      buf.writeInt8(v ? 1 : 0, at);
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`typed params: ${p.field} needs a finite number, got ${String(v)}`);
    }
    if (p.type === 'double') buf.writeDoubleLE(v, at);
    else if (!Number.isInteger(v))
      throw new RangeError(`typed params: ${p.field} needs an integer, got ${v}`);
    else if (p.type === 'int') buf.writeInt32LE(v, at);
    else if (p.type === 'uint') buf.writeUInt32LE(v, at);
    else if (p.type === 'llong') buf.writeBigInt64LE(BigInt(v), at);
    else buf.writeBigUInt64LE(BigInt(v), at);
  });
  return buf;
}

/** Reads a number parameter, or undefined when absent or not a number. */
export function num(params: TypedParams, field: string): number | undefined {
  const v = params.get(field);
  return typeof v === 'number' ? v : undefined;
}

/** Reads a string parameter, or undefined when absent or not a string. */
export function str(params: TypedParams, field: string): string | undefined {
  const v = params.get(field);
  return typeof v === 'string' ? v : undefined;
}
