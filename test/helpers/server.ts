// Gatehouse in the test process on a real database: in-memory PGlite always, and
// PostgreSQL too when TEST_DATABASE_URL is set. Opening a database (and compiling
// PGlite) costs seconds, so each worker process keeps one core per backend and every
// startServer() gets a fresh tenant in it (vitest runs with isolate: false, so this
// module and its cache live as long as the worker). Tests that need their own settings
// (env) get their own core. Requests go through Fastify's inject unless a test asks
// for the real socket ({ listen: true }); `url` is always a live 127.0.0.1 address.
import { randomBytes } from 'node:crypto';
import { inject as provided } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';
import { BASIC_USER_ROLE_ID, type RoleKey, roleByKey } from '../../src/modules/roles/builtin.ts';
import type { Tenant } from '../../src/modules/tenants/service.ts';
import type { User } from '../../src/modules/users/schemas.ts';
import { checkContract } from './contract.ts';
import { createDatabase, ownDatabase, TEST_PGLITE_ENV } from './infra.ts';
import { checkSystemLog } from './systemlog-check.ts';

export type Backend = 'pglite' | 'postgres';

/** The backends every suite runs on. */
export const backends: Backend[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the tests themselves
export type Res<T = any> = { status: number; body: T; headers: Headers };

export type Caller = {
  token: string;
  tenant: Tenant;
  get(path: string): Promise<Res>;
  post(path: string, body?: unknown): Promise<Res>;
  put(path: string, body?: unknown): Promise<Res>;
  del(path: string, body?: unknown): Promise<Res>;
  /** Creates an identity user in this caller's tenant (users come from the directory/CLI in C1). */
  user(email?: string, displayName?: string): Promise<User>;
};

export type TestServer = {
  backend: Backend;
  core: Core;
  app: Api;
  /** http://127.0.0.1:port: the server listens, for tests that bring their own HTTP client. */
  url: string;
  /** Admin caller in a tenant of its own (new for every startServer). */
  admin: Caller;
  /** A caller for another tenant (a new one unless `domain` names one), with the given role. */
  caller(opts?: { domain?: string; role?: string }): Promise<Caller>;
  /**
   * A caller in the admin's tenant acting as a person: a new user (Basic User plus the given
   * role keys, e.g. 'app_admin') and a personal client of theirs. `me` is that user; `credentialId` the client's PersonalClient.id.
   */
  callerAs(roleKeys?: RoleKey[], opts?: { scopedRoles?: string[] }): Promise<Caller & { me: User; credentialId: string }>;
  /** Raw HTTP, for auth and malformed-input tests. */
  fetch(path: string, init?: RequestInit): Promise<Res>;
  close(): Promise<void>;
};

export type ServerOptions = {
  /** fetch/get/post/put/del over the real socket instead of inject (for what only a socket shows). */
  listen?: boolean;
};

/** Set by test/helpers/global-setup.ts: names this run's PostgreSQL databases, so that teardown drops exactly those. */
const RUN_ID_KEY = 'gatehouseTestRun' as const;

function runId(): string {
  try {
    return provided(RUN_ID_KEY) ?? 'norun';
  } catch {
    // Outside a vitest worker (no provided context).
    return 'norun';
  }
}

/** A new, empty PostgreSQL database on the TEST_DATABASE_URL server. */
export function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  return createDatabase(process.env.TEST_DATABASE_URL as string, `gh_test_${runId()}`);
}

const baseEnv = { GATEHOUSE_TENANT_DOMAIN: 'localhost', GATEHOUSE_CLIENT_CACHE_SECONDS: '0', ...TEST_PGLITE_ENV };

async function openCore(backend: Backend, env: Record<string, string>): Promise<{ core: Core; drop?: () => Promise<void> }> {
  const pgdb = backend === 'postgres' ? await freshPostgres() : undefined;
  try {
    const config: Config = loadConfig({ ...baseEnv, ...(pgdb ? { DATABASE_URL: pgdb.url } : {}), ...env });
    return { core: await createCore(config, await ownDatabase(!pgdb)), drop: pgdb?.drop };
  } catch (err) {
    await pgdb?.drop();
    throw err;
  }
}

// One core per backend and worker process, never closed: the worker's exit ends it, and
// global-setup.ts drops this run's PostgreSQL databases at the end.
const shared = new Map<Backend, Promise<Core>>();

function sharedCore(backend: Backend): Promise<Core> {
  let core = shared.get(backend);
  if (!core) {
    core = openCore(backend, {}).then((c) => c.core);
    shared.set(backend, core);
    // A failed open is not cached: the next file tries again (and reports its own error).
    core.catch(() => shared.delete(backend));
  }
  return core;
}

