// Grant history (search/past-grants), deletion of apps and resources with grants, and exact counts under concurrency.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, expectExactCounts, grant, grantNewUsers, MISSING, makeEntitlement, rows, scalar, world } from './fixtures.ts';

type Past = { history: { appId: string; appEntitlementId: string; appUserId: string; grantedAt: string; revokedAt: string } };

describe.each(backends)('grant history on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('past-grants answers who held an entitlement and between which times', async () => {
    const t = await s.caller();
    const { app, ent, base } = await world(t);
    const other = await makeEntitlement(t, app.id, { displayName: 'Other' });
    const [u1, u2] = [await t.user(), await t.user()];
    await grant(t, app.id, ent.id, [u1.id, u2.id]);
    await grant(t, app.id, other.id, [u1.id]);
    const a1 = (await appUserOf(t, app.id, u1.id))!;
    const a2 = (await appUserOf(t, app.id, u2.id))!;
    const g1 = (await t.get(`${base}/users`)).body.list.find(
      (v: { appUser: { appUser: { id: string } } }) => v.appUser.appUser.id === a1.id,
    );
    // Nothing has ended yet.
    expect((await t.post('/api/v1/search/past-grants', {})).body).toEqual({ list: [], nextPageToken: '', expanded: [] });
    expect((await t.del(`${base}/remove-membership`, { appUserId: a1.id })).status).toBe(200);
    await grant(t, app.id, ent.id, [u1.id]);
    expect((await t.del(`${base}/remove-membership`, { appUserId: a1.id })).status).toBe(200);

    const past = async (body: object): Promise<Past[]> => {
      const res = await t.post('/api/v1/search/past-grants', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list;
    };
    const all = await past({});
    expect(all).toHaveLength(2);
    expect(all.every((p) => p.history.appUserId === a1.id && p.history.appEntitlementId === ent.id)).toBe(true);
    expect(all[0].history.grantedAt).toBe(g1.appEntitlementUserBindingCreatedAt);
    for (const p of all) expect(Date.parse(p.history.revokedAt)).toBeGreaterThanOrEqual(Date.parse(p.history.grantedAt));
    expect(Date.parse(all[1].history.grantedAt)).toBeGreaterThanOrEqual(Date.parse(all[0].history.revokedAt));
    expect(await past({ appEntitlementRefs: [{ appId: app.id, id: ent.id }] })).toHaveLength(2);
    expect(await past({ appEntitlementRefs: [{ appId: app.id, id: other.id }] })).toEqual([]);
    expect(await past({ appUserRefs: [{ appId: app.id, id: a2.id }] })).toEqual([]);
    expect(await past({ appUserRefs: [{ id: a1.id }] })).toHaveLength(2);
    expect(await past({ appIds: [app.id] })).toHaveLength(2);
    expect(await past({ appIds: [MISSING] })).toEqual([]);
    const page = await t.post('/api/v1/search/past-grants', { pageSize: 10 });
    expect(page.body.nextPageToken).toBe('');
    expect((await t.post('/api/v1/search/past-grants', { pageToken: '!!' })).status).toBe(400);
    expect((await t.post('/api/v1/search/past-grants', { appUserRefs: [{ appId: app.id }] })).status).toBe(400);
    // Another tenant's history is not visible.
    expect((await s.admin.post('/api/v1/search/past-grants', { appIds: [app.id] })).body.list).toEqual([]);
  });

  it('deleting an app ends its grants in history (kept), and removes its entitlements, accounts and resources', async () => {
    const t = await s.caller();
    const { app, ent, resource, base } = await world(t);
    const appLevel = await makeEntitlement(t, app.id, { displayName: 'App-wide' });
    const [u1, u2] = [await t.user(), await t.user()];
    await grant(t, app.id, ent.id, [u1.id, u2.id]);
    await grant(t, app.id, appLevel.id, [u1.id]);
    const a1 = (await appUserOf(t, app.id, u1.id))!;
    expect((await t.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await t.get(base)).status).toBe(404);
    expect((await t.post('/api/v1/search/entitlements', { appIds: [app.id] })).body.list).toEqual([]);
    expect((await t.post('/api/v1/search/app_users', { appId: app.id })).body.list).toEqual([]);
    expect((await t.post('/api/v1/search/grants', { appIds: [app.id] })).body.list).toEqual([]);
    const tenant = t.tenant.id;
    for (const table of ['grants', 'app_users', 'app_entitlements']) {
      expect(
        await scalar(s, sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenant}`),
        table,
      ).toBe(0);
    }
    expect(await scalar(s, sql`select count(*)::int as n from app_resources where id = ${resource.id}`)).toBe(0);
    const past = (await t.post('/api/v1/search/past-grants', { appIds: [app.id] })).body.list as Past[];
    expect(past).toHaveLength(3);
    expect(past.filter((p) => p.history.appUserId === a1.id)).toHaveLength(2);
    const reasons = await rows(
      s,
      sql`select distinct revoke_reason as r from grant_history where tenant_id = ${tenant} and app_id = ${app.id}`,
    );
    expect(reasons).toEqual([{ r: 'deleted' }]);
  });

  it('deleting a resource is refused while its entitlements have grants, then takes its entitlements along', async () => {
    const { app, type, resource, ent, base } = await world(s.admin);
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const a = (await appUserOf(s.admin, app.id, u.id))!;
    const resourcePath = `/api/v1/apps/${app.id}/resource_types/${type.id}/resources/${resource.id}`;
    const refused = await s.admin.del(resourcePath);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    expect(refused.body.message).toContain('1 grant');
    expect((await s.admin.get(base)).status).toBe(200);
    expect((await s.admin.del(`${base}/remove-membership`, { appUserId: a.id })).status).toBe(200);
    expect((await s.admin.get(resourcePath)).body.appResourceView.appResource.grantCount).toBe('0');
    expect((await s.admin.del(resourcePath)).status).toBe(200);
    expect((await s.admin.get(base)).status).toBe(404);
    expect((await s.admin.post('/api/v1/search/past-grants', { appEntitlementRefs: [{ id: ent.id }] })).body.list).toHaveLength(
      1,
    );
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });

  it('keeps every count exact under ~40 parallel grants and revokes of one entitlement', async () => {
    const { app, ent, base } = await world(s.admin);
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Other' });
    // Accounts exist first, so that revokes can name them.
    const users = await grantNewUsers(s.admin, app.id, ent.id, 5);
    await grant(s.admin, app.id, other.id, [users[0].id]);
    const accounts = await Promise.all(users.map(async (u) => (await appUserOf(s.admin, app.id, u.id))!.id));
    const calls: Promise<{ status: number }>[] = [];
    for (let i = 0; i < 40; i++) {
      const k = i % users.length;
      calls.push(
        i % 3 === 0
          ? s.admin.del(`${base}/remove-membership`, { appUserId: accounts[k] })
          : s.admin.post(`${base}/add-manual-user`, { userIds: [users[k].id, users[(k + 1) % users.length].id] }),
      );
    }
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    await expectExactCounts(s, s.admin.tenant.id, app.id);
    // Every open history row is exactly one grant in force, and the other way round.
    const open = await scalar(
      s,
      sql`select count(*)::int as n from grant_history where app_id = ${app.id} and revoked_at is null`,
    );
    expect(open).toBe(await scalar(s, sql`select count(*)::int as n from grants where app_id = ${app.id}`));
    const listed = (await s.admin.get(`${base}/users?page_size=100`)).body.list.length;
    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe(String(listed));
  });
  it('grants racing resource and app deletion: no 500s, no orphans, exact counts', async () => {
    const t = await s.caller();
    const tenant = t.tenant.id;
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await t.user());
    const orphans = () =>
      scalar(
        s,
        sql`select ((select count(*) from grants g where g.tenant_id = ${tenant} and not exists (select 1 from app_entitlements e
          where e.tenant_id = g.tenant_id and e.id = g.app_entitlement_id)) + (select count(*) from app_entitlements e
          where e.tenant_id = ${tenant} and e.app_resource_id is not null and not exists (select 1 from app_resources r
          where r.tenant_id = e.tenant_id and r.id = e.app_resource_id)) + (select count(*) from app_users u
          where u.tenant_id = ${tenant} and not exists (select 1 from apps a where a.tenant_id = u.tenant_id and a.id = u.app_id)))::int as n`,
      );

    const w = await world(t);
    const resourcePath = `/api/v1/apps/${w.app.id}/resource_types/${w.type.id}/resources/${w.resource.id}`;
    const calls: Promise<{ status: number }>[] = [];
    for (let i = 0; i < 12; i++) {
      calls.push(t.post(`${w.base}/add-manual-user`, { userIds: [users[i % 4].id] }));
      if (i % 4 === 1) calls.push(t.del(resourcePath));
    }
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(
      statuses.every((st) => [200, 400, 404].includes(st)),
      statuses.join(),
    ).toBe(true);
    expect(await orphans()).toBe(0);
    await expectExactCounts(s, tenant, w.app.id);

    const w2 = await world(t);
    const calls2: Promise<{ status: number }>[] = [];
    for (let i = 0; i < 12; i++) {
      calls2.push(t.post(`${w2.base}/add-manual-user`, { userIds: [users[i % 4].id] }));
      if (i === 5) calls2.push(t.del(`/api/v1/apps/${w2.app.id}`));
    }
    const statuses2 = (await Promise.all(calls2)).map((r) => r.status);
    expect(
      statuses2.every((st) => [200, 404].includes(st)),
      statuses2.join(),
    ).toBe(true);
    expect((await t.get(`/api/v1/apps/${w2.app.id}`)).status).toBe(404);
    expect(await orphans()).toBe(0);
    expect(await scalar(s, sql`select count(*)::int as n from grants where app_id = ${w2.app.id}`)).toBe(0);
    expect(
      await scalar(s, sql`select count(*)::int as n from grant_history where app_id = ${w2.app.id} and revoked_at is null`),
    ).toBe(0);
  });
});
