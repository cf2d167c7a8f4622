// Schema pieces shared by every module, following proto3's JSON mapping.
import { type TOptional, type TProperties, type TSchema, type TString, type TUnsafe, Type } from '@sinclair/typebox';
import { invalidArgument } from '../lib/errors.ts';

/** RFC 3339 timestamp in UTC. */
export const Timestamp = Type.String({ format: 'date-time' });
/** int64/uint64 travel as JSON strings. */
export const Int64 = Type.String({ pattern: '^-?[0-9]+$' });
/** A JSON object whose fields C1 leaves open (profiles, echoed read-only messages). */
export const LooseObject = Type.Object({}, { additionalProperties: true });

/** Any with @type, as found in `expanded` arrays. */
export const AnyMessage = Type.Object({ '@type': Type.String() }, { additionalProperties: true });
/** `expanded` of C1's answers: the related objects an expand mask asked for (empty without one). */
export const Expanded = Type.Array(AnyMessage);

/** A KSUID or other opaque id given in a path or body. */
export const Id = Type.String({ minLength: 1, maxLength: 64 });
export const IdList = Type.Array(Id, { maxItems: 1000 });

/** A display name: 1 to 256 characters after trimming (displayNameOf checks the trimmed text). */
export const Name = Type.String({ maxLength: 256 });
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

/** Characters as the schema's maxLength counts them (Ajv: code points, so an emoji is one). */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Trims and checks a display name: 1–256 characters after trimming. */
export function displayNameOf(value: string, field = 'displayName'): string {
  const v = value.trim();
  if (v.length === 0 || textLength(v) > 256) {
    throw invalidArgument(`${field}: must be 1 to 256 characters after trimming`);
  }
  return v;
}

export const pageBodyFieldsRef = {
  pageSize: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
  pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
};

/** A search body: its filters, then `pageSize` and `pageToken`. */
export const searchRequest = <T extends TProperties>(filters: T) => strictObject({ ...filters, ...pageBodyFieldsRef });
/** Free text a search matches on (`query`, a name, an alias). */
export const SearchText = Type.String({ maxLength: 1024 });
/** References by id alone (`policyRefs`, a user search's `refs`). */
export const IdRefs = Type.Array(strictObject({ id: Type.String({ maxLength: 64 }) }), { maxItems: 1000 });

/**
 * An update: the message under `key` (fields as in `input`), then the field mask
 * naming what to change, then any `more` fields of the request.
 */
export const updateRequest = <K extends string, I extends TSchema, M extends TProperties = Record<never, never>>(
  key: K,
  input: I,
  more?: M,
) =>
  strictObject({ [key]: Type.Optional(input), updateMask: Type.Optional(Type.String({ maxLength: 4096 })), ...more } as {
    [P in K]: TOptional<I>;
  } & { updateMask: TOptional<TString> } & M);

/** One page of a list: the items and the token of the next page ('' after the last). */
export const pageResponse = <T extends TSchema>(item: T) => Type.Object({ list: Type.Array(item), nextPageToken: Type.String() });
/** One page of a list, with C1's `expanded`. */
export const expandedPageResponse = <T extends TSchema>(item: T) =>
  Type.Object({ list: Type.Array(item), nextPageToken: Type.String(), expanded: Expanded });

/** A string enum as one `enum` keyword, so a bad name gets one clear error. */
export function StringEnum<T extends string[]>(values: [...T], opts: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...opts });
}

/** Query-string paging parameters (GET lists). */
export const PageQuery = Type.Object(
  {
    page_size: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
    page_token: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
