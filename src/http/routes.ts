// The shapes C1 routes share, registered in one place: a route answered from the
// caller's tenant, path parameters and body; a paged GET list; a paged search
// POST; and a call that answers `{}`. Each registers exactly the schema it is
// given (operationId, tags, summary, description, params, querystring, body,
// 200 response), so the OpenAPI document is what api.get/post/put/delete would
// have produced.
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { type PageRequest, pageRequest } from '../lib/paging.ts';
import type { Principal } from '../modules/tokens/service.ts';
import { Empty, EmptyBody, PageQuery } from './schemas.ts';
import type { Api } from './types.ts';
import { keptAnswer } from './validation.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Who is calling, for the few routes that need more than the tenant (authorize.ts sets `ownOnly`). */
export type Caller = Principal & { ownOnly?: string };
const callerOf = (req: FastifyRequest): Caller => (req.ownOnly ? { ...req.principal, ownOnly: req.ownOnly } : req.principal);

/** The doc fields of one C1 service's operations: `op('Create', summary, description)` names `<service>.Create`. */
export const operations =
  (service: string, tags: string[]) =>
  (
    name: string,
    summary: string,
    description: string,
  ): Pick<RouteDoc<TSchema, TSchema>, 'operationId' | 'tags' | 'summary' | 'description'> => ({
    operationId: `${service}.${name}`,
    tags,
    summary,
    description,
  });

/** What a route documents besides its 200 answer; a schema left out is not in the route's schema. */
export type RouteDoc<P extends TSchema, B extends TSchema> = {
  operationId: string;
  /** C1's tags for the operation: /docs groups by them. */
  tags: string[];
  /** One line for /docs, in Gatehouse's words. */
  summary: string;
  /** What it does, which errors it gives, what Gatehouse adds or leaves out compared with C1. */
  description: string;
  params?: P;
  body?: B;
  /** The route's own body limit (bytes), when it takes more than the app's (the sync upload). */
  bodyLimit?: number;
  /** The route's own time limit (ms, 0: none) instead of GATEHOUSE_REQUEST_TIMEOUT_MS (the sync routes). */
  timeoutMs?: number;
};

type Spec<P extends TSchema, B extends TSchema, R extends TSchema> = RouteDoc<P, B> & { response: R };

function register(
  api: Api,
  method: Method,
  url: string,
  doc: RouteDoc<TSchema, TSchema> & { querystring?: TSchema },
  response: TSchema,
  handler: (req: FastifyRequest) => Promise<unknown>,
): void {
  const { operationId, tags, summary, description } = doc;
  const schema: FastifySchema = { operationId, tags, summary, description } as FastifySchema;
  if (doc.params) schema.params = doc.params;
  if (doc.querystring) schema.querystring = doc.querystring;
  if (doc.body) schema.body = doc.body;
  schema.response = { 200: response };
  const bodyLimit = doc.bodyLimit === undefined ? {} : { bodyLimit: doc.bodyLimit };
  const config = doc.timeoutMs === undefined ? {} : { config: { timeoutMs: doc.timeoutMs } };
  (api as unknown as FastifyInstance).route({ method, url, schema, handler, ...bodyLimit, ...config });
}

/** A route answered with what `run` returns for the caller's tenant, path parameters and body. */
export function route<P extends TSchema, B extends TSchema, R extends TSchema>(
  api: Api,
  method: Method,
  url: string,
  spec: Spec<P, B, R>,
  run: (tenantId: string, params: Static<P>, body: Static<B>, caller: Caller) => Promise<Static<R>>,
): void {
  const { response, ...doc } = spec;
  register(api, method, url, doc, response, async (req) =>
    run(req.principal.tenantId, req.params as Static<P>, req.body as Static<B>, callerOf(req)),
  );
}

/** GET of a list paged by `page_size` and `page_token` in the query string. */
export function listRoute<P extends TSchema, R extends TSchema>(
  api: Api,
  url: string,
  spec: Spec<P, never, R>,
  list: (tenantId: string, params: Static<P>, page: PageRequest, caller: Caller) => Promise<Static<R>>,
): void {
  const { response, ...doc } = spec;
  register(api, 'GET', url, { ...doc, querystring: PageQuery }, response, async (req) => {
    const q = req.query as Static<typeof PageQuery>;
    return list(req.principal.tenantId, req.params as Static<P>, pageRequest(q.page_size, q.page_token), callerOf(req));
  });
}

type PageFields = { pageSize?: number; pageToken?: string };

/** POST of a search whose body holds the filters and `pageSize`/`pageToken`. */
export function searchRoute<B extends TSchema, R extends TSchema>(
  api: Api,
  url: string,
  spec: Spec<never, B, R> & { body: B },
  search: (tenantId: string, body: Static<B>, page: PageRequest, caller: Caller) => Promise<Static<R>>,
): void {
  const { response, ...doc } = spec;
  register(api, 'POST', url, doc, response, async (req) => {
    const b = req.body as Static<B> & PageFields;
    return search(req.principal.tenantId, b, pageRequest(b.pageSize, b.pageToken, 'pageToken'), callerOf(req));
  });
}

/** A call that answers `{}`; its body is `{}` or none unless `body` says otherwise. */
export function emptyRoute<P extends TSchema, B extends TSchema = typeof EmptyBody>(
  api: Api,
  method: Exclude<Method, 'GET'>,
  url: string,
  doc: RouteDoc<P, B> & { params: P },
  run: (tenantId: string, params: Static<P>, body: Static<B>, caller: Caller) => Promise<unknown>,
): void {
  register(api, method, url, { body: EmptyBody, ...doc }, Empty, async (req) => {
    await run(req.principal.tenantId, req.params as Static<P>, req.body as Static<B>, callerOf(req));
    return {};
  });
}

/** The answer with C1's `expanded` list, empty: for answers that take no expand mask (see expand.ts for those that do). */
export async function expanded<T extends object>(answer: Promise<T>): Promise<T & { expanded: never[] }> {
  return { ...(await answer), expanded: [] };
}

const expandedOf = new WeakMap<object, object>();

/**
 * `expanded` for a service that may give the same answer object again, never changed (ListUsers'
 * kept pages): the same wrapped object each time, whose JSON is then made once (keptAnswer).
 */
export async function expandedKept<T extends object>(answer: Promise<T>): Promise<T & { expanded: never[] }> {
  const a = await answer;
  let wrapped = expandedOf.get(a) as (T & { expanded: never[] }) | undefined;
  if (!wrapped) {
    wrapped = keptAnswer({ ...a, expanded: [] as never[] });
    expandedOf.set(a, wrapped);
  }
  return wrapped;
}
