// Bearer tokens on /api/v1: every bad token is a 401, and a read-only client gets
// 403 on every write route (found in the server's own openapi.json) but reads fine.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSettings } from '../../src/db/schema.ts';
import {
  buildWorld,
  discoverRoutes,
  fullyKnown,
  label,
  pathWith,
  type RouteOp,
  sampleBody,
  type World,
} from '../contract/routes.ts';
import { backends, type Caller, type Res, startServer, type TestServer } from '../helpers/server.ts';
import { bearer, unsigned } from './sdk.ts';

describe.each(backends)('bearer tokens on %s', (backend) => {
  let s: TestServer;
  let routes: RouteOp[];
  let world: World;
  let readOnly: Caller;
  let serverKey: Uint8Array;

  beforeAll(async () => {
    s = await startServer(backend);
    routes = await discoverRoutes(s, { apiOnly: true });
    world = await buildWorld(s.admin, routes, `bearer-${backend}`);
    readOnly = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    const [row] = await s.core.database.db.select().from(serverSettings).where(eq(serverSettings.key, 'access_token_hs256_key'));
    serverKey = Buffer.from(row.value, 'base64url');
  });
  afterAll(async () => s?.close());

  const get = (headers: Record<string, string>) => s.fetch('/api/v1/apps', { headers });
  const expect401 = (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(401);
    expect(res.body, what).toMatchObject({ code: 16, message: expect.any(String), details: [] });
  };
  /** A token as the server would sign it, with the given changes. */
  const forge = (o: { exp?: number; iss?: string; key?: Uint8Array; alg?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const clientId = JSON.parse(Buffer.from(s.admin.token.split('.')[1], 'base64url').toString()).sub;
    return new SignJWT({ tid: s.admin.tenant.id, role: 'admin' })
      .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
      .setIssuer(o.iss ?? 'gatehouse')
      .setSubject(clientId)
      .setIssuedAt(now - 60)
      .setExpirationTime(o.exp ?? now + 600)
      .sign(o.key ?? serverKey);
  };

  it('a token forged with the server key as the test does it is accepted (so the refusals below mean something)', async () => {
    expect((await get(bearer(await forge()))).status).toBe(200);
  });

  it('refuses missing, malformed, expired, foreign-signed, alg-none and garbage tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = s.admin.token;
    const [h, p] = good.split('.');
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['empty', { authorization: '' }],
      ['Bearer alone', { authorization: 'Bearer' }],
      ['Basic', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['another scheme', { authorization: `Token ${good}` }],
      ['two tokens', { authorization: `Bearer ${good} ${good}` }],
      ['garbage', bearer('garbage')],
      ['three garbage parts', bearer('a.b.c')],
      ['truncated signature', bearer(good.slice(0, -4))],
      [
        'tampered payload',
        bearer(
          `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'x' })).toString('base64url')}.${good.split('.')[2]}`,
        ),
      ],
      ['expired', bearer(await forge({ exp: now - 10 }))],
      ['foreign-signed', bearer(await forge({ key: randomBytes(32) }))],
      ['other issuer', bearer(await forge({ iss: 'someone-else' }))],
      ['HS512 with the server key', bearer(await forge({ alg: 'HS512' }))],
      ['alg none', bearer(unsigned({ alg: 'none', typ: 'JWT' }, JSON.parse(Buffer.from(p, 'base64url').toString())))],
      ['alg none, no dot', bearer(unsigned({ alg: 'none' }, { sub: 'x' }).slice(0, -1))],
      ['very long', bearer('A'.repeat(8000))],
    ];
    for (const [what, headers] of cases) expect401(await get(headers), what);
    expect((await get(bearer(good))).status).toBe(200);
  });

  it('gives a read-only client 403 on every write route, and changes nothing', async () => {
    // The webhook callback takes no bearer token by design (its single-use token is in the path).
    const writes = routes.filter((r) => r.write && !r.template.includes('/webhooks/callback/'));
    expect(writes.length).toBeGreaterThan(5);
    const before = await s.admin.get(`/api/v1/apps/${world.ids.app}`);
    const count = async () => (await s.admin.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length;
    const appsBefore = await count();
    // Every client as stored, but when it was last used (this test uses one).
    const clientList = async () => (await s.core.services.clients.list(s.admin.tenant.id)).map(({ lastUsedAt: _, ...c }) => c);
    const clientsBefore = await clientList();
    for (const r of writes) {
      const body = sampleBody(r.body, (f) => (f === 'displayName' ? 'read-only was here' : undefined)) ?? {};
      const send = { GET: readOnly.get, POST: readOnly.post, PUT: readOnly.put, DELETE: readOnly.del, PATCH: readOnly.post }[
        r.method
      ];
      const res = await send(pathWith(r, world.ids), body);
      if (r.operationId === 'c1.api.iam.v1.PersonalClientService.Create') {
        // Read-Only Super Administrators may make their own personal clients; this service client has no user.
        expect(res.status, `${label(r)}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body).toMatchObject({ code: 9, details: [] });
        continue;
      }
      expect(res.status, `${label(r)}: ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body).toMatchObject({ code: 7, details: [] });
    }
    expect(await count()).toBe(appsBefore);
    expect((await s.admin.get(`/api/v1/apps/${world.ids.app}`)).body).toEqual(before.body);
    expect(await clientList()).toEqual(clientsBefore);
  });

  it('lets a read-only client read and search everything', async () => {
    const reads = routes.filter((r) => !r.write && r.template !== '/api/v1/openapi.json');
    expect(reads.some((r) => r.method === 'POST')).toBe(true);
    for (const r of reads) {
      const path = pathWith(r, world.ids);
      const res = r.method === 'GET' ? await readOnly.get(path) : await readOnly.post(path, sampleBody(r.body) ?? {});
      if (fullyKnown(r, world.ids)) expect(res.status, `${label(r)}: ${JSON.stringify(res.body)}`).toBe(200);
      else expect([401, 403], `${label(r)}: ${JSON.stringify(res.body)}`).not.toContain(res.status);
    }
  });
});
