// Every route the server has, read from its own GET /api/v1/openapi.json, and a
// small world of real objects to fill path params with. The fuzz, tenancy and auth
// suites use these so that routes added later are covered without editing them.
import { newId } from '../../src/db/ids.ts';
import type { Caller, TestServer } from '../helpers/server.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
// biome-ignore lint/suspicious/noExplicitAny: JSON Schema as found in the document
export type JsonSchema = Record<string, any>;

export type RouteOp = {
  method: Method;
  /** OpenAPI path template, e.g. /api/v1/apps/{app_id}/owners. */
  template: string;
  operationId: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  /** The JSON request body schema, $refs resolved. */
  body?: JsonSchema;
  /** What the auth hook counts as a write (read-only clients get 403). */
  write: boolean;
};

export const label = (r: RouteOp) => `${r.method} ${r.template}`;
export const randomId = (): string => newId();

/** Resolves local $refs (#/components/schemas/...) so callers see plain schemas. */
export function resolver(doc: JsonSchema) {
  const resolve = (s: unknown, depth = 0): JsonSchema | undefined => {
    if (!s || typeof s !== 'object' || depth > 50) return s as JsonSchema | undefined;
    const o = s as JsonSchema;
    if (typeof o.$ref === 'string') {
      const target = o.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((acc: JsonSchema | undefined, k: string) => acc?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      return resolve(target, depth + 1);
    }
    const out: JsonSchema = Array.isArray(o) ? [] : {};
    for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'object' ? resolve(v, depth + 1) : v;
    return out;
  };
  return resolve;
}

/** Every operation of the server's openapi.json (the token endpoint included unless `apiOnly`). */
export async function discoverRoutes(s: TestServer, opts: { apiOnly?: boolean } = {}): Promise<RouteOp[]> {
  const res = await s.fetch('/api/v1/openapi.json');
  if (res.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
  const doc = res.body as JsonSchema;
  const resolve = resolver(doc);
  const routes: RouteOp[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, JsonSchema>)) {
    if (opts.apiOnly && !template.startsWith('/api/v1/')) continue;
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase() as Method;
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(method)) continue;
      const params = ((op.parameters ?? []) as JsonSchema[]).map((p) => resolve(p) as JsonSchema);
      const body = resolve(op.requestBody?.content?.['application/json']?.schema);
      routes.push({
        method,
        template,
        operationId: String(op.operationId ?? ''),
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body,
        write:
          template.startsWith('/api/v1/') &&
          method !== 'GET' &&
          !template.startsWith('/api/v1/search/') &&
          !READ_POSTS.has(template),
      });
    }
  }
  return routes;
}

/** POSTs that only read, besides searches: checking a CEL expression stores nothing; listing a task's audits. */
const READ_POSTS = new Set(['/api/v1/policies/validate/cel', '/api/v1/task/audits', '/api/v1/systemlog/events']);

/** A concrete path: each {param} replaced by `value(name, previous segment)`, percent-encoded unless `raw`. */
export function fillPath(template: string, value: (name: string, prev: string) => string, raw = false): string {
  const segs = template.split('/');
  return segs
    .map((seg, i) => {
      const m = /^\{([^}]+)\}$/.exec(seg);
      if (!m) return seg;
      const v = value(m[1], segs[i - 1] ?? '');
      return raw ? v : encodeURIComponent(v);
    })
    .join('/');
}

/** The kinds of object C1 paths and bodies refer to by id. */
export type Kind = 'app' | 'user' | 'resourceType' | 'resource' | 'entitlement' | 'appUser';
export const KINDS: Kind[] = ['app', 'user', 'resourceType', 'resource', 'entitlement', 'appUser'];

const BY_SEGMENT: Record<string, Kind> = {
  apps: 'app',
  users: 'user',
  owners: 'user',
  resource_types: 'resourceType',
  resources: 'resource',
  resource: 'resource',
  entitlements: 'entitlement',
  app_users: 'appUser',
};

/** Which kind of object a path param names, from its name (or, for `id`, the segment before it). */
export function kindOfParam(name: string, prev: string): Kind | undefined {
  if (name === 'id') return BY_SEGMENT[prev];
  if (name.endsWith('app_user_id')) return 'appUser';
  if (name.endsWith('resource_type_id')) return 'resourceType';
  if (name.endsWith('resource_id')) return 'resource';
  if (name.endsWith('entitlement_id')) return 'entitlement';
  if (name.endsWith('user_id')) return 'user';
  if (name.endsWith('app_id')) return 'app';
  return undefined;
}

