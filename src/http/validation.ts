// Request validation: bodies are checked strictly (no type coercion, unknown
// fields refused); query strings and path params are coerced from text.

import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, removeAdditional: false, useDefaults: true, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const bodyAjv = makeAjv({ coerceTypes: false });
const textAjv = makeAjv({ coerceTypes: 'array' });

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
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
