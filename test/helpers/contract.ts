// Validates every response the suite receives against C1's openapi.yaml: 2xx bodies
// against the operation's 200 response schema, every other body against
// google.rpc.Status. Paths that openapi.yaml does not have are skipped. When the
// file itself is absent: in CI (CI set) every check fails; elsewhere the whole check
// says so loudly, once, and skips.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** ../shared/c1-api/openapi.yaml, relative to the repository root (GATEHOUSE_C1_OPENAPI overrides, to try the skip). */
export const C1_OPENAPI =
  process.env.GATEHOUSE_C1_OPENAPI ??
  path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/c1-api/openapi.yaml');
export const SKIP_MESSAGE = 'CONTRACT TESTS SKIPPED: ../shared/c1-api/openapi.yaml not found';

/** Why a CI run fails without the contract. */
export const missingContractMessage = (file = C1_OPENAPI): string =>
  `contract: ${file} not found, and CI is set: the C1 contract check cannot be skipped in CI (the tests read ../shared/c1-api, next to the repository)`;

type Schema = Record<string, unknown>;
export type C1Operation = { operationId: string; tags: string[]; response?: Schema };
/** openapi.yaml reduced to what the checks need, schemas already converted to JSON Schema. */
export type C1Spec = { paths: Record<string, Record<string, C1Operation>>; definitions: Record<string, Schema> };

// Bump when convert() changes, so stale disk caches are ignored.
const CONVERTER_VERSION = 6;
const REF_ROOT = 'c1';

const ErrorShape = {
  type: 'object',
  required: ['code', 'message', 'details'],
  properties: { code: { type: 'integer' }, message: { type: 'string' }, details: { type: 'array' } },
  additionalProperties: false,
};

const DROPPED = new Set(['readOnly', 'writeOnly', 'nullable', 'discriminator', 'example', 'examples', 'externalDocs', 'xml']);
const ANNOTATIONS = new Set(['description', 'title', 'deprecated']);

