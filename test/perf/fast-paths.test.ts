// The shortcuts taken for speed (found with npm run bench) answer exactly as the
// slow paths did: the cache of verified access tokens still honours expiry and
// revocation, and GET app's single prepared query gives the owners in order.
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSettings } from '../../src/db/schema.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

describe.each(backends)('fast paths on %s', (backend) => {
  let s: TestServer;
  let serverKey: Uint8Array;

  beforeAll(async () => {
    s = await startServer(backend);
    const [row] = await s.core.database.db.select().from(serverSettings).where(eq(serverSettings.key, 'access_token_hs256_key'));
    serverKey = Buffer.from(row.value, 'base64url');
  });
  afterAll(async () => s?.close());

  const getApps = (token: string) => s.fetch('/api/v1/apps', { headers: { authorization: `Bearer ${token}` } });
  const tokenFor = (sub: string, tid: string, exp: number) =>
    new SignJWT({ tid, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('gatehouse')
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(serverKey);
  const subOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub as string;

  it('a token that was accepted (and so cached) is refused once it expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await tokenFor(subOf(s.admin.token), s.admin.tenant.id, exp);
    expect((await getApps(token)).status).toBe(200);
    expect((await getApps(token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, (exp + 0.2) * 1000 - Date.now()));
    const res = await getApps(token);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 16, details: [] });
  });

  it('a token that was accepted (and so cached) is refused once its client is revoked', async () => {
    const c = await s.caller({ domain: s.admin.tenant.domain });
    expect((await getApps(c.token)).status).toBe(200);
    await s.core.services.clients.revoke(c.tenant.id, subOf(c.token));
    expect((await getApps(c.token)).status).toBe(401);
  });

  it('a token altered after being accepted is refused', async () => {
    const [h, p, sig] = s.admin.token.split('.');
    expect((await getApps(s.admin.token)).status).toBe(200);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin', tid: 'other' })).toString('base64url')}.${sig}`;
    expect((await getApps(altered)).status).toBe(401);
  });

  it('GET app gives its owners in the order they were added, like search does', async () => {
    const users = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    const created = await s.admin.post('/api/v1/apps', { displayName: 'Owned', owners: [users[2].id] });
    expect(created.status).toBe(200);
    const id = created.body.app.id;
    for (const u of [users[0], users[1]]) expect((await s.admin.post(`/api/v1/apps/${id}/owners/${u.id}`)).status).toBe(200);
    const got = await s.admin.get(`/api/v1/apps/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.app.appOwners.map((u: { id: string }) => u.id)).toEqual([users[2].id, users[0].id, users[1].id]);
    const found = await s.admin.post('/api/v1/search/apps', { appIds: [id] });
    expect(found.body.list[0]).toEqual(got.body.app);
    const bare = await s.admin.post('/api/v1/apps', { displayName: 'No owners' });
    expect((await s.admin.get(`/api/v1/apps/${bare.body.app.id}`)).body.app.appOwners).toEqual([]);
    expect((await s.admin.get('/api/v1/apps/3MVNOPE0000000000000000000')).status).toBe(404);
  });
});
