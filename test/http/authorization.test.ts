// What the roles mean in practice, written out case by case (the matrix test checks the hook
// against the table; these check the table says what C1's roles should).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleByKey } from '../../src/modules/roles/builtin.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { grant, makeApp, makeEntitlement, world } from '../modules/grants/fixtures.ts';

describe.each(backends)('roles in practice on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const denied = (res: { status: number; body: { code: number; message: string } }, permission: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe(7);
    expect(res.body.message).toContain(permission);
  };

  it('a read-only service client reads everything and changes nothing', async () => {
    const reader = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    const app = await makeApp(s.admin);
    expect((await reader.get(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await reader.get('/api/v1/users')).status).toBe(200);
    denied(await reader.post('/api/v1/apps', { displayName: 'Nope' }), 'apps:create');
    denied(await reader.post(`/api/v1/apps/${app.id}`, { app: { displayName: 'Renamed' } }), 'apps:write');
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.displayName).toBe('Custom app');
  });

  it('a Basic User reads the catalog and their own user, never other people', async () => {
    const me = await s.callerAs();
    const someone = await s.admin.user();
    const { app, ent } = await world(s.admin);
    expect((await me.get(`/api/v1/apps/${app.id}/entitlements/${ent.id}`)).status).toBe(200);
    expect((await me.post('/api/v1/search/apps', {})).status).toBe(200);
    const own = await me.get(`/api/v1/users/${me.me.id}`);
    expect(own.status).toBe(200);
    expect(own.body.userView.user.roleIds).toEqual([roleByKey.basic_user.id]);
    const other = await me.get(`/api/v1/users/${someone.id}`);
    expect(other.status).toBe(404);
    denied(await me.get('/api/v1/users'), 'users:read');
    denied(await me.post('/api/v1/apps', { displayName: 'Mine' }), 'apps:create');
    denied(await me.get(`/api/v1/apps/${app.id}/entitlements/${ent.id}/users`), 'grants:read');
  });

  it("a Basic User's grant search shows only their own grants, and may not name another user", async () => {
    const me = await s.callerAs();
    const someone = await s.admin.user();
    const { app, ent } = await world(s.admin);
    await grant(s.admin, app.id, ent.id, [me.me.id, someone.id]);
    const mine = await me.post('/api/v1/search/grants', { appIds: [app.id] });
    expect(mine.status).toBe(200);
    expect(
      mine.body.list.map(
        (g: { appEntitlementUserBinding: { appUser: { appUser: { identityUserId: string } } } }) =>
          g.appEntitlementUserBinding.appUser.appUser.identityUserId,
      ),
    ).toEqual([me.me.id]);
    expect((await s.admin.post('/api/v1/search/grants', { appIds: [app.id] })).body.list).toHaveLength(2);
    denied(await me.post('/api/v1/search/grants', { userId: someone.id }), 'grants:read');
    const accounts = await me.post('/api/v1/search/app_users', { appId: app.id });
    expect(accounts.body.list.map((a: { appUser: { identityUserId: string } }) => a.appUser.identityUserId)).toEqual([me.me.id]);
  });

  it('an Application Administrator manages the apps they own, and only those', async () => {
    const admin = await s.callerAs(['app_admin']);
    const theirs = await makeApp(s.admin, { owners: [admin.me.id] });
    const others = await makeApp(s.admin);
    const renamed = await admin.post(`/api/v1/apps/${theirs.id}`, { app: { displayName: 'Theirs' }, updateMask: 'displayName' });
    expect(renamed.status).toBe(200);
    denied(await admin.post(`/api/v1/apps/${others.id}`, { app: { displayName: 'Not theirs' } }), 'apps:write');
    const ent = await makeEntitlement(admin, theirs.id);
    const u = await s.admin.user();
    expect(
      (await admin.post(`/api/v1/apps/${theirs.id}/entitlements/${ent.id}/add-manual-user`, { userIds: [u.id] })).status,
    ).toBe(200);
    denied(await admin.post(`/api/v1/apps/${others.id}/entitlements`, { displayName: 'X' }), 'entitlements:write');
    // An app they create is theirs to manage.
    const made = await admin.post('/api/v1/apps', { displayName: 'Made by an app admin' });
    expect(made.status).toBe(200);
    const owners = await s.admin.get(`/api/v1/apps/${made.body.app.id}/owners`);
    expect(owners.body.list.map((o: { id: string }) => o.id)).toEqual([admin.me.id]);
    expect((await admin.del(`/api/v1/apps/${made.body.app.id}`)).status).toBe(200);
  });

  it('owning an app without the Application Administrator role gives no right to change it', async () => {
    const person = await s.callerAs();
    const app = await makeApp(s.admin, { owners: [person.me.id] });
    denied(await person.del(`/api/v1/apps/${app.id}`), 'apps:write');
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).status).toBe(200);
  });

  it("an entitlement's owner manages its members, and nothing else of it", async () => {
    const owner = await s.callerAs();
    const { app, ent } = await world(s.admin);
    const otherEnt = await makeEntitlement(s.admin, app.id, { displayName: 'Other' });
    expect((await s.admin.post(`/api/v1/apps/${app.id}/entitlements/${ent.id}/owners`, { userId: owner.me.id })).status).toBe(
      200,
    );
    const u = await s.admin.user();
    const added = await owner.post(`/api/v1/apps/${app.id}/entitlements/${ent.id}/add-manual-user`, { userIds: [u.id] });
    expect(added.status).toBe(200);
    const members = await owner.get(`/api/v1/apps/${app.id}/entitlements/${ent.id}/users`);
    expect(members.status).toBe(200);
    expect(members.body.list).toHaveLength(1);
    denied(
      await owner.post(`/api/v1/apps/${app.id}/entitlements/${otherEnt.id}/add-manual-user`, { userIds: [u.id] }),
      'grants:write',
    );
    denied(
      await owner.post(`/api/v1/apps/${app.id}/entitlements/${ent.id}`, { appEntitlement: { displayName: 'Mine' } }),
      'entitlements:write',
    );
  });

  it('a personal client acts with its user’s roles, narrowed by scopedRoles', async () => {
    const superUser = await s.callerAs(['super_admin']);
    expect((await superUser.post('/api/v1/apps', { displayName: 'By a person' })).status).toBe(200);
    const scoped = await s.callerAs(['super_admin'], { scopedRoles: [roleByKey.basic_user.id] });
    denied(await scoped.post('/api/v1/apps', { displayName: 'Scoped' }), 'apps:create');
    const who = await scoped.get('/api/v1/auth/introspect');
    expect(who.body).toEqual({
      principleId: expect.stringMatching(/\/pcc$/),
      userId: scoped.me.id,
      roles: roleByKey.basic_user.serviceRoles,
      permissions: [...roleByKey.basic_user.permissions].sort(),
      features: [],
    });
  });

  it('answers introspect for a service client with no user and the Super Administrator service role', async () => {
    const who = await s.admin.get('/api/v1/auth/introspect');
    expect(who.status).toBe(200);
    expect(who.body.userId).toBe('');
    expect(who.body.principleId).toMatch(/\/pcc$/);
    expect(who.body.roles).toEqual(['role/c1.api.tenant.v1.Tenant:owner']);
    expect(who.body.permissions).toContain('apps:write');
  });
});
