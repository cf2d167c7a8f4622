// fast-check generators for hostile requests: bodies, path params, query strings
// and headers, derived from each route's own schema where that helps.
import fc from 'fast-check';
import { type JsonSchema, kindOfField, nonNull, type RouteOp, randomId } from '../contract/routes.ts';

/** A request body as sent: the raw text and the content type to claim. */
export type Body = { text: string; contentType?: string; note: string };

const SPECIAL = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '💥',
  'Ω≈ç√∫',
  '\u202e\u0000',
  '..',
  '../..',
  '%2F',
  "' OR 1=1 --",
  '\\',
  'null',
  'undefined',
  '<script>alert(1)</script>',
  '$' + '{jndi:x}',
  'APP_USER_IDENTITY_MATCHING_STRICT',
  '3MV8yAYHxN3Ayhd98WO0zzKgVbU',
  '0',
  '-1',
  'true',
];

export const weirdText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.constantFrom(...SPECIAL), weight: 3 },
  { arbitrary: fc.integer({ min: 250, max: 5000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: weirdText, weight: 3 },
  {
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, [], {}, [null], ['']),
    weight: 2,
  },
  { arbitrary: fc.array(weirdText, { maxLength: 5 }), weight: 1 },
);

/** encodeURIComponent, but lone surrogates (which it refuses) become U+FFFD as UTF-8 would. */
export const enc = (s: string): string =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

const typeOf = (s: JsonSchema): string | undefined =>
  Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : (s.type as string | undefined);

