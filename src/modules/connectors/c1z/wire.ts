// Protobuf wire decoding by field number (no codegen): a field walker whose readers check the
// wire type, and the well-known types baton uses (Struct, Timestamp, Any). Any malformed input
// throws; the caller turns that into a 'bad-protobuf' refusal.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { JsonObject, JsonValue } from './types.ts';

/** Calls `on` for each field; a field `on` does not consume (returns false) is skipped. */
export function fields(bytes: Uint8Array, on: (no: number, wt: WireType, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!on(no, wt, r)) r.skip(wt, no);
  }
}

function expect(wt: WireType, want: WireType): void {
  if (wt !== want) throw new Error(`wire type ${wt} where ${want} was expected`);
}

export function str(r: BinaryReader, wt: WireType): string {
  expect(wt, WireType.LengthDelimited);
  return r.string();
}
export function msg(r: BinaryReader, wt: WireType): Uint8Array {
  expect(wt, WireType.LengthDelimited);
  return r.bytes();
}
export function bool(r: BinaryReader, wt: WireType): boolean {
  expect(wt, WireType.Varint);
  return r.bool();
}
export function enumValue(r: BinaryReader, wt: WireType): number {
  expect(wt, WireType.Varint);
  return r.int32();
}
function int64(r: BinaryReader, wt: WireType): number {
  expect(wt, WireType.Varint);
  return Number(r.int64());
}

/** A repeated enum, packed (proto3's default) or not. */
export function enums(r: BinaryReader, wt: WireType, out: number[]): void {
  if (wt === WireType.Varint) {
    out.push(r.int32());
    return;
  }
  const packed = new BinaryReader(msg(r, wt));
  while (packed.pos < packed.len) out.push(packed.int32());
}

/** google.protobuf.Timestamp as RFC 3339 (milliseconds), undefined when out of range. */
export function timestamp(bytes: Uint8Array): string | undefined {
  let seconds = 0;
  let nanos = 0;
  fields(bytes, (no, wt, r) => {
    if (no === 1) seconds = int64(r, wt);
    else if (no === 2) nanos = enumValue(r, wt);
    else return false;
    return true;
  });
  const date = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** google.protobuf.Any: the message name (after the last '/') and its bytes. */
export function any(bytes: Uint8Array): { type: string; value: Uint8Array } {
  let typeUrl = '';
  let value: Uint8Array = new Uint8Array(0);
  fields(bytes, (no, wt, r) => {
    if (no === 1) typeUrl = str(r, wt);
    else if (no === 2) value = msg(r, wt);
    else return false;
    return true;
  });
  return { type: typeUrl.slice(typeUrl.lastIndexOf('/') + 1), value };
}

/** Sets a key without letting "__proto__" reach the prototype. */
export function put<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** google.protobuf.Struct as plain JSON (non-finite numbers as proto3 JSON spells them). */
export function struct(bytes: Uint8Array): JsonObject {
  const out: JsonObject = {};
  fields(bytes, (no, wt, r) => {
    if (no !== 1) return false;
    let key = '';
    let value: JsonValue = null;
    fields(msg(r, wt), (eno, ewt, er) => {
      if (eno === 1) key = str(er, ewt);
      else if (eno === 2) value = structValue(msg(er, ewt));
      else return false;
      return true;
    });
    put(out, key, value);
    return true;
  });
  return out;
}

function structValue(bytes: Uint8Array): JsonValue {
  let value: JsonValue = null;
  fields(bytes, (no, wt, r) => {
    switch (no) {
      case 1:
        enumValue(r, wt);
        value = null;
        return true;
      case 2: {
        expect(wt, WireType.Bit64);
        const n = r.double();
        value = Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
        return true;
      }
      case 3:
        value = str(r, wt);
        return true;
      case 4:
        value = bool(r, wt);
        return true;
      case 5:
        value = struct(msg(r, wt));
        return true;
      case 6: {
        const list: JsonValue[] = [];
        fields(msg(r, wt), (lno, lwt, lr) => {
          if (lno !== 1) return false;
          list.push(structValue(msg(lr, lwt)));
          return true;
        });
        value = list;
        return true;
      }
      default:
        return false;
    }
  });
  return value;
}
