import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appOwners, apps, users } from '../../../src/db/schema.ts';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { makePolicy } from '../policies/fixtures.ts';

describe.each(backends)('apps on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('creates an app with every seed field and reads it back', async () => {
    const owner = await s.admin.user();
    // Fields that come back as they were sent.
    const asSent = {
      description: 'SSO',
      certifyPolicyId: await makePolicy(s.admin, 'POLICY_TYPE_CERTIFY'),
      grantPolicyId: DEFAULT_GRANT_POLICY.id,
      revokePolicyId: DEFAULT_REVOKE_POLICY.id,
      identityMatching: 'APP_USER_IDENTITY_MATCHING_STRICT',
      monthlyCostUsd: 12,
      strictAccessEntitlementProvisioning: true,
    };
    const res = await s.admin.post('/api/v1/apps', { ...asSent, displayName: '  Okta  ', owners: [owner.id] });
    expect(res.status).toBe(200);
    const app = res.body.app;
    expect(app).toMatchObject({ ...asSent, displayName: 'Okta', isManuallyManaged: true, userCount: '0' });
    expect(app.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(app.appOwners.map((u: { id: string }) => u.id)).toEqual([owner.id]);
    expect(new Date(app.createdAt).toISOString()).toBe(app.createdAt);
    const got = await s.admin.get(`/api/v1/apps/${app.id}`);
    expect(got.status).toBe(200);
    expect(got.body.app).toEqual(app);
  });

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const before = (await s.admin.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length;
    const cases: [unknown, string][] = [
      [{}, 'displayName'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(257) }, 'displayName'],
      [{ displayName: 5 }, 'displayName'],
      [{ displayName: 'a', identityMatching: 'NOPE' }, 'identityMatching'],
      [{ displayName: 'a', monthlyCostUsd: -1 }, 'monthlyCostUsd'],
      [{ displayName: 'a', monthlyCostUsd: 1.5 }, 'monthlyCostUsd'],
      [{ displayName: 'a', owners: ['nope'] }, 'nope'],
      [{ displayName: 'a', description: 5, bogus: 1 }, 'description'],
    ];
    for (const [body, field] of cases) {
      const res = await s.admin.post('/api/v1/apps', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
      expect(res.body.details).toEqual([]);
    }
    expect((await s.admin.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length).toBe(before);
  });

  it('updates with and without a mask; an empty body changes nothing', async () => {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Before', description: 'd1' })).body.app;
    const masked = await s.admin.post(`/api/v1/apps/${app.id}`, {
      app: { displayName: 'After', description: 'ignored' },
      updateMask: 'displayName',
    });
    expect(masked.status).toBe(200);
    expect(masked.body.app).toMatchObject({ displayName: 'After', description: 'd1' });
    const unmasked = await s.admin.post(`/api/v1/apps/${app.id}`, { app: { description: 'd2', id: 'ignored-ro' } });
    expect(unmasked.body.app).toMatchObject({ displayName: 'After', description: 'd2', id: app.id });
    const empty = await s.fetch(`/api/v1/apps/${app.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.admin.token}`, 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(200);
    expect(empty.body.app).toMatchObject({ displayName: 'After', description: 'd2' });
    const ro = await s.admin.post(`/api/v1/apps/${app.id}`, { app: {}, updateMask: 'userCount' });
    expect(ro.status).toBe(400);
    expect(ro.body.message).toContain('userCount');
    const unknown = await s.admin.post(`/api/v1/apps/${app.id}`, { app: {}, updateMask: 'nope' });
    expect(unknown.status).toBe(400);
    const missing = await s.admin.post('/api/v1/apps/3MV7rbPadu5c0uz5o5J9hkjTlUF', { app: { displayName: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(5);
  });

  it('deletes an app; later reads answer 404', async () => {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Doomed' })).body.app;
    expect((await s.admin.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).status).toBe(404);
    expect((await s.admin.del(`/api/v1/apps/${app.id}`)).status).toBe(404);
  });

  it('pages through every app exactly once, with C1 page sizes', async () => {
    const t = await s.caller();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await t.post('/api/v1/apps', { displayName: `App ${i}` })).body.app.id);
    const seen: string[] = [];
    let token = '';
    do {
      const res = await t.get(`/api/v1/apps?page_size=3${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.list.length).toBeLessThanOrEqual(10);
      seen.push(...res.body.list.map((a: { id: string }) => a.id));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toEqual(ids);
    expect((await t.get('/api/v1/apps')).body.list.length).toBe(23);
    expect((await t.get('/api/v1/apps?page_size=1000')).body.list.length).toBe(23);
    expect((await t.get('/api/v1/apps?page_token=garbage')).status).toBe(400);
  });

  it('searches by query, ids and exclusions', async () => {
    const t = await s.caller();
    const a = (await t.post('/api/v1/apps', { displayName: 'Salesforce', description: 'CRM' })).body.app;
    const b = (await t.post('/api/v1/apps', { displayName: 'GitHub', description: 'code 100%' })).body.app;
    const names = async (body: object) => (await t.post('/api/v1/search/apps', body)).body.list.map((x: { id: string }) => x.id);
    expect(await names({ query: 'sales' })).toEqual([a.id]);
    expect(await names({ query: 'crm' })).toEqual([a.id]);
    expect(await names({ query: '100%' })).toEqual([b.id]);
    expect(await names({ query: '%' })).toEqual([b.id]);
    expect(await names({ appIds: [b.id] })).toEqual([b.id]);
    expect(await names({ excludeAppIds: [b.id] })).toEqual([a.id]);
    expect(await names({ displayName: 'github' })).toEqual([b.id]);
    expect(await names({ onlyDirectories: true })).toEqual([]);
  });

  it("lists only the app's own tenant's owners, also when another tenant holds the same app and user ids", async () => {
    // Ids are generated, so two tenants sharing them is made here by hand, in SQL.
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Twin ids' })).body.app;
    const person = await s.admin.user();
    const other = await s.caller();
    await s.core.database.db.transaction(async (tx) => {
      await tx.insert(apps).values({ tenantId: other.tenant.id, id: app.id, displayName: 'Twin ids elsewhere' });
      await tx.insert(users).values({ tenantId: other.tenant.id, id: person.id, email: 'twin@example.com', displayName: 'Twin' });
      await tx.insert(appOwners).values({ tenantId: other.tenant.id, appId: app.id, userId: person.id });
    });
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.appOwners).toEqual([]);
    const theirs = (await other.get(`/api/v1/apps/${app.id}`)).body.app;
    expect(theirs.appOwners.map((u: { id: string }) => u.id)).toEqual([person.id]);
  });

  it('manages app owners', async () => {
    const [u1, u2, u3] = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Owned', owners: [u1.id] })).body.app;
    const ownerIds = async () =>
      (await s.admin.get(`/api/v1/apps/${app.id}/owners`)).body.list.map((u: { id: string }) => u.id).sort();
    expect(await ownerIds()).toEqual([u1.id]);
    expect((await s.admin.post(`/api/v1/apps/${app.id}/owners/${u2.id}`)).status).toBe(200);
    expect(await ownerIds()).toEqual([u1.id, u2.id].sort());
    expect((await s.admin.put(`/api/v1/apps/${app.id}/owners`, { userIds: [u3.id] })).status).toBe(200);
    expect(await ownerIds()).toEqual([u3.id]);
    expect((await s.admin.del(`/api/v1/apps/${app.id}/owners/${u3.id}`)).status).toBe(200);
    expect(await ownerIds()).toEqual([]);
    expect((await s.admin.post(`/api/v1/apps/${app.id}/owners/nobody`)).status).toBe(400);
    expect((await s.admin.put(`/api/v1/apps/${app.id}/owners`, { userIds: ['nobody'] })).status).toBe(400);
    expect((await s.admin.get('/api/v1/apps/nope/owners')).status).toBe(404);
  });
});