type Sender = (path: string, init?: RequestInit) => Promise<Res>;

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** fetch() over the socket. */
const socketSender =
  (url: string): Sender =>
  async (path, init) => {
    const r = await fetch(url + path, init);
    return { status: r.status, body: parseBody(await r.text()), headers: r.headers };
  };

/** The same request through app.inject: no socket, same routing, hooks, parsers and headers. */
function injectSender(app: Api, host: string): Sender {
  return async (path, init = {}) => {
    const headers: Record<string, string> = { host };
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    // The body types fetch() would send as is, with the content type fetch() would give them.
    let payload: string | Buffer | undefined;
    const body = init.body;
    if (body instanceof URLSearchParams) {
      payload = body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (typeof body === 'string') {
      payload = body;
      headers['content-type'] ??= 'text/plain;charset=UTF-8';
    } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
      payload = body instanceof ArrayBuffer ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    } else if (body !== undefined && body !== null) {
      throw new Error('test server: inject sends string, form and byte bodies; use startServer(backend, env, { listen: true })');
    }
    const r = await app.inject({ method: (init.method ?? 'GET') as 'GET', url: path, headers, payload });
    const out = new Headers();
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) out.append(k, String(x));
    }
    return { status: r.statusCode, body: parseBody(r.body), headers: out };
  };
}

export async function startServer(
  backend: Backend,
  env: Record<string, string> = {},
  opts: ServerOptions = {},
): Promise<TestServer> {
  const own = Object.keys(env).length > 0 ? await openCore(backend, env) : undefined;
  const core = own ? own.core : await sharedCore(backend);
  let app: Api | undefined;
  try {
    app = await buildApp(core);
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await app?.close();
    if (own) {
      await own.core.close();
      await own.drop?.();
    }
    throw err;
  }
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const rawFetch = opts.listen ? socketSender(url) : injectSender(app, url.slice('http://'.length));

  const makeCaller = async (
    tenant: Tenant,
    role = 'admin',
    given?: { clientId: string; clientSecret: string },
  ): Promise<Caller> => {
    const creds = given ?? (await core.services.clients.create(tenant, 'test', role));
    const tok = await rawFetch('/auth/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
      }),
    });
    if (tok.status !== 200) throw new Error(`token failed: ${JSON.stringify(tok.body)}`);
    const token = tok.body.access_token as string;
    const call = async (method: string, path: string, body?: unknown): Promise<Res> => {
      const requestId = `test-${randomBytes(8).toString('hex')}`;
      const sent = new Date();
      const res = await rawFetch(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      checkContract(method, path, res.status, res.body);
      await checkSystemLog(core, app as Api, {
        method,
        path,
        body,
        answer: res.body,
        status: res.status,
        requestId,
        sent,
        clientId: creds.clientId,
        tenantId: tenant.id,
      });
      return res;
    };
    let n = 0;
    return {
      token,
      tenant,
      get: (p) => call('GET', p),
      post: (p, b = {}) => call('POST', p, b),
      put: (p, b = {}) => call('PUT', p, b),
      del: (p, b) => call('DELETE', p, b),
      user: (email, displayName) => {
        n++;
        const tag = randomBytes(3).toString('hex');
        return core.services.users.create(tenant.id, {
          email: email ?? `user${n}-${tag}@example.com`,
          displayName: displayName ?? `User ${n} ${tag}`,
        });
      },
    };
  };

  const caller = async (o: { domain?: string; role?: string } = {}) => {
    const domain = o.domain ?? `t${randomBytes(4).toString('hex')}.example.com`;
    const tenant = await core.services.tenants.ensure(domain);
    return makeCaller(tenant, o.role);
  };
  const server = app;
  const admin = await caller();
  let people = 0;
  const callerAs = async (roleKeys: RoleKey[] = [], o: { scopedRoles?: string[] } = {}) => {
    people++;
    const tenant = admin.tenant;
    const tag = randomBytes(3).toString('hex');
    const roleIds = [BASIC_USER_ROLE_ID, ...roleKeys.map((k) => roleByKey[k].id)];
    const u = await core.services.users.create(tenant.id, {
      email: `person${people}-${tag}@example.com`,
      displayName: `Person ${people} ${tag}`,
      roleIds,
    });
    const creds = await core.services.clients.createPersonal(tenant, u.id, 'test', { scopedRoles: o.scopedRoles });
    return { ...(await makeCaller(tenant, undefined, creds)), me: u, credentialId: creds.row.credentialId as string };
  };
  return {
    backend,
    core,
    app,
    url,
    admin,
    fetch: rawFetch,
    caller,
    callerAs,
    close: async () => {
      await server.close();
      if (own) {
        await own.core.close();
        await own.drop?.();
      }
    },
  };
}