/** Which kind of object a body field holding ids refers to (appIds, owners, userIds, appResourceTypeId...). */
export function kindOfField(name: string): Kind | undefined {
  const n = name.toLowerCase();
  if (!/(ids?|owners?|userid)$/.test(n) || n.includes('trait') || n.includes('account')) return undefined;
  if (n.includes('appuser')) return 'appUser';
  if (n.includes('resourcetype')) return 'resourceType';
  if (n.includes('resource')) return /owner/.test(n) ? 'user' : 'resource';
  if (n.includes('entitlement')) return /owner/.test(n) ? 'user' : 'entitlement';
  if (n.includes('user') || n.includes('owner') || n === 'ids' || n === 'excludeids') return 'user';
  if (n.includes('app')) return 'app';
  return undefined;
}

export type Ids = Partial<Record<Kind, string>>;

/** A path for this route with real ids where the kind is known (`fallback` for the rest). */
export function pathWith(r: RouteOp, ids: Ids, fallback: () => string = randomId): string {
  return fillPath(r.template, (name, prev) => {
    const kind = kindOfParam(name, prev);
    return (kind && ids[kind]) || fallback();
  });
}

/** Whether every path param of the route names a kind for which `ids` has an object. */
export const fullyKnown = (r: RouteOp, ids: Ids): boolean =>
  fillPathKinds(r).every((k) => k !== undefined && ids[k] !== undefined);

export function fillPathKinds(r: RouteOp): (Kind | undefined)[] {
  const kinds: (Kind | undefined)[] = [];
  fillPath(r.template, (name, prev) => {
    kinds.push(kindOfParam(name, prev));
    return 'x';
  });
  return kinds;
}

/**
 * A body that passes the schema: required fields only, plus whatever `fill` gives
 * for a field (e.g. ids). Enums take their first named value, numbers their minimum.
 */
/** The schema itself, or its first non-null alternative (`T | null` unions). */
export function nonNull(s: JsonSchema): JsonSchema {
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  return alts ? (alts.find((a) => a.type !== 'null') ?? s) : s;
}

export function sampleBody(
  schema: JsonSchema | undefined,
  fill: (field: string, s: JsonSchema) => unknown = () => undefined,
): unknown {
  const sample = (s: JsonSchema | undefined, field: string, depth: number): unknown => {
    if (!s || depth > 6) return undefined;
    const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (alts) return sample(alts.find((a) => a.type !== 'null') ?? alts[0], field, depth);
    const given = fill(field, s);
    if (given !== undefined) return given;
    if (Array.isArray(s.enum)) return s.enum.find((v: unknown) => !String(v).endsWith('UNSPECIFIED')) ?? s.enum[0];
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        const required = new Set<string>(s.required ?? []);
        for (const [k, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
          const v = required.has(k) ? sample(sub, k, depth + 1) : fill(k, nonNull(sub));
          if (v !== undefined) out[k] = v;
        }
        return out;
      }
      case 'string':
        if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
        if (typeof s.pattern === 'string' && /s\$$/.test(s.pattern)) return '3600s';
        return 'probe';
      case 'integer':
      case 'number':
        return Math.max(typeof s.minimum === 'number' ? s.minimum : 0, 1);
      case 'boolean':
        return false;
      case 'array':
        return [];
      default:
        return undefined;
    }
  };
  return sample(schema, '', 0);
}

/** Fills id-holding fields of a body with the ids of `ids` (a string or a one-element list, as the schema wants). */
export function idFiller(ids: Ids, only?: string) {
  return (field: string, s: JsonSchema): unknown => {
    if (only !== undefined && field !== only) return undefined;
    const kind = kindOfField(field);
    const id = kind && ids[kind];
    if (!id) return undefined;
    const t = nonNull(s);
    const type = Array.isArray(t.type) ? t.type.find((x: string) => x !== 'null') : t.type;
    // Enums of names (trait ids and the like) are not object ids.
    if (t.enum || t.items?.enum) return undefined;
    if (type === 'array' && (t.items?.type === 'string' || t.items?.type === undefined)) return [id];
    if (type === 'string') return id;
    return undefined;
  };
}

