// Starts Gatehouse over real HTTP on a real database: in-memory PGlite always,
// and a fresh PostgreSQL database per call when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';
import type { Tenant } from '../../src/modules/tenants/service.ts';
import type { User } from '../../src/modules/users/schemas.ts';
import { checkContract } from './contract.ts';
import { createDatabase } from './infra.ts';

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
  url: string;
  /** Admin caller in the default tenant. */
  admin: Caller;
  /** A caller for another tenant (a new one unless `domain` names one), with the given role. */
  caller(opts?: { domain?: string; role?: string }): Promise<Caller>;
  /** Raw HTTP, for auth and malformed-input tests. */
  fetch(path: string, init?: RequestInit): Promise<Res>;
  close(): Promise<void>;
};

/** A new, empty PostgreSQL database on the TEST_DATABASE_URL server. */
export function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  return createDatabase(process.env.TEST_DATABASE_URL as string, 'gh_test');
}

export async function startServer(backend: Backend, env: Record<string, string> = {}): Promise<TestServer> {
  const pgdb = backend === 'postgres' ? await freshPostgres() : undefined;
  const config: Config = loadConfig({
    GATEHOUSE_TENANT_DOMAIN: 'localhost',
    GATEHOUSE_CLIENT_CACHE_SECONDS: '0',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...env,
  });
  const core = await createCore(config, { memory: backend === 'pglite' });
  const app = await buildApp(core);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  const rawFetch = async (path: string, init?: RequestInit): Promise<Res> => {
    const r = await fetch(url + path, init);
    const text = await r.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: r.status, body, headers: r.headers };
  };

  const makeCaller = async (tenant: Tenant, role = 'admin'): Promise<Caller> => {
    const creds = await core.services.clients.create(tenant, 'test', role);
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
      const res = await rawFetch(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      checkContract(method, path, res.status, res.body);
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

  const defaultTenant = await core.services.tenants.getByDomain('localhost');
  const admin = await makeCaller(defaultTenant);
  return {
    backend,
    core,
    app,
    url,
    admin,
    fetch: rawFetch,
    caller: async (opts = {}) => {
      const domain = opts.domain ?? `t${randomBytes(4).toString('hex')}.example.com`;
      const tenant = await core.services.tenants.ensure(domain);
      return makeCaller(tenant, opts.role);
    },
    close: async () => {
      await app.close();
      await core.close();
      await pgdb?.drop();
    },
  };
}