function refOf(ref: unknown): string {
  const m = /^#\/components\/schemas\/(.+)$/.exec(String(ref));
  if (!m) throw new Error(`contract: unsupported $ref ${String(ref)}`);
  return `${REF_ROOT}#/definitions/${m[1].replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function mapValues(v: unknown, f: (x: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, f(x)]));
}

/**
 * OpenAPI 3.0-style schema → JSON Schema: `nullable` allows null, $refs point into
 * the definitions, readOnly and x-* go, oneOf becomes anyOf (proto oneofs overlap
 * when no side forbids extra fields). additionalProperties stays as the spec has it.
 */
export function convert(s: unknown, inComposition = false): unknown {
  if (Array.isArray(s)) return s.map((x) => convert(x));
  if (!s || typeof s !== 'object') return s;
  const src = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (DROPPED.has(k) || k.startsWith('x-')) continue;
    if (k === '$ref') out.$ref = refOf(v);
    else if (k === 'properties' || k === 'patternProperties') out[k] = mapValues(v, (x) => convert(x));
    else if (k === 'items' || k === 'additionalProperties' || k === 'not') out[k] = convert(v);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
      out[k === 'oneOf' ? 'anyOf' : k] = (v as unknown[]).map((x) => convert(x, true));
    } else out[k] = v;
  }
  if (src.nullable !== true) return out;
  const meaningful = Object.keys(out).filter((k) => !ANNOTATIONS.has(k));
  // `{nullable: true}` alone is "or null" inside a oneOf, "anything" elsewhere.
  if (meaningful.length === 0) return inComposition ? { type: 'null' } : out;
  const composite = '$ref' in out || 'allOf' in out || 'anyOf' in out;
  if (typeof out.type === 'string' && !composite) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

/**
 * Response fields of C1's newer SDKs (../shared/c1-api/sdk-fields.md) that Gatehouse
 * emits: declared here as the SDK types them, so that they are not flagged as extras.
 */
const entitlementRefs = {
  type: 'array',
  items: { $ref: '#/components/schemas/c1.api.policy.v1.AppEntitlementReference' },
};
/** The SDK's fields of every approval that finds its approvers at run time. */
const approverFallback = {
  fallbackGroupIds: entitlementRefs,
  isGroupFallbackEnabled: { type: 'boolean' },
  requireDistinctApprovers: { type: 'boolean' },
};
const SDK_FIELDS: Record<string, Record<string, Schema>> = {
  'c1.api.policy.v1.AppGroupApproval': approverFallback,
  'c1.api.policy.v1.EntitlementOwnerApproval': approverFallback,
  'c1.api.policy.v1.ExpressionApproval': approverFallback,
  'c1.api.policy.v1.ManagerApproval': approverFallback,
  'c1.api.policy.v1.ResourceOwnerApproval': approverFallback,
  'c1.api.policy.v1.SelfApproval': approverFallback,
  'c1.api.policy.v1.AppOwnerApproval': { requireDistinctApprovers: { type: 'boolean' } },
  'c1.api.policy.v1.UserApproval': { requireDistinctApprovers: { type: 'boolean' } },
  'c1.api.policy.v1.Escalation': { cancelTicket: { type: 'object' }, skipStep: { type: 'object' } },
  'c1.api.policy.v1.ManualProvision': { provisionerAssignment: { type: 'object', additionalProperties: true } },
  'c1.api.policy.v1.Wait': {
    duration: { type: 'object', properties: { duration: { type: 'string', format: 'duration' } } },
    untilTime: {
      type: 'object',
      properties: { hours: { type: 'integer' }, minutes: { type: 'integer' }, timezone: { type: 'string' } },
    },
  },
  'c1.api.task.v1.Task': { approverIds: { type: 'array', items: { type: 'string' } } },
  'c1.api.requestcatalog.v1.RequestCatalog': { grantPolicyId: { type: 'string' } },
  'c1.api.directory.v1.Directory': {
    all: { type: 'object' },
    celExpression: { type: 'object', properties: { expression: { type: 'string' } } },
  },
  'c1.api.task.v1.TaskAuditView': { grantDurationUpdated: { type: 'object', properties: { duration: { type: 'string' } } } },
  'c1.api.user.v1.User': {
    origin: {
      type: 'string',
      enum: ['USER_ORIGIN_UNSPECIFIED', 'USER_ORIGIN_DIRECTORY', 'USER_ORIGIN_LOCAL', 'USER_ORIGIN_SYSTEM'],
    },
  },
};

function reduce(doc: Record<string, unknown>): C1Spec {
  const components = (doc.components ?? {}) as { schemas?: Record<string, unknown> };
  const definitions = mapValues(components.schemas ?? {}, (x) => convert(x)) as Record<string, Schema>;
  for (const [name, fields] of Object.entries(SDK_FIELDS)) {
    const d = definitions[name];
    if (d) d.properties = { ...((d.properties as Schema) ?? {}), ...mapValues(fields, (x) => convert(x)) };
  }
  const paths: C1Spec['paths'] = {};
  for (const [template, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      const op = raw as { operationId?: string; tags?: string[]; responses?: Record<string, unknown> };
      const ok = op.responses?.['200'] as { content?: Record<string, { schema?: unknown }> } | undefined;
      const schema = ok?.content?.['application/json']?.schema;
      paths[template] ??= {};
      paths[template][method.toUpperCase()] = {
        operationId: op.operationId ?? '',
        tags: op.tags ?? [],
        response: schema === undefined ? undefined : (convert(schema) as Schema),
      };
    }
  }
  return { paths, definitions };
}

/** Parsing the 1 MB YAML takes seconds, so the reduced form is cached on disk by content hash. */
function loadSpec(file: string): C1Spec {
  const text = readFileSync(file, 'utf8');
  // SDK_FIELDS is in the key too: adding one must not reuse a cache made without it.
  const hash = createHash('sha256')
    .update(`${CONVERTER_VERSION}\n${JSON.stringify(SDK_FIELDS)}\n`)
    .update(text)
    .digest('hex')
    .slice(0, 24);
  const cache = path.join(os.tmpdir(), `gatehouse-c1-contract-${hash}.json`);
  try {
    return JSON.parse(readFileSync(cache, 'utf8')) as C1Spec;
  } catch {}
  const spec = reduce(parse(text) as Record<string, unknown>);
  try {
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(spec));
    renameSync(tmp, cache);
  } catch {}
  return spec;
}

function makeAjv(spec: C1Spec): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const int = (min: number, max: number) => ({
    type: 'number' as const,
    validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
  });
  ajv.addFormat('int32', int(-2147483648, 2147483647));
  ajv.addFormat('uint32', int(0, 4294967295));
  ajv.addFormat('int64', /^-?[0-9]+$/);
  ajv.addFormat('uint64', /^[0-9]+$/);
  // proto3 JSON durations ("3600s"), not ISO 8601 ones.
  ajv.addFormat('duration', /^-?[0-9]+(\.[0-9]{1,9})?s$/);
  ajv.addFormat('base64', /^[A-Za-z0-9+/_-]*={0,2}$/);
  ajv.addSchema({ $id: REF_ROOT, definitions: spec.definitions });
  return ajv;
}

type Template = { template: string; segments: (string | null)[]; literals: number };
type Loaded = { spec: C1Spec; ajv: Ajv; templates: Template[]; validators: Map<string, ValidateFunction> };
let loaded: Loaded | null | undefined;

const WARNED = Symbol.for('gatehouse.contract.warned');

/**
 * Whether the contract file can be checked against: false (after a loud warning, once)
 * when it is absent outside CI; an error when it is absent and CI is set, so that
 * CI fails instead of passing without the check.
 */
export function contractFilePresent(file: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(file)) return true;
  if (env.CI) throw new Error(missingContractMessage(file));
  return false;
}

function state(): Loaded | null {
  if (loaded !== undefined) return loaded;
  if (!contractFilePresent(C1_OPENAPI)) {
    const g = globalThis as Record<symbol, unknown>;
    if (!g[WARNED]) {
      g[WARNED] = true;
      const bar = '!'.repeat(SKIP_MESSAGE.length);
      console.warn(`\n${bar}\n${SKIP_MESSAGE}\n(looked for ${C1_OPENAPI})\n${bar}\n`);
    }
    loaded = null;
    return loaded;
  }
  const spec = loadSpec(C1_OPENAPI);
  const templates = Object.keys(spec.paths).map((template) => {
    const segments = template.split('/').map((seg) => (/^\{[^}]+\}$/.test(seg) ? null : seg));
    return { template, segments, literals: segments.filter((x) => x !== null).length };
  });
  // Most literal segments first, so `/apps/{app_id}/owners` wins over `/apps/{id}/{x}`.
  templates.sort((a, b) => b.literals - a.literals);
  loaded = { spec, ajv: makeAjv(spec), templates, validators: new Map() };
  return loaded;
}

/** Whether ../shared/c1-api/openapi.yaml is there (prints the skip warning once when not). */
export function contractAvailable(): boolean {
  return state() !== null;
}

/** The reduced openapi.yaml, or undefined when the file is absent. */
export function c1Spec(): C1Spec | undefined {
  return state()?.spec;
}

/** The openapi.yaml path template a concrete path (query string ignored) falls under for this method. */
export function matchTemplate(method: string, concrete: string): string | undefined {
  const s = state();
  if (!s) return undefined;
  const parts = concrete.split('?')[0].split('/');
  const m = method.toUpperCase();
  for (const t of s.templates) {
    if (t.segments.length !== parts.length || !s.spec.paths[t.template][m]) continue;
    if (t.segments.every((seg, i) => (seg === null ? parts[i] !== '' : seg === parts[i]))) return t.template;
  }
  return undefined;
}

function validator(s: Loaded, key: string, schema: Schema): ValidateFunction {
  let v = s.validators.get(key);
  if (!v) {
    v = s.ajv.compile(schema);
    s.validators.set(key, v);
  }
  return v;
}

function explain(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 10)
    .map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');
}

/**
 * The contract errors of one response, or [] when it conforms or is out of scope
 * (path not in openapi.yaml, no response schema, file absent).
 */
export function contractErrors(method: string, concrete: string, status: number, body: unknown): string[] {
  const s = state();
  if (!s) return [];
  const template = matchTemplate(method, concrete);
  if (!template) return [];
  const op = s.spec.paths[template][method.toUpperCase()];
  let v: ValidateFunction;
  if (status >= 200 && status < 300) {
    if (!op.response) return [];
    v = validator(s, `${method.toUpperCase()} ${template}`, op.response);
  } else {
    v = validator(s, 'google.rpc.Status', ErrorShape);
  }
  if (v(body))
    return op.response && status >= 200 && status < 300 ? extraFieldErrors(s.spec, method, concrete, op.response, body) : [];
  const what =
    status >= 200 && status < 300 ? `the ${op.operationId} 200 response schema` : 'the error shape {code, message, details}';
  return [
    `${method.toUpperCase()} ${concrete} → ${status} does not match ${what} (openapi.yaml ${template}): ${explain(v.errors)}`,
  ];
}

type Walk = { spec: C1Spec; extras: string[] };

function resolve(spec: C1Spec, schema: unknown): Schema | undefined {
  let x = schema as Schema | undefined;
  for (let hops = 0; x && typeof x.$ref === 'string' && hops < 32; hops++) {
    const name = x.$ref.slice(`${REF_ROOT}#/definitions/`.length).replace(/~1/g, '/').replace(/~0/g, '~');
    x = spec.definitions[name];
  }
  return x;
}