/** The first `id` found breadth-first in a response (skipping `expanded`): the created object's. */
export function findId(body: unknown): string | undefined {
  const queue: unknown[] = [body];
  while (queue.length > 0) {
    const v = queue.shift();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      queue.push(...v);
      continue;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.id === 'string') return o.id;
    for (const [k, x] of Object.entries(o)) if (k !== 'expanded' && k !== 'appOwners') queue.push(x);
  }
  return undefined;
}

// C1 operations that create the objects of a world, used where the server has them.
const OPS = {
  createType: 'c1.api.app.v1.AppResourceTypeService.CreateManuallyManagedResourceType',
  createResource: 'c1.api.app.v1.AppResourceService.CreateManuallyManagedAppResource',
  createEntitlement: 'c1.api.app.v1.AppEntitlements.Create',
  grant: 'c1.api.app.v1.AppEntitlements.AddManuallyManagedMembers',
  listAppUsers: 'c1.api.app.v1.AppUserService.List',
  createDirectory: 'c1.api.directory.v1.DirectoryService.Create',
};

export type World = { ids: Ids; marker: string; owner: string; member: string };

/**
 * Users, an app with an owner and, where the server has the routes, a resource type,
 * a resource, an entitlement and a grant (whose app user is then known). Every text
 * carries `marker`, so a response that leaks this world is easy to spot.
 */
export async function buildWorld(c: Caller, routes: RouteOp[], marker: string): Promise<World> {
  const op = (id: string) => routes.find((r) => r.operationId === id);
  const must = async (what: string, p: Promise<{ status: number; body: unknown }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`world: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const owner = await c.user(`owner-${marker}@example.com`, `Owner ${marker}`);
  const member = await c.user(`member-${marker}@example.com`, `Member ${marker}`);
  const ids: Ids = { user: owner.id };
  const app = await must(
    'create app',
    c.post('/api/v1/apps', { displayName: `App ${marker}`, description: `about ${marker}`, owners: [owner.id] }),
  );
  ids.app = findId(app);
  const path = (r: RouteOp) => pathWith(r, ids);
  const createType = op(OPS.createType);
  if (createType) {
    ids.resourceType = findId(
      await must('create resource type', c.post(path(createType), { displayName: `Type ${marker}`, resourceType: 'ROLE' })),
    );
  }
  const createResource = op(OPS.createResource);
  if (createResource && ids.resourceType) {
    const body = { displayName: `Resource ${marker}`, description: `about ${marker}`, resourceOwnerUserIds: [owner.id] };
    ids.resource = findId(await must('create resource', c.post(path(createResource), body)));
  }
  const createEntitlement = op(OPS.createEntitlement);
  if (createEntitlement) {
    const body = {
      displayName: `Entitlement ${marker}`,
      description: `about ${marker}`,
      ...(ids.resourceType ? { appResourceTypeId: ids.resourceType } : {}),
      ...(ids.resource ? { appResourceId: ids.resource } : {}),
    };
    ids.entitlement = findId(await must('create entitlement', c.post(path(createEntitlement), body)));
  }
  const grant = op(OPS.grant);
  if (grant && ids.entitlement) await must('grant', c.post(path(grant), { userIds: [member.id] }));
  const listAppUsers = op(OPS.listAppUsers);
  if (listAppUsers) {
    const list = (await must('list app users', c.get(path(listAppUsers)))) as { list?: unknown[] };
    ids.appUser = findId(list.list?.[0]);
  }
  // The app is a directory too, so that GET /directories/{app_id} has one to answer.
  if (op(OPS.createDirectory)) await must('create directory', c.post('/api/v1/directories', { appId: ids.app }));
  return { ids, marker, owner: owner.id, member: member.id };
}

/** What a caller sees through every read route it can fill (lists, gets, searches): to prove nothing changed. */
export async function readEverything(
  c: Caller,
  routes: RouteOp[],
  ids: Ids,
): Promise<Map<string, { status: number; body: unknown }>> {
  const seen = new Map<string, { status: number; body: unknown }>();
  for (const r of routes) {
    if (r.write || !r.template.startsWith('/api/v1/') || !fullyKnown(r, ids)) continue;
    const path = pathWith(r, ids);
    const res = r.method === 'GET' ? await c.get(path) : await c.post(path, { pageSize: 100 });
    seen.set(`${r.method} ${path}`, { status: res.status, body: res.body });
  }
  return seen;
}
