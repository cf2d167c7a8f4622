import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, expectExactCounts, grant, grantNewUsers, MISSING, makeApp, makeEntitlement, world } from './fixtures.ts';

describe.each(backends)('grants on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const ids = (list: { appUser: { appUser: { id: string } } }[]) => list.map((v) => v.appUser.appUser.id);

  it('grants to identity users through accounts made on first grant; idempotent; counts follow', async () => {
    const { app, ent, resource, type, base } = await world(s.admin);
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    const first = await grant(s.admin, app.id, ent.id, [u1.id, u2.id, 'nobody']);
    expect(first).toEqual({ failedUsersErrorMap: { nobody: 'user "nobody" does not exist' } });
    const again = await grant(s.admin, app.id, ent.id, [u1.id]);
    expect(again).toEqual({ failedUsersErrorMap: {} });

    const a1 = await appUserOf(s.admin, app.id, u1.id);
    expect(a1).toMatchObject({
      appId: app.id,
      identityUserId: u1.id,
      email: u1.email,
      emails: [u1.email],
      displayName: u1.displayName,
      appUserType: 'APP_USER_TYPE_USER',
      status: { status: 'STATUS_ENABLED' },
      isExternal: false,
    });
    const users = await s.admin.get(`${base}/users`);
    expect(users.status).toBe(200);
    expect(users.body.expanded).toEqual([]);
    expect(users.body.list).toHaveLength(2);
    expect(users.body.list[0]).toMatchObject({ appUser: { appUser: { id: a1?.id } }, grantSources: [] });
    expect(users.body.list[0].appEntitlementUserBindingCreatedAt).toMatch(/Z$/);
    expect(users.body.list[0].appEntitlementUserBindingDeprovisionAt).toBeUndefined();

    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe('2');
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('2');
    const res = await s.admin.get(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources/${resource.id}`);
    expect(res.body.appResourceView.appResource.grantCount).toBe('2');
    // A second entitlement for the same person: one more grant, the same number of app users.
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Admin' });
    await grant(s.admin, app.id, other.id, [u1.id]);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('2');
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });

  it('refuses grants it cannot make, changing nothing', async () => {
    const { app, ent, base } = await world(s.admin);
    const u = await s.admin.user();
    const cases: [string, unknown, number, number][] = [
      [`/api/v1/apps/${MISSING}/entitlements/${ent.id}/add-manual-user`, { userIds: [u.id] }, 404, 5],
      [`/api/v1/apps/${app.id}/entitlements/${MISSING}/add-manual-user`, { userIds: [u.id] }, 404, 5],
      [`${base}/add-manual-user`, { userIds: [] }, 400, 3],
      [`${base}/add-manual-user`, {}, 400, 3],
      [`${base}/add-manual-user`, { userIds: 'x' }, 400, 3],
      [`${base}/add-manual-user`, { userIds: [u.id, null], extra: 1 }, 400, 3],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await s.admin.post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.code).toBe(code);
    }
    // An entitlement of another app is not found through this one.
    const otherApp = await makeApp(s.admin);
    expect(
      (await s.admin.post(`/api/v1/apps/${otherApp.id}/entitlements/${ent.id}/add-manual-user`, { userIds: [u.id] })).status,
    ).toBe(404);
    // Another tenant sees nothing.
    const t = await s.caller();
    expect((await t.post(`${base}/add-manual-user`, { userIds: [u.id] })).status).toBe(404);
    // A read-only client cannot grant.
    const ro = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    expect((await ro.post(`${base}/add-manual-user`, { userIds: [u.id] })).status).toBe(403);
    // Apps synced by a connector are not granted to by hand.
    await s.core.database.db.execute(sql`update apps set is_manually_managed = false where id = ${app.id}`);
    const synced = await s.admin.post(`${base}/add-manual-user`, { userIds: [u.id] });
    expect(synced.status).toBe(400);
    expect(synced.body.code).toBe(9);
    expect((await s.admin.get(`${base}/users`)).body.list).toEqual([]);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/app_users`)).body.list).toEqual([]);
  });

  it('revokes a membership; idempotent; userCount drops only with the last grant', async () => {
    const { app, ent, base } = await world(s.admin);
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Viewer' });
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    await grant(s.admin, app.id, ent.id, [u1.id, u2.id]);
    await grant(s.admin, app.id, other.id, [u1.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    const a2 = (await appUserOf(s.admin, app.id, u2.id))!;
    const revoke = (appUserId: unknown, path = `${base}/remove-membership`) => s.admin.del(path, { appUserId });
    const r1 = await revoke(a1.id);
    expect(r1.status).toBe(200);
    expect(r1.body).toEqual({});
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('2');
    expect(ids((await s.admin.get(`${base}/users`)).body.list)).toEqual([a2.id]);
    expect((await revoke(a1.id)).status).toBe(200);
    expect((await revoke(a2.id)).status).toBe(200);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('1');
    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe('0');
    await expectExactCounts(s, s.admin.tenant.id, app.id);

    expect((await revoke(MISSING)).status).toBe(404);
    expect((await revoke(undefined)).status).toBe(400);
    expect((await revoke(a1.id, `/api/v1/apps/${app.id}/entitlements/${MISSING}/remove-membership`)).status).toBe(404);
    expect((await revoke(a1.id, `/api/v1/apps/${MISSING}/entitlements/${ent.id}/remove-membership`)).status).toBe(404);
    const t = await s.caller();
    expect((await t.del(`${base}/remove-membership`, { appUserId: a1.id })).status).toBe(404);
  });

  it('lists grants by entitlement, by account and by identity user, with paging', async () => {
    const { app, ent, base } = await world(s.admin);
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Second' });
    const users = await grantNewUsers(s.admin, app.id, ent.id, 12);
    await grant(s.admin, app.id, other.id, [users[0].id]);
    const seen: string[] = [];
    let token = '';
    do {
      const res = await s.admin.get(`${base}/users?page_size=10${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...ids(res.body.list));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);

    const a0 = (await appUserOf(s.admin, app.id, users[0].id))!;
    const forUser = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/users/${a0.id}`);
    expect(forUser.status).toBe(200);
    expect(forUser.body.list.map((v: { appEntitlement: { id: string } }) => v.appEntitlement.id).sort()).toEqual(
      [ent.id, other.id].sort(),
    );
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements/users/${MISSING}`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${MISSING}/entitlements/users/${a0.id}`)).status).toBe(404);

    const withGrant = await s.admin.get(`${base}/users/${users[0].id}/grants`);
    expect(withGrant.status).toBe(200);
    expect(withGrant.body.bindings).toEqual([
      { appId: app.id, appUserId: a0.id, appEntitlementId: ent.id, createdAt: expect.any(String), grantSources: [] },
    ]);
    // An account without a grant of this entitlement comes without grant data; no account, no bindings.
    const third = await makeEntitlement(s.admin, app.id, { displayName: 'Third' });
    const noGrant = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${third.id}/users/${users[0].id}/grants`);
    expect(noGrant.body.bindings).toEqual([{ appId: app.id, appUserId: a0.id, grantSources: [] }]);
    const stranger = await s.admin.user();
    expect((await s.admin.get(`${base}/users/${stranger.id}/grants`)).body.bindings).toEqual([]);
    expect((await s.admin.get(`${base}/users/${MISSING}/grants`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${MISSING}/users/${stranger.id}/grants`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${MISSING}/users`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${MISSING}/entitlements/${ent.id}/users`)).status).toBe(404);
    expect((await s.admin.get(`${base}/users?page_token=garbage`)).status).toBe(400);
  });

  it('searches grants by app, account, identity user, resource, type and entitlement', async () => {
    const t = await s.caller();
    const w1 = await world(t);
    const w2 = await world(t);
    const appLevel = await makeEntitlement(t, w1.app.id, { displayName: 'App-wide' });
    const [u1, u2] = [await t.user(), await t.user()];
    await grant(t, w1.app.id, w1.ent.id, [u1.id, u2.id]);
    await grant(t, w1.app.id, appLevel.id, [u1.id]);
    await grant(t, w2.app.id, w2.ent.id, [u2.id]);
    const a1 = (await appUserOf(t, w1.app.id, u1.id))!;
    const search = async (body: object) => {
      const res = await t.post('/api/v1/search/grants', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list.map(
        (x: {
          entitlement: { appEntitlement: { id: string } };
          appEntitlementUserBinding: { appUser: { appUser: { identityUserId: string } } };
        }) => `${x.entitlement.appEntitlement.id}:${x.appEntitlementUserBinding.appUser.appUser.identityUserId}`,
      );
    };
    expect(await search({})).toHaveLength(4);
    expect((await search({ appIds: [w1.app.id] })).sort()).toEqual(
      [`${w1.ent.id}:${u1.id}`, `${w1.ent.id}:${u2.id}`, `${appLevel.id}:${u1.id}`].sort(),
    );
    expect((await search({ userId: u2.id })).sort()).toEqual([`${w1.ent.id}:${u2.id}`, `${w2.ent.id}:${u2.id}`].sort());
    expect((await search({ appUserIds: [a1.id] })).sort()).toEqual([`${w1.ent.id}:${u1.id}`, `${appLevel.id}:${u1.id}`].sort());
    expect(await search({ resourceIds: [w2.resource.id] })).toEqual([`${w2.ent.id}:${u2.id}`]);
    expect((await search({ resourceTypeIds: [w1.type.id] })).sort()).toEqual(
      [`${w1.ent.id}:${u1.id}`, `${w1.ent.id}:${u2.id}`].sort(),
    );
    expect(await search({ entitlementRefs: [{ appId: w1.app.id, id: appLevel.id }] })).toEqual([`${appLevel.id}:${u1.id}`]);
    expect(await search({ entitlementRefs: [{ appId: w2.app.id, id: appLevel.id }] })).toEqual([]);
    // An entitlement expand mask expands each grant's entitlement: its app, type and resource once each.
    const x = await t.post('/api/v1/search/grants', { appIds: [w1.app.id], expandMask: { paths: ['*'] } });
    expect(x.status).toBe(200);
    expect(x.body.expanded.map((o: { '@type': string; id: string }) => `${o['@type'].split('.').at(-1)}:${o.id}`).sort()).toEqual(
      [`App:${w1.app.id}`, `AppResourceType:${w1.type.id}`, `AppResource:${w1.resource.id}`].sort(),
    );
    for (const g of x.body.list) {
      const v = g.entitlement;
      expect(x.body.expanded[Number(/\d+/.exec(v.appPath)?.[0])].id).toBe(w1.app.id);
      if (v.appEntitlement.id === w1.ent.id) expect(v.appResourcePath).toMatch(/^\$\.expanded\[\d\]$/);
      else expect(v.appResourcePath).toBeUndefined();
    }
    expect((await t.post('/api/v1/search/grants', { expandMask: { paths: ['users'] } })).status).toBe(400);
    const page1 = await t.post('/api/v1/search/grants', { pageSize: 1 });
    expect(page1.body.list).toHaveLength(4); // under 10 means 10
    expect((await t.post('/api/v1/search/grants', { pageToken: 'nope' })).status).toBe(400);
    expect((await t.post('/api/v1/search/grants', { appIds: 'x', bogus: 1 })).status).toBe(400);
    // Other tenants' grants never show.
    expect((await s.admin.post('/api/v1/search/grants', { appIds: [w1.app.id] })).body.list).toEqual([]);
  });

  it('creates an app user for a DISPLAY_NAME app too, linked to the identity', async () => {
    const app = await makeApp(s.admin, { identityMatching: 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME' });
    const ent = await makeEntitlement(s.admin, app.id);
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    expect(await appUserOf(s.admin, app.id, u.id)).toMatchObject({ identityUserId: u.id, displayName: u.displayName });
  });
});