/** Values the schema accepts (mostly), with real ids for id fields. */
export function fromSchema(s: JsonSchema | undefined, field: string, realIds: string[], depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 4) return fc.constant(undefined);
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alts) return fc.oneof(...alts.map((a) => fromSchema(a, field, realIds, depth + 1)));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const kind = kindOfField(field);
  const ids = fc.constantFrom(...realIds, 'nope');
  switch (typeOf(s)) {
    case 'object': {
      const props = Object.entries((s.properties ?? {}) as Record<string, JsonSchema>);
      const required = (s.required ?? []) as string[];
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, sub] of props) rec[k] = fromSchema(sub, k, realIds, depth + 1);
      return fc.record(rec, { requiredKeys: required.filter((k) => k in rec) });
    }
    case 'string':
      if (kind && realIds.length > 0)
        return fc.oneof(
          ids,
          fc.constant(null).map(() => randomId()),
        );
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      return fc.oneof(
        fc.string({ maxLength: Math.min(s.maxLength ?? 40, 40) }),
        fc.constantFrom('3600s', '  padded  ', 'Ünïcødé ✓'),
      );
    case 'integer':
      return fc.integer({ min: s.minimum ?? -(2 ** 31), max: s.maximum ?? 2 ** 31 - 1 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = kind && realIds.length > 0 ? ids : fromSchema(s.items as JsonSchema, field, realIds, depth + 1);
      return fc.array(item, { maxLength: 3 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Field names of a body schema, one level of nesting included (`app.displayName`). */
export function fieldsOf(s: JsonSchema | undefined): { top: string[]; nested: Record<string, string[]> } {
  const obj = s?.anyOf ? (s.anyOf as JsonSchema[]).find((a) => typeOf(a) === 'object') : s;
  const props = (obj?.properties ?? {}) as Record<string, JsonSchema>;
  const nested: Record<string, string[]> = {};
  for (const [k, raw] of Object.entries(props)) {
    const sub = nonNull(raw);
    const inner = typeOf(sub) === 'array' ? nonNull(sub.items ?? {}) : sub;
    const keys = inner && typeOf(inner) === 'object' ? Object.keys(inner.properties ?? {}) : [];
    if (keys.length > 0) nested[k] = keys;
  }
  return { top: Object.keys(props), nested };
}

const json =
  (note: string) =>
  (v: unknown): Body => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json', note });

/** Bodies for one route: random JSON, its own fields with wrong types, near-valid ones, huge, deep, malformed. */
export function bodies(r: RouteOp, realIds: string[]): fc.Arbitrary<Body> {
  const { top, nested } = fieldsOf(r.body);
  const names = top.length > 0 ? top : ['displayName'];
  const wrongTyped = fc.dictionary(fc.constantFrom(...names), weirdValue, { maxKeys: 4 }).map(json('fields with wrong types'));
  const nestedWrong = Object.keys(nested).length
    ? fc
        .constantFrom(...Object.keys(nested))
        .chain((k) =>
          fc
            .dictionary(fc.constantFrom(...nested[k]), weirdValue, { maxKeys: 4 })
            .map((inner) => ({ [k]: inner, ...(k === 'app' ? { updateMask: 'displayName' } : {}) })),
        )
        .map(json('nested fields with wrong types'))
    : wrongTyped;
  const valid = fromSchema(r.body, '', realIds);
  const nearValid = fc
    .tuple(valid, fc.option(fc.tuple(fc.constantFrom(...names), weirdValue), { freq: 2 }))
    .map(([v, mutation]) => {
      if (!mutation || !v || typeof v !== 'object' || Array.isArray(v)) return v;
      return { ...(v as object), [mutation[0]]: mutation[1] };
    })
    .map(json('near-valid'));
  const field = names[0];
  const paths: [string, string?][] = [
    ...names.map((n): [string, string?] => [n]),
    ...Object.entries(nested).flatMap(([k, inner]) => inner.map((i): [string, string?] => [k, i])),
  ];
  return fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json('random JSON')), weight: 2 },
    { arbitrary: wrongTyped, weight: 3 },
    { arbitrary: nestedWrong, weight: 2 },
    { arbitrary: nearValid, weight: 4 },
    {
      arbitrary: fc.string({ maxLength: 60 }).map((text) => ({ text, contentType: 'application/json', note: 'malformed JSON' })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom(
          'null',
          '""',
          '[]',
          '0',
          'true',
          '{',
          '{"a":',
          '{"a":1,}',
          "{'a':1}",
          '\ufeff{}',
          '{}{}',
          '{"__proto__":{"x":1}}',
        )
        .map((text) => ({ text, contentType: 'application/json', note: 'odd JSON' })),
      weight: 1,
    },
    {
      // Deep arrays or objects in any field, nested ones (app.profile) included.
      arbitrary: fc
        .tuple(fc.constantFrom(...paths), fc.integer({ min: 100, max: 20_000 }), fc.boolean())
        .map(([[outer, inner], n, arrays]) => {
          const deep = arrays ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
          const text = inner ? `{"${outer}":{"${inner}":${deep}}}` : `{"${outer}":${deep}}`;
          return { text, contentType: 'application/json', note: `${outer}${inner ? `.${inner}` : ''} ${n} deep` };
        }),
      weight: 2,
    },
    {
      arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => ({
        text: `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
        contentType: 'application/json',
        note: `objects ${n} deep`,
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom(5_000, 100_000, 1_100_000)
        .map((n) => json(`a ${n}-character ${field}`)({ [field]: 'y'.repeat(n) })),
      weight: 1,
    },
    {
      arbitrary: fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map((o) => ({
        text: new URLSearchParams(o).toString(),
        contentType: 'application/x-www-form-urlencoded',
        note: 'form',
      })),
      weight: 1,
    },
  );
}

const RAW_PARAMS = [
  '..',
  '.',
  '%2F',
  '%2e%2e',
  'a%2Fb',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '~',
  '*',
  '%20',
  '%C3%A9',
  '%F0%9F%92%A5',
  '%ED%A0%80',
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(101),
  'x'.repeat(3000),
];

/** A path param as it appears in the path (already encoded, or deliberately raw). */
export function paramValues(realIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...realIds), weight: 3 },
    { arbitrary: fc.constant(null).map(() => randomId()), weight: 2 },
    { arbitrary: weirdText.map(enc), weight: 4 },
    { arbitrary: fc.constantFrom(...RAW_PARAMS), weight: 3 },
  );
}

export function queries(r: RouteOp): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(...r.query.map((q) => q.name), 'page_size', 'page_token', 'pageSize', '__proto__', 'x', '%zz', ''),
    weirdText.map(enc),
  );
  const value = fc.oneof(
    fc.constantFrom(
      '',
      '0',
      '-1',
      '10',
      '100',
      '101',
      '1e3',
      '2147483648',
      '99999999999999999999',
      'abc',
      '0x10',
      '+5',
      '%00',
      '%zz',
    ),
    fc.constantFrom('MA', 'eyJ4IjoxfQ', 'x'.repeat(2000)),
    weirdText.map(enc),
    fc.integer().map(String),
  );
  return fc.oneof(
    {
      arbitrary: fc
        .array(fc.tuple(key, value), { minLength: 1, maxLength: 4 })
        .map((p) => `?${p.map(([k, v]) => `${k}=${v}`).join('&')}`),
      weight: 5,
    },
    { arbitrary: fc.constantFrom('', '?', '?&', '?=&=', '?page_size=10&page_size=20', '?page_size[]=1'), weight: 1 },
  );
}

export function headerSets(token: string): fc.Arbitrary<Record<string, string>> {
  const auth = fc.oneof(
    { arbitrary: fc.constant(`Bearer ${token}`), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        `bearer ${token}`,
        `Bearer  ${token}`,
        'Basic dXNlcjpwYXNz',
        'Bearer a.b.c',
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -2)}`,
        `Bearer ${token} ${token}`,
        `Bearer ${'A'.repeat(5000)}`,
        `Token ${token}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      ),
      weight: 3,
    },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((x) => `Bearer ${x}`), weight: 1 },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=latin1',
    '*/*',
    'garbage',
    'application/merge-patch+json',
    '',
  );
  const extra = fc.constantFrom<Record<string, string>>(
    {},
    { accept: 'text/html' },
    { accept: 'application/xml' },
    { 'x-request-id': '../../etc/passwd' },
    { 'x-request-id': 'x'.repeat(500) },
    { 'content-encoding': 'gzip' },
    { 'x-forwarded-for': '1.2.3.4' },
    { 'accept-version': '2' },
    { 'x-http-method-override': 'DELETE' },
    { host: 'evil.example.com' },
  );
  return fc
    .tuple(fc.option(auth, { freq: 6 }), fc.option(contentType, { freq: 6 }), extra)
    .map(([a, ct, x]) => ({ ...(a === null ? {} : { authorization: a }), ...(ct === null ? {} : { 'content-type': ct }), ...x }));
}