/** The schema and the branches of its allOf/anyOf, each resolved. */
function branches(spec: C1Spec, schema: unknown): Schema[] {
  const x = resolve(spec, schema);
  if (!x) return [];
  return [x, ...[...((x.allOf as unknown[]) ?? []), ...((x.anyOf as unknown[]) ?? [])].flatMap((b) => branches(spec, b))];
}

/**
 * Fields a body has that its schema does not declare. An `expanded` entry (an Any) is
 * checked against the message its @type names; objects the spec leaves open are not.
 */
function walkExtras(w: Walk, schema: unknown, body: unknown, at: string): void {
  if (body === null || typeof body !== 'object') return;
  const all = branches(w.spec, schema);
  if (Array.isArray(body)) {
    const items = all.map((b) => b.items).find((i) => i !== undefined);
    if (items !== undefined) for (const [i, x] of body.entries()) walkExtras(w, items, x, `${at}/${i}`);
    return;
  }
  const fields = body as Record<string, unknown>;
  const anyType = typeof fields['@type'] === 'string' ? /^type\.googleapis\.com\/(.+)$/.exec(fields['@type'] as string) : null;
  if (anyType && w.spec.definitions[anyType[1]]) {
    const { '@type': _, ...rest } = fields;
    walkExtras(w, w.spec.definitions[anyType[1]], rest, `${at}(${anyType[1]})`);
    return;
  }
  const declared = new Map<string, unknown>();
  for (const b of all)
    for (const [k, v] of Object.entries((b.properties as Schema) ?? {})) if (!declared.has(k)) declared.set(k, v);
  const open = all.some((b) => b.additionalProperties !== undefined && b.additionalProperties !== false) || declared.size === 0;
  for (const [k, v] of Object.entries(fields)) {
    if (declared.has(k)) walkExtras(w, declared.get(k), v, `${at}/${k}`);
    else if (!open) w.extras.push(`${at}/${k}`);
  }
}

function extraFieldErrors(spec: C1Spec, method: string, concrete: string, schema: Schema, body: unknown): string[] {
  const w: Walk = { spec, extras: [] };
  walkExtras(w, schema, body, '');
  return w.extras.length === 0
    ? []
    : [`${method.toUpperCase()} ${concrete} → fields not in openapi.yaml: ${w.extras.slice(0, 10).join(', ')}`];
}

/** Throws (failing the test) when a response does not match openapi.yaml. */
export function checkContract(method: string, concrete: string, status: number, body: unknown): void {
  const errors = contractErrors(method, concrete, status, body);
  if (errors.length === 0) return;
  const text = JSON.stringify(body) ?? String(body);
  throw new Error(`contract: ${errors.join('\n')}\nbody: ${text.length > 600 ? `${text.slice(0, 600)}…` : text}`);
}
