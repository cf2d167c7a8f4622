// C1's Roles: the eight built-in roles, renamed per tenant, never re-permissioned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLES, roleByKey } from '../../../src/modules/roles/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';

describe.each(backends)('roles on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const superAdmin = roleByKey.super_admin;
  const url = (id: string) => `/api/v1/iam/roles/${id}`;

  it('lists the eight built-in roles with fixed ids, ordered by id, in one page', async () => {
    const res = await s.admin.get('/api/v1/iam/roles');
    expect(res.status).toBe(200);
    expect(res.body.nextPageToken).toBe('');
    expect(res.body.list.map((r: { displayName: string }) => r.displayName).sort()).toEqual([
      'Access Request Administrator',
      'Access Request Helpdesk',
      'Application Administrator',
      'Basic User',
      'Campaign Administrator',
      'Connector Administrator',
      'Read-Only Super Administrator',
      'Super Administrator',
    ]);
    const ids = res.body.list.map((r: { id: string }) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids)).toEqual(new Set(BUILTIN_ROLES.map((r) => r.id)));
    for (const r of res.body.list) expect(r.systemBuiltin).toBe(true);
    // A person with only Basic User may read them too.
    expect((await (await s.callerAs()).get('/api/v1/iam/roles')).body.list).toHaveLength(8);
  });

  it('gets one role, and answers 404 for an id that is no role', async () => {
    const res = await s.admin.get(url(superAdmin.id));
    expect(res.body.role).toMatchObject({
      id: superAdmin.id,
      name: 'system:super_admin',
      displayName: 'Super Administrator',
      serviceRoles: ['role/c1.api.tenant.v1.Tenant:owner'],
    });
    expect(res.body.role.permissions).toContain('apps:write');
    const missing = await s.admin.get(url('2JhXZZZZZZZZZZZZZZZZZZZZZZZ'));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(5);
  });

  it('renames a role in this tenant only', async () => {
    const res = await s.admin.post(url(roleByKey.helpdesk.id), { role: { displayName: '  Service desk ' } });
    expect(res.status).toBe(200);
    expect(res.body.role.displayName).toBe('Service desk');
    expect(res.body.role.updatedAt).toEqual(expect.any(String));
    expect((await s.admin.get(url(roleByKey.helpdesk.id))).body.role.displayName).toBe('Service desk');
    const elsewhere = await s.caller();
    expect((await elsewhere.get(url(roleByKey.helpdesk.id))).body.role.displayName).toBe('Access Request Helpdesk');
    // snake_case mask, as C1's gateway reads it.
    const again = await s.admin.post(url(roleByKey.helpdesk.id), {
      role: { displayName: 'Helpdesk' },
      updateMask: 'display_name',
    });
    expect(again.body.role.displayName).toBe('Helpdesk');
  });

  it('refuses to change the permissions or service roles of a built-in role (400 code 9) and changes nothing', async () => {
    const before = (await s.admin.get(url(superAdmin.id))).body.role;
    for (const body of [
      { role: { permissions: ['catalog:read'], displayName: 'Changed' }, updateMask: 'permissions,displayName' },
      { role: { serviceRoles: [] }, updateMask: 'service_roles' },
      { role: { permissions: [] } },
    ]) {
      const res = await s.admin.post(url(superAdmin.id), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(9);
      expect(res.body.message).toMatch(/^role\.(permissions|serviceRoles): Super Administrator is a built-in role/);
    }
    expect((await s.admin.get(url(superAdmin.id))).body.role).toEqual(before);
    // Echoing the same permissions back is no change.
    const same = await s.admin.post(url(superAdmin.id), { role: { ...before, displayName: before.displayName } });
    expect(same.status).toBe(200);
  });

  it('answers 400 naming the field for bad updates', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ role: { displayName: '   ' } }, /^role\.displayName: must be 1 to 256 characters/],
      [{ role: { displayName: 'x'.repeat(257) } }, /displayName/],
      [{ role: { name: 'x' }, updateMask: 'name' }, /^updateMask: field "name" is read-only/],
      [{ role: {}, updateMask: 'color' }, /^updateMask: unknown field "color"/],
      [{ role: { displayName: 7 } }, /role\.displayName/],
    ];
    for (const [body, message] of cases) {
      const res = await s.admin.post(url(roleByKey.basic_user.id), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(message);
    }
    expect((await s.admin.get(url(roleByKey.basic_user.id))).body.role.displayName).toBe('Basic User');
  });

  it('lets only Super Administrators rename roles (403 code 7 otherwise)', async () => {
    for (const c of [
      await s.callerAs(['read_only_admin']),
      await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' }),
    ]) {
      const res = await c.post(url(roleByKey.basic_user.id), { role: { displayName: 'Everyone' } });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 7, message: 'missing permission roles:write for Roles.Update' });
    }
  });
});
