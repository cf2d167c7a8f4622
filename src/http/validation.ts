// Request validation: bodies are first read as C1's gateway reads them (wire.ts:
// nulls, unknown fields, snake_case names), then checked strictly (no type
// coercion); query strings and path params are coerced from text.

import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { wireNormaliser } from './wire.ts';

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, removeAdditional: false, useDefaults: true, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const bodyAjv = makeAjv({ coerceTypes: false });
const textAjv = makeAjv({ coerceTypes: 'array' });

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any surrogate: a quick first look, since the pairing check (look-behind) costs more. */
const SURROGATE = /[\uD800-\uDFFF]/;
/** What PostgreSQL text (and JSONB) cannot hold: a NUL character, or a UTF-16 surrogate without its pair. */
const unstorable = (text: string): boolean => text.includes(NUL) || (SURROGATE.test(text) && LONE_SURROGATE.test(text));
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Where a value sits: its parent's place and its own key; the pointer text is made only when needed. */
type At = { parent: At | undefined; key: string };
const pointerOf = (at: At | undefined): string => (at ? `${pointerOf(at.parent)}/${pointer(at.key)}` : '');

/**
 * Where the first text the database cannot store sits (a JSON pointer), in a key or a string
 * value: NUL characters, and unpaired surrogates (JSON's `\ud800` escape). Iterative: bodies may
 * nest deeper than the stack.
 */
export function unstorablePointer(value: unknown): string | undefined {
  const stack: [unknown, At | undefined][] = [[value, undefined]];
  while (stack.length > 0) {
    const [v, at] = stack.pop() as [unknown, At | undefined];
    if (typeof v === 'string') {
      if (unstorable(v)) return pointerOf(at);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { parent: at, key: String(i) }]);
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        if (unstorable(k)) return `${pointerOf(at)}/${pointer(k)}`;
        stack.push([(v as Record<string, unknown>)[k], { parent: at, key: k }]);
      }
    }
  }
  return undefined;
}

type Check = ((data: unknown) => boolean | { value: unknown }) & { errors?: FastifySchemaValidationError[] | null };

/**
 * What `build` makes, made on first use: Fastify compiles every route's schemas when the server
 * starts, which on the whole C1 API took over a second of every start (and of every test file's
 * app); a route's validator and serializer are now compiled by its first request.
 */
function onFirstUse<F extends (...args: never[]) => unknown>(build: () => F): F {
  let fn: F | undefined;
  return ((...args: Parameters<F>) => {
    fn ??= build();
    return fn(...args);
  }) as F;
}

type Compiled = { validate: ValidateFunction; normalise?: (given: unknown) => unknown };

/** What `build` made for this schema object before, else made now and kept: route schemas are module constants, so one compile per process, not per app. */
function bySchema<V>(cache: WeakMap<object, V>, schema: object, build: () => V): V {
  let v = cache.get(schema);
  if (v === undefined) {
    v = build();
    cache.set(schema, v);
  }
  return v;
}

const compiledBodies = new WeakMap<object, Compiled>();
const compiledTexts = new WeakMap<object, Compiled>();

const compiledFor = (schema: object, body: boolean): Compiled =>
  bySchema(body ? compiledBodies : compiledTexts, schema, () => ({
    validate: (body ? bodyAjv : textAjv).compile(schema),
    normalise: body ? wireNormaliser(schema) : undefined,
  }));

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  const body = httpPart === 'body';
  let compiled: Compiled | undefined;
  // Schema first, then text the database cannot store, anywhere, reported as a 400 naming the field.
  // A body is validated as normalised, and the route gets the normalised body.
  const check: Check = (given) => {
    compiled ??= compiledFor(schema, body);
    const { validate, normalise } = compiled;
    const data = normalise ? normalise(given) : given;
    if (!validate(data)) {
      check.errors = validate.errors as FastifySchemaValidationError[];
      return false;
    }
    const at = unstorablePointer(data);
    check.errors =
      at === undefined
        ? null
        : [
            {
              keyword: 'unstorable',
              instancePath: at,
              schemaPath: '',
              params: {},
              message: 'must be valid Unicode without NUL characters',
            },
          ];
    if (at !== undefined) return false;
    return normalise ? { value: data } : true;
  };
  return check;
}

/** "app.displayName" from "/app/displayName". */
function fieldOf(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
}

/** One clear message that names the offending field. */
export function validationMessage(errors: FastifySchemaValidationError[], context: string): string {
  const e = errors[0];
  const base = fieldOf(e.instancePath ?? '');
  const params = (e.params ?? {}) as Record<string, unknown>;
  const join = (child: string) => (base ? `${base}.${child}` : child);
  switch (e.keyword) {
    case 'additionalProperties':
      return `${join(String(params.additionalProperty))}: unknown field`;
    case 'required':
      return `${join(String(params.missingProperty))}: is required`;
    case 'enum':
      return `${base || context}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    default:
      return `${base || context}: ${e.message ?? 'is invalid'}`;
  }
}

/** Compiled serializers by schema object, as the validators (Gatehouse adds no shared schemas, so options never differ). */
const serializers = new WeakMap<object, SerializerSelector.Serializer>();

/** Answers given again as the same object, never changed (see keptAnswer). */
const keptAnswers = new WeakSet<object>();

/**
 * Marks an answer that a route will give again as this very object, unchanged (ListUsers' kept
 * pages): its JSON is made once per route and its bytes reused while the object lives. Making the
 * JSON of a page of 100 accounts, and then counting its bytes for Content-Length, were a third of
 * the server's time answering a kept page.
 */
export function keptAnswer<T extends object>(answer: T): T {
  keptAnswers.add(answer);
  return answer;
}

/** `serialize`, with the bytes of each kept answer made once (Fastify sends a Buffer as it is). */
function reusingKept(serialize: SerializerSelector.Serializer): SerializerSelector.Serializer {
  const bytes = new WeakMap<object, Buffer>();
  return ((data: unknown) => {
    if (typeof data !== 'object' || data === null || !keptAnswers.has(data)) return serialize(data);
    let b = bytes.get(data);
    if (!b) {
      b = Buffer.from(serialize(data));
      bytes.set(data, b);
    }
    return b;
  }) as SerializerSelector.Serializer;
}

/** Fastify's own response serializers (fast-json-stringify), each compiled by its first answer. */
export const lazySerializers: SerializerSelector.SerializerFactory = (externalSchemas, serializerOpts) => {
  const compile = SerializerSelector()(externalSchemas, serializerOpts);
  return (route) => onFirstUse(() => bySchema(serializers, route.schema as object, () => reusingKept(compile(route))));
};
