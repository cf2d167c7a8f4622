import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, grant, grantNewUsers, MISSING, makeApp, makeEntitlement } from '../grants/fixtures.ts';

type View = { appUser: { id: string; identityUserId?: string } };
const idsOf = (list: View[]) => list.map((v) => v.appUser.id);

describe.each(backends)('app users on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  /** An account nobody is linked to yet, as a connector or an earlier directory would have left it. */
  async function unlinkedAccount(appId: string, email: string, displayName: string): Promise<string> {
    const id = `unlinked${Math.random().toString(36).slice(2, 12)}`;
    await s.core.database.db.execute(
      sql`insert into app_users (tenant_id, id, app_id, email, display_name) values (${s.admin.tenant.id}, ${id}, ${appId}, ${email}, ${displayName})`,
    );
    return id;
  }

  it('lists the accounts of an app and of an identity user, with paging', async () => {
    const app = await makeApp(s.admin);
    const ent = await makeEntitlement(s.admin, app.id);
    const users = await grantNewUsers(s.admin, app.id, ent.id, 11);
    const seen: string[] = [];
    let token = '';
    do {
      const res = await s.admin.get(`/api/v1/apps/${app.id}/app_users?page_size=10${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.expanded).toEqual([]);
      seen.push(...idsOf(res.body.list));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
    const mine = await s.admin.get(`/api/v1/apps/${app.id}/users/${users[3].id}/app_users`);
    expect(mine.status).toBe(200);
    expect(mine.body.list).toHaveLength(1);
    expect(mine.body.list[0].appUser).toEqual({
      id: expect.any(String),
      appId: app.id,
      identityUserId: users[3].id,
      displayName: users[3].displayName,
      email: users[3].email,
      emails: [users[3].email],
      usernames: [],
      employeeIds: [],
      appUserType: 'APP_USER_TYPE_USER',
      status: { status: 'STATUS_ENABLED' },
      isExternal: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const stranger = await s.admin.user();
    expect((await s.admin.get(`/api/v1/apps/${app.id}/users/${stranger.id}/app_users`)).body.list).toEqual([]);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/users/${MISSING}/app_users`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${MISSING}/users/${stranger.id}/app_users`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${MISSING}/app_users`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/app_users?page_token=bad`)).status).toBe(400);
    const t = await s.caller();
    expect((await t.get(`/api/v1/apps/${app.id}/app_users`)).status).toBe(404);
  });

  it('links a first grant to an unlinked account by email (STRICT) or display name (DISPLAY_NAME)', async () => {
    const strict = await makeApp(s.admin, { identityMatching: 'APP_USER_IDENTITY_MATCHING_STRICT' });
    const byName = await makeApp(s.admin, { identityMatching: 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME' });
    const u = await s.admin.user(undefined, `Name ${Math.random()}`);
    const byEmail = await unlinkedAccount(strict.id, u.email!.toUpperCase(), 'Someone else');
    const named = await unlinkedAccount(byName.id, 'other@example.com', u.displayName!);
    // Decoys: matching the other attribute does not count.
    await unlinkedAccount(strict.id, 'decoy@example.com', u.displayName!);
    await unlinkedAccount(byName.id, u.email!, 'Decoy');
    for (const [app, expected] of [
      [strict, byEmail],
      [byName, named],
    ] as const) {
      const ent = await makeEntitlement(s.admin, app.id);
      await grant(s.admin, app.id, ent.id, [u.id]);
      expect((await appUserOf(s.admin, app.id, u.id))?.id).toBe(expected);
      expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('1');
    }
    // Two unlinked accounts with the same display name are ambiguous: a new account is made.
    const ambiguous = await makeApp(s.admin, { identityMatching: 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME' });
    const x = await unlinkedAccount(ambiguous.id, 'a@example.com', u.displayName!);
    const y = await unlinkedAccount(ambiguous.id, 'b@example.com', u.displayName!);
    const ent = await makeEntitlement(s.admin, ambiguous.id);
    await grant(s.admin, ambiguous.id, ent.id, [u.id]);
    const made = (await appUserOf(s.admin, ambiguous.id, u.id))!;
    expect([x, y]).not.toContain(made.id);
  });

  it('searches accounts', async () => {
    const t = await s.caller();
    const app1 = await makeApp(t);
    const app2 = await makeApp(t);
    const [u1, u2] = [await t.user('alice@corp.example', 'Alice Liddell'), await t.user('bob@corp.example', 'Bob')];
    for (const app of [app1, app2]) await grant(t, app.id, (await makeEntitlement(t, app.id)).id, [u1.id, u2.id]);
    const a1 = (await appUserOf(t, app1.id, u1.id))!;
    const search = async (body: object) => {
      const res = await t.post('/api/v1/search/app_users', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return idsOf(res.body.list).sort();
    };
    expect(await search({})).toHaveLength(4);
    expect(await search({ appId: app1.id })).toHaveLength(2);
    expect(await search({ appId: app1.id, query: 'liddell' })).toEqual([a1.id]);
    expect(await search({ query: 'ALICE@' })).toHaveLength(2);
    expect(await search({ userIds: [u1.id], appId: app1.id })).toEqual([a1.id]);
    expect(await search({ appUserIds: [a1.id] })).toEqual([a1.id]);
    expect(await search({ appId: app1.id, excludeAppUserIds: [a1.id] })).toHaveLength(1);
    expect(await search({ refs: [{ appId: app1.id, id: a1.id }] })).toEqual([a1.id]);
    expect(await search({ refs: [{ appId: app2.id, id: a1.id }] })).toEqual([]);
    expect(await search({ appUserTypes: ['APP_USER_TYPE_USER'] })).toHaveLength(4);
    expect(await search({ appUserTypes: ['APP_USER_TYPE_SERVICE_ACCOUNT'] })).toEqual([]);
    expect(await search({ appUserStatuses: ['STATUS_ENABLED'] })).toHaveLength(4);
    expect(await search({ appUserStatuses: ['STATUS_DISABLED'] })).toEqual([]);
    expect(await search({ appUserDomains: ['APP_USER_DOMAIN_EXTERNAL'] })).toEqual([]);
    expect(await search({ appUserDomains: ['APP_USER_DOMAIN_TRUSTED'] })).toHaveLength(4);
    // The expand mask puts each app and identity user in `expanded` once; views point at them.
    const x = await t.post('/api/v1/search/app_users', { appId: app1.id, expandMask: { paths: ['*'] } });
    expect(x.status).toBe(200);
    const [app1Now, u1Now, u2Now] = [
      (await t.get(`/api/v1/apps/${app1.id}`)).body.app,
      (await t.get(`/api/v1/users/${u1.id}`)).body.userView.user,
      (await t.get(`/api/v1/users/${u2.id}`)).body.userView.user,
    ];
    expect(x.body.expanded).toEqual([
      { '@type': 'type.googleapis.com/c1.api.app.v1.App', ...app1Now },
      {
        '@type': 'type.googleapis.com/c1.api.user.v1.User',
        ...(x.body.list[0].appUser.identityUserId === u1.id ? u1Now : u2Now),
      },
      {
        '@type': 'type.googleapis.com/c1.api.user.v1.User',
        ...(x.body.list[0].appUser.identityUserId === u1.id ? u2Now : u1Now),
      },
    ]);
    expect(x.body.list.map((v: { appPath: string; identityUserPath: string }) => [v.appPath, v.identityUserPath])).toEqual([
      ['$.expanded[0]', '$.expanded[1]'],
      ['$.expanded[0]', '$.expanded[2]'],
    ]);
    expect(x.body.list[0].lastUsagePath).toBeUndefined();
    const usage = await t.post('/api/v1/search/app_users', { appId: app1.id, expandMask: { paths: ['last_usage'] } });
    expect(usage.body.expanded).toEqual([]);
    expect((await t.post('/api/v1/search/app_users', { expandMask: { paths: ['user'] } })).status).toBe(400);
    expect((await t.post('/api/v1/search/app_users', { appUserTypes: ['NOPE'] })).status).toBe(400);
    expect((await t.post('/api/v1/search/app_users', { pageToken: 'x' })).status).toBe(400);
    expect((await s.admin.post('/api/v1/search/app_users', { appId: app1.id })).body.list).toEqual([]);
  });

  it('updates an account type; everything else is read-only', async () => {
    const app = await makeApp(s.admin);
    const ent = await makeEntitlement(s.admin, app.id);
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const a = (await appUserOf(s.admin, app.id, u.id))!;
    const path = `/api/v1/apps/${app.id}/app_users/${a.id}`;
    const res = await s.admin.post(path, {
      appUser: { appUserType: 'APP_USER_TYPE_SERVICE_ACCOUNT' },
      updateMask: 'appUserType',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      appUserView: { appUser: expect.objectContaining({ id: a.id, appUserType: 'APP_USER_TYPE_SERVICE_ACCOUNT' }) },
      expanded: [],
    });
    const expandedRes = await s.admin.post(path, { appUser: {}, expandMask: { paths: ['identity_user_id'] } });
    expect(expandedRes.body.appUserView.identityUserPath).toBe('$.expanded[0]');
    expect(expandedRes.body.expanded).toEqual([{ '@type': 'type.googleapis.com/c1.api.user.v1.User', ...u }]);
    // Without a mask, echoed read-only fields are ignored.
    const echoed = await s.admin.post(path, {
      appUser: { ...res.body.appUserView.appUser, appUserType: 'APP_USER_TYPE_USER', email: 'x@y.z' },
    });
    expect(echoed.body.appUserView.appUser).toMatchObject({ appUserType: 'APP_USER_TYPE_USER', email: u.email });
    const refusals: [string, unknown, number][] = [
      [path, { appUser: {}, updateMask: 'email' }, 400],
      [path, { appUser: {}, updateMask: 'status' }, 400],
      [path, { appUser: {}, updateMask: 'nope' }, 400],
      [path, { appUser: { appUserType: 'ROBOT' } }, 400],
      [path, { appUser: { isExternal: 'yes', bogus: 1 } }, 400],
      [path, { appUser: {}, expandMask: { paths: ['owners'] } }, 400],
      [`/api/v1/apps/${app.id}/app_users/${MISSING}`, { appUser: {} }, 404],
      [`/api/v1/apps/${MISSING}/app_users/${a.id}`, { appUser: {} }, 404],
    ];
    for (const [p, body, status] of refusals) expect((await s.admin.post(p, body)).status, JSON.stringify(body)).toBe(status);
    const other = await makeApp(s.admin);
    expect((await s.admin.post(`/api/v1/apps/${other.id}/app_users/${a.id}`, { appUser: {} })).status).toBe(404);
    const ro = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    expect((await ro.post(path, { appUser: {} })).status).toBe(403);
    expect((await ro.post('/api/v1/search/app_users', { appId: app.id })).status).toBe(200);
  });
});
