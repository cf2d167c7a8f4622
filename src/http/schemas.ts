// Schema pieces shared by every module, following proto3's JSON mapping.
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import { invalidArgument } from './errors.ts';

/** RFC 3339 timestamp in UTC. */
export const Timestamp = Type.String({ format: 'date-time' });
/** int64/uint64 travel as JSON strings. */
export const Int64 = Type.String({ pattern: '^-?[0-9]+$' });
/** Any with @type, as found in `expanded` arrays. */
export const AnyMessage = Type.Object({ '@type': Type.String() }, { additionalProperties: true });

/** A KSUID or other opaque id given in a path or body. */
export const Id = Type.String({ minLength: 1, maxLength: 64 });
export const IdList = Type.Array(Id, { maxItems: 1000 });

export const Name = Type.String({ maxLength: 1024 });
export const Description = Type.String({ maxLength: 4096 });

export const Empty = Type.Object({}, { additionalProperties: false });
/** A request body that clients may send as `{}` or omit. */
export const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);

export const strictObject = <T extends Record<string, TSchema>>(props: T, opts: { description?: string } = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts });

export const ErrorStatus = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  details: Type.Array(Type.Any()),
});

export const iso = (d: Date | null | undefined): string | undefined => (d ? d.toISOString() : undefined);
export const int64 = (n: number | bigint | null | undefined): string => String(n ?? 0);
/** Drops null values so that absent fields stay absent on the wire. */
export const orUndef = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Trims and checks a display name: 1–256 characters after trimming. */
export function displayNameOf(value: string, field = 'displayName'): string {
  const v = value.trim();
  if (v.length === 0 || v.length > 256) {
    throw invalidArgument(`${field}: must be 1 to 256 characters after trimming`);
  }
  return v;
}

export const pageBodyFieldsRef = {
  pageSize: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
  pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
};

/** A string enum as one `enum` keyword, so a bad name gets one clear error. */
export function StringEnum<T extends string[]>(values: [...T], opts: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...opts });
}
