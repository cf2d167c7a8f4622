// What makes a personal client stop working, at the token endpoint and for bearer tokens it
// already has: its source ranges, its expiry, its deletion, its user being disabled, and its
// scope. And lastUsedAt: written on use, at most once a minute per client.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients } from '../../src/db/schema.ts';
import { BASIC_USER_ROLE_ID } from '../../src/modules/roles/builtin.ts';
import { backends, type Caller, type Res, startServer, type TestServer } from '../helpers/server.ts';
import { ASSERTION_TYPE, signAssertion } from './sdk.ts';

const BASE = '/api/v1/iam/personal_clients';
const REFUSED = { code: 16, message: 'invalid client credentials', details: [] };
type Made = { client: { id: string; clientId: string; lastUsedAt?: string }; clientSecret: string };

describe.each(backends)('personal clients at the token endpoint and as bearers on %s', (backend) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startServer(backend);
    host = new URL(s.url).host;
  });
  afterAll(async () => s?.close());

  const make = async (c: Caller, body: object): Promise<Made> => {
    const res = await c.post(BASE, { displayName: 'auth test', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  /** A token request as from `remoteAddress` (Fastify's req.ip without a trusted proxy). */
  const tokenFrom = async (m: Made, remoteAddress = '127.0.0.1', fields?: Record<string, string>): Promise<Res> => {
    const r = await s.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      remoteAddress,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(
        fields ?? { grant_type: 'client_credentials', client_id: m.client.clientId, client_secret: m.clientSecret },
      ).toString(),
    });
    return { status: r.statusCode, body: r.json(), headers: new Headers() };
  };
  const token = async (m: Made): Promise<string> => {
    const res = await tokenFrom(m);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.access_token;
  };
  const use = (tok: string, path = '/api/v1/apps') => s.fetch(path, { headers: { authorization: `Bearer ${tok}` } });
  const expectRefused = (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(401);
    expect(res.body, what).toEqual(REFUSED);
  };
  const expectBearerRefused = async (tok: string) => {
    const res = await use(tok);
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body.code).toBe(16);
  };
  const lastUsed = async (m: Made): Promise<string | undefined> =>
    (await s.admin.get(`${BASE}/${m.client.id}`)).body.client.lastUsedAt;

  it('gives tokens only to requests from allowSourceCidr, with the generic 401 otherwise', async () => {
    const me = await s.callerAs();
    const m = await make(me, { allowSourceCidr: ['192.168.1.0/24', '2001:db8::/32', '10.9.9.9'] });
    for (const ip of ['192.168.1.7', '::ffff:192.168.1.200', '2001:db8::5', '10.9.9.9']) {
      expect((await tokenFrom(m, ip)).status, ip).toBe(200);
    }
    for (const ip of ['10.1.2.3', '127.0.0.1', '192.168.2.1', '2001:db9::1', '10.9.9.8'])
      expectRefused(await tokenFrom(m, ip), ip);

    // The SDK flow too; an assertion sent from outside is not used up by the refusal.
    const assertion = await signAssertion({ clientId: m.client.clientId, clientSecret: m.clientSecret }, new URL(s.url).hostname);
    const form = {
      grant_type: 'client_credentials',
      client_id: m.client.clientId,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    };
    expectRefused(await tokenFrom(m, '10.1.2.3', form), 'assertion from outside');
    expect((await tokenFrom(m, '192.168.1.9', form)).status).toBe(200);

    // Clearing the ranges lets every address in again.
    await me.post(`${BASE}/${m.client.id}`, { client: {}, updateMask: 'allowSourceCidr' });
    expect((await tokenFrom(m, '10.1.2.3')).status).toBe(200);
  });

  it('refuses an expired client at the token endpoint and its bearer tokens', async () => {
    const me = await s.callerAs();
    const m = await make(me, { expires: '1.5s' });
    const tok = await token(m);
    expect((await use(tok)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expectRefused(await tokenFrom(m), 'expired');
    await expectBearerRefused(tok);
    // Still listed (with its past expiresTime), unlike a deleted one.
    expect((await me.get(`${BASE}/${m.client.id}`)).status).toBe(200);
  });

  it('refuses a deleted client at the token endpoint and its bearer tokens', async () => {
    const me = await s.callerAs();
    const m = await make(me, {});
    const tok = await token(m);
    expect((await use(tok)).status).toBe(200);
    expect((await me.del(`${BASE}/${m.client.id}`)).status).toBe(200);
    await expectBearerRefused(tok);
    expectRefused(await tokenFrom(m), 'deleted');
    // The owner's other client is untouched.
    expect((await me.get(BASE)).status).toBe(200);
  });

  it('refuses every client of a disabled user, and takes them back when the user is enabled', async () => {
    const me = await s.callerAs();
    const m = await make(me, {});
    const tok = await token(m);
    await s.core.services.users.setStatus(s.admin.tenant.id, me.me.id, 'DISABLED');
    expectRefused(await tokenFrom(m), 'disabled user');
    await expectBearerRefused(tok);
    expect((await me.get(BASE)).status).toBe(401);
    await s.core.services.users.setStatus(s.admin.tenant.id, me.me.id, 'ENABLED');
    expect((await use(tok)).status).toBe(200);
    expect((await tokenFrom(m)).status).toBe(200);
  });

  it("narrows a client to its scopedRoles: a Super Administrator's client scoped to Basic User cannot create apps", async () => {
    const scoped = await s.callerAs(['super_admin'], { scopedRoles: [BASIC_USER_ROLE_ID] });
    const res = await scoped.post('/api/v1/apps', { displayName: 'not allowed' });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe(7);
    expect((await scoped.get('/api/v1/apps')).status).toBe(200);
    // A client it makes is no wider than itself.
    expect((await make(scoped, {})).client).toMatchObject({ scopedRoles: [BASIC_USER_ROLE_ID] });
    // The same person's unscoped client may.
    const full = await s.core.services.clients.createPersonal(s.admin.tenant, scoped.me.id, 'unscoped');
    const fullToken = await token({ client: { id: '', clientId: full.clientId }, clientSecret: full.clientSecret });
    const byFull = await s.fetch('/api/v1/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${fullToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'allowed' }),
    });
    expect(byFull.status, JSON.stringify(byFull.body)).toBe(200);
    // Clearing the scope (here by the admin) takes effect on the scoped client's next request, same token.
    const helperClient = (await scoped.get(BASE)).body.list[0];
    expect(helperClient.scopedRoles).toEqual([BASIC_USER_ROLE_ID]);
    const cleared = await s.admin.post(`${BASE}/${helperClient.id}`, { client: {}, updateMask: 'scopedRoles' });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect((await scoped.post('/api/v1/apps', { displayName: 'now allowed' })).status).toBe(200);
  });

  it('records lastUsedAt on use, at most once a minute per client', async () => {
    const me = await s.callerAs();
    const m = await make(me, {});
    expect(m.client.lastUsedAt).toBeUndefined();
    const tok = await token(m);
    const first = await lastUsed(m);
    expect(first).toBeDefined();
    expect(Math.abs(Date.parse(first as string) - Date.now())).toBeLessThan(10_000);
    // More uses within the minute rewrite nothing.
    for (let i = 0; i < 3; i++) expect((await use(tok)).status).toBe(200);
    await token(m);
    expect(await lastUsed(m)).toBe(first);

    const db = s.core.database.db;
    const where = and(eq(clients.tenantId, s.admin.tenant.id), eq(clients.id, m.client.clientId));
    const backdate = () => db.update(clients).set({ lastUsedAt: sql`now() - interval '2 minutes'` }).where(where);
    await backdate();
    const old = await lastUsed(m);
    expect(Date.now() - Date.parse(old as string)).toBeGreaterThan(100_000);
    // This server wrote it under a minute ago, so it sends no statement at all (the column stays as backdated).
    expect((await use(tok)).status).toBe(200);
    expect(await lastUsed(m)).toBe(old);
    // Once this server's memory of it is gone (as on another server), a bearer use writes it again...
    s.core.services.clients.forget(m.client.clientId);
    expect((await use(tok)).status).toBe(200);
    const again = await lastUsed(m);
    expect(Date.parse(again as string)).toBeGreaterThan(Date.parse(old as string) + 100_000);
    // ...and the UPDATE itself skips a client written in the last minute, whoever wrote it.
    s.core.services.clients.forget(m.client.clientId);
    await new Promise((r) => setTimeout(r, 20));
    expect((await use(tok)).status).toBe(200);
    expect(await lastUsed(m)).toBe(again);
  });
});
