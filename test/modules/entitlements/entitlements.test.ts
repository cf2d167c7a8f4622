import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, grant, MISSING, makeApp, makeEntitlement, makeResource, world } from '../grants/fixtures.ts';
import { makePolicy } from '../policies/fixtures.ts';

type View = { appEntitlement: { id: string } };
const idsOf = (list: View[]) => list.map((v) => v.appEntitlement.id);

describe.each(backends)('entitlements on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('creates an entitlement with every field and reads it back', async () => {
    const app = await makeApp(s.admin);
    const { type, resource } = await makeResource(s.admin, app.id);
    const owner = await s.admin.user();
    // Fields that come back as they were sent.
    const asSent = {
      description: 'Full access',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
      slug: 'admin',
      alias: 'eng-admin',
      purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_PERMISSION',
      durationGrant: '86400s',
      certifyPolicyId: await makePolicy(s.admin, 'POLICY_TYPE_CERTIFY'),
      grantPolicyId: await makePolicy(s.admin),
      revokePolicyId: DEFAULT_REVOKE_POLICY.id,
      emergencyGrantEnabled: true,
      emergencyGrantPolicyId: DEFAULT_GRANT_POLICY.id,
      riskLevelValueId: 'high',
      complianceFrameworkValueIds: ['sox'],
      overrideAccessRequestsDefaults: true,
      matchBatonId: 'baton-1',
    };
    const res = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, {
      ...asSent,
      displayName: '  Admin  ',
      appEntitlementOwnerIds: [owner.id],
      expandMask: { paths: ['app_id'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const appNow = (await s.admin.get(`/api/v1/apps/${app.id}`)).body.app;
    expect(res.body.expanded).toEqual([{ '@type': 'type.googleapis.com/c1.api.app.v1.App', ...appNow }]);
    expect(res.body.appEntitlementView.appPath).toBe('$.expanded[0]');
    const e = res.body.appEntitlementView.appEntitlement;
    expect(e).toEqual({
      ...asSent,
      id: expect.stringMatching(/^[0-9A-Za-z]{27}$/),
      appId: app.id,
      displayName: 'Admin',
      grantCount: '0',
      isManuallyManaged: true,
      isAutomationEnabled: false,
      systemBuiltin: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const got = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${e.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ appEntitlementView: { appEntitlement: e }, expanded: [] });
    const owners = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${e.id}/owners`);
    expect(owners.body.list.map((u: { id: string }) => u.id)).toEqual([owner.id]);
    // The smallest entitlement: of the app itself; empty ids mean none, as C1's SDKs send them.
    const min = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, {
      displayName: 'Viewer',
      appResourceId: '',
      appResourceTypeId: '',
    });
    expect(min.status).toBe(200);
    expect(Object.keys(min.body.appEntitlementView.appEntitlement).sort()).toEqual(
      [
        'id',
        'appId',
        'displayName',
        'purpose',
        'complianceFrameworkValueIds',
        'grantCount',
        'isManuallyManaged',
        'isAutomationEnabled',
        'systemBuiltin',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
  });

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const app = await makeApp(s.admin);
    const { type, resource } = await makeResource(s.admin, app.id);
    const cases: [unknown, string][] = [
      [{}, 'displayName'],
      [{ displayName: '  ' }, 'displayName'],
      [{ displayName: 'x'.repeat(257) }, 'displayName'],
      [{ displayName: 'a', purpose: 'NOPE' }, 'purpose'],
      [{ displayName: 'a', durationGrant: '1h' }, 'durationGrant'],
      [{ displayName: 'a', durationGrant: '0s' }, 'durationGrant'],
      [{ displayName: 'a', durationGrant: '-5s' }, 'durationGrant'],
      [{ displayName: 'a', durationGrant: '1.5s' }, 'durationGrant'],
      [{ displayName: 'a', durationGrant: 3600 }, 'durationGrant'],
      [{ displayName: 'a', durationGrant: '60s', durationUnset: {} }, 'durationGrant'],
      [{ displayName: 'a', appEntitlementOwnerIds: ['nobody'] }, 'nobody'],
      [{ displayName: 'a', appResourceTypeId: type.id }, 'appResourceId'],
      [{ displayName: 'a', slug: 5, bogus: 1 }, 'slug'],
    ];
    for (const [body, field] of cases) {
      const res = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
    }
    // The resource must be in this app and of the given type.
    const other = await makeApp(s.admin);
    const elsewhere = await makeResource(s.admin, other.id);
    const notFound: unknown[] = [
      { displayName: 'a', appResourceId: elsewhere.resource.id },
      { displayName: 'a', appResourceTypeId: elsewhere.type.id, appResourceId: resource.id },
      { displayName: 'a', appResourceTypeId: type.id, appResourceId: MISSING },
    ];
    for (const body of notFound) {
      const res = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(res.body.code).toBe(5);
    }
    expect((await s.admin.post(`/api/v1/apps/${MISSING}/entitlements`, { displayName: 'a' })).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements`)).body.list).toEqual([]);
    // Apps synced by a connector get their entitlements from it.
    await s.core.database.db.execute(sql`update apps set is_manually_managed = false where id = ${other.id}`);
    const synced = await s.admin.post(`/api/v1/apps/${other.id}/entitlements`, { displayName: 'a' });
    expect(synced.status).toBe(400);
    expect(synced.body.code).toBe(9);
    // The type follows the resource when only the resource is given.
    const ok = await makeEntitlement(s.admin, app.id, { appResourceId: resource.id });
    expect(ok).toMatchObject({ appResourceId: resource.id, appResourceTypeId: type.id });
  });

  it('keeps slugs unique within a resource, and within the app for its own entitlements', async () => {
    const { app, type, resource } = await world(s.admin);
    const second = await s.admin.post(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources`, { displayName: 'Sales' });
    const dup = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, {
      displayName: 'Dup',
      appResourceId: resource.id,
      slug: 'member',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe(6);
    await makeEntitlement(s.admin, app.id, { appResourceId: second.body.appResource.id, slug: 'member' });
    await makeEntitlement(s.admin, app.id, { slug: 'member' });
    const appDup = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'Dup', slug: 'member' });
    expect(appDup.status).toBe(409);
    const x = await makeEntitlement(s.admin, app.id, { slug: 'x' });
    const upd = await s.admin.post(`/api/v1/apps/${app.id}/entitlements/${x.id}`, {
      entitlement: { slug: 'member' },
      updateMask: 'slug',
    });
    expect(upd.status).toBe(409);
  });

  it('updates with and without a mask; read-only and unknown fields in a mask are refused', async () => {
    const app = await makeApp(s.admin);
    const e = await makeEntitlement(s.admin, app.id, { description: 'd1', durationGrant: '60s', alias: 'a1' });
    const path = `/api/v1/apps/${app.id}/entitlements/${e.id}`;
    const masked = await s.admin.post(path, {
      entitlement: { displayName: 'Renamed', description: 'ignored' },
      updateMask: 'displayName',
    });
    expect(masked.status).toBe(200);
    expect(masked.body.appEntitlementView.appEntitlement).toMatchObject({
      displayName: 'Renamed',
      description: 'd1',
      durationGrant: '60s',
    });
    // Without a mask: writable fields present change, echoed read-only ones are ignored.
    const echoed = { ...masked.body.appEntitlementView.appEntitlement, description: 'd2', grantCount: '99' };
    const unmasked = await s.admin.post(path, { entitlement: echoed });
    expect(unmasked.status).toBe(200);
    expect(unmasked.body.appEntitlementView.appEntitlement).toMatchObject({ description: 'd2', grantCount: '0', alias: 'a1' });
    // A masked field absent from the body is cleared.
    const cleared = await s.admin.post(path, { entitlement: {}, updateMask: 'durationGrant,alias' });
    expect(cleared.body.appEntitlementView.appEntitlement.durationGrant).toBeUndefined();
    expect(cleared.body.appEntitlementView.appEntitlement.alias).toBeUndefined();
    const set = await s.admin.post(path, { entitlement: { durationGrant: '3600s' }, updateMask: 'durationGrant' });
    expect(set.body.appEntitlementView.appEntitlement.durationGrant).toBe('3600s');
    const unset = await s.admin.post(path, { entitlement: { durationUnset: {} }, updateMask: 'durationUnset' });
    expect(unset.body.appEntitlementView.appEntitlement.durationGrant).toBeUndefined();
    const empty = await s.admin.post(path, {});
    expect(empty.status).toBe(200);
    expect(empty.body.appEntitlementView.appEntitlement.displayName).toBe('Renamed');
    const top = await s.admin.post(path, { overrideAccessRequestsDefaults: true });
    expect(top.body.appEntitlementView.appEntitlement.overrideAccessRequestsDefaults).toBe(true);

    const bad: [unknown, number, string][] = [
      [{ entitlement: {}, updateMask: 'grantCount' }, 400, 'grantCount'],
      [{ entitlement: {}, updateMask: 'appResourceId' }, 400, 'appResourceId'],
      [{ entitlement: {}, updateMask: 'nope' }, 400, 'nope'],
      [{ entitlement: { displayName: '' }, updateMask: 'displayName' }, 400, 'displayName'],
      [{ entitlement: { durationGrant: 'forever' }, updateMask: 'durationGrant' }, 400, 'durationGrant'],
      [{ entitlement: { slug: 5, bogus: 1 } }, 400, 'slug'],
    ];
    for (const [body, status, field] of bad) {
      const res = await s.admin.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.message).toContain(field);
    }
    expect((await s.admin.post(`/api/v1/apps/${app.id}/entitlements/${MISSING}`, { entitlement: {} })).status).toBe(404);
    expect((await s.admin.post(`/api/v1/apps/${MISSING}/entitlements/${e.id}`, { entitlement: {} })).status).toBe(404);
  });

  it('deletes an entitlement; refused while grants exist, saying how many', async () => {
    const { app, ent, base } = await world(s.admin);
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    await grant(s.admin, app.id, ent.id, [u1.id, u2.id]);
    const refused = await s.admin.del(base);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    expect(refused.body.message).toContain('2 grant(s)');
    expect((await s.admin.get(base)).status).toBe(200);
    for (const u of [u1, u2]) {
      const a = (await appUserOf(s.admin, app.id, u.id))!;
      expect((await s.admin.del(`${base}/remove-membership`, { appUserId: a.id })).status).toBe(200);
    }
    expect((await s.admin.del(base)).status).toBe(200);
    expect((await s.admin.get(base)).status).toBe(404);
    expect((await s.admin.del(base)).status).toBe(404);
    expect((await s.admin.get(`${base}/owners`)).status).toBe(404);
    // The grant history outlives the entitlement.
    expect((await s.admin.post('/api/v1/search/past-grants', { appEntitlementRefs: [{ id: ent.id }] })).body.list).toHaveLength(
      2,
    );
    expect((await s.admin.del(`/api/v1/apps/${MISSING}/entitlements/${ent.id}`)).status).toBe(404);
  });

  it('lists by app and by resource with paging; other tenants see nothing', async () => {
    const t = await s.caller();
    const app = await makeApp(t);
    const { type, resource } = await makeResource(t, app.id);
    const made: string[] = [];
    for (let i = 0; i < 13; i++) {
      made.push(
        (
          await makeEntitlement(
            t,
            app.id,
            i % 2 ? { appResourceId: resource.id, displayName: `E${i}` } : { displayName: `E${i}` },
          )
        ).id,
      );
    }
    const seen: string[] = [];
    let token = '';
    do {
      const res = await t.get(`/api/v1/apps/${app.id}/entitlements?page_size=5${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.expanded).toEqual([]);
      seen.push(...idsOf(res.body.list));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toEqual(made);
    const forResource = await t.get(`/api/v1/apps/${app.id}/entitlements/resource_types/${type.id}/resources/${resource.id}`);
    expect(forResource.status).toBe(200);
    expect(idsOf(forResource.body.list)).toEqual(made.filter((_, i) => i % 2));
    expect((await t.get(`/api/v1/apps/${app.id}/entitlements/resource_types/${type.id}/resources/${MISSING}`)).status).toBe(404);
    expect((await t.get(`/api/v1/apps/${app.id}/entitlements/resource_types/${MISSING}/resources/${resource.id}`)).status).toBe(
      404,
    );
    expect((await t.get(`/api/v1/apps/${MISSING}/entitlements`)).status).toBe(404);
    expect((await t.get(`/api/v1/apps/${app.id}/entitlements?page_token=zzz`)).status).toBe(400);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${made[0]}`)).status).toBe(404);
  });

  it('searches by text, names, apps, resources, types, accounts, refs and expiring grants', async () => {
    const t = await s.caller();
    const w1 = await world(t, { displayName: 'Engineering member', alias: 'eng', description: 'builds 100%' });
    const w2 = await world(t, { displayName: 'Sales member' });
    const pol = await makePolicy(t);
    const plain = await makeEntitlement(t, w1.app.id, { displayName: 'Viewer', grantPolicyId: pol });
    const u = await t.user();
    await grant(t, w1.app.id, plain.id, [u.id]);
    const a = (await appUserOf(t, w1.app.id, u.id))!;
    const search = async (body: object) => {
      const res = await t.post('/api/v1/search/entitlements', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return idsOf(res.body.list).sort();
    };
    const sorted = (...x: string[]) => x.sort();
    expect(await search({})).toEqual(sorted(w1.ent.id, w2.ent.id, plain.id));
    expect(await search({ query: 'MEMBER' })).toEqual(sorted(w1.ent.id, w2.ent.id));
    expect(await search({ query: '100%' })).toEqual([w1.ent.id]);
    expect(await search({ displayName: 'sales member' })).toEqual([w2.ent.id]);
    expect(await search({ alias: 'eng' })).toEqual([w1.ent.id]);
    expect(await search({ appIds: [w2.app.id] })).toEqual([w2.ent.id]);
    expect(await search({ excludeAppIds: [w2.app.id] })).toEqual(sorted(w1.ent.id, plain.id));
    expect(await search({ resourceIds: [w1.resource.id] })).toEqual([w1.ent.id]);
    expect(await search({ resourceTypeIds: [w2.type.id] })).toEqual([w2.ent.id]);
    expect(await search({ excludeResourceTypeIds: [w2.type.id] })).toEqual(sorted(w1.ent.id, plain.id));
    expect(await search({ appUserIds: [a.id] })).toEqual([plain.id]);
    expect(await search({ excludeAppUserIds: [a.id] })).toEqual(sorted(w1.ent.id, w2.ent.id));
    expect(await search({ refs: [{ appId: w1.app.id, id: plain.id }] })).toEqual([plain.id]);
    expect(await search({ refs: [{ appId: w2.app.id, id: plain.id }] })).toEqual([]);
    expect(await search({ excludedEntitlementRefs: [{ id: plain.id }] })).toEqual(sorted(w1.ent.id, w2.ent.id));
    expect(await search({ policyRefs: [{ id: pol }] })).toEqual([plain.id]);
    expect(await search({ onlyGetExpiring: true })).toEqual([]);
    expect(await search({ includeDeleted: true, expandMask: { paths: ['*'] } })).toHaveLength(3);
    expect((await t.post('/api/v1/search/entitlements', { appIds: 'x' })).status).toBe(400);
    expect((await t.post('/api/v1/search/entitlements', { pageToken: 'bad' })).status).toBe(400);
  });

  it('expands the app, resource type and resource of each entitlement, each object once', async () => {
    const t = await s.caller();
    const w1 = await world(t);
    const w2 = await world(t);
    const plain = await makeEntitlement(t, w1.app.id, { displayName: 'Viewer' });
    const res = await t.post('/api/v1/search/entitlements', { expandMask: { paths: ['*'] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const at = (path: string | undefined) => {
      const m = /^\$\.expanded\[(\d+)\]$/.exec(path ?? '');
      return m ? res.body.expanded[Number(m[1])] : undefined;
    };
    const byId = new Map(res.body.list.map((v: { appEntitlement: { id: string } }) => [v.appEntitlement.id, v]));
    type Seen = { appPath?: string; appResourceTypePath?: string; appResourcePath?: string };
    for (const w of [w1, w2]) {
      const v = byId.get(w.ent.id) as Seen;
      expect(at(v.appPath)).toMatchObject({ '@type': 'type.googleapis.com/c1.api.app.v1.App', id: w.app.id });
      expect(at(v.appResourceTypePath)).toMatchObject({
        '@type': 'type.googleapis.com/c1.api.app.v1.AppResourceType',
        id: w.type.id,
      });
      expect(at(v.appResourcePath)).toEqual({ '@type': 'type.googleapis.com/c1.api.app.v1.AppResource', ...w.resource });
    }
    const p = byId.get(plain.id) as Seen;
    expect(p.appPath).toBe((byId.get(w1.ent.id) as Seen).appPath);
    expect(p.appResourceTypePath).toBeUndefined();
    expect(p.appResourcePath).toBeUndefined();
    // Two apps, two types, two resources: each once.
    expect(res.body.expanded).toHaveLength(6);
    const none = await t.post('/api/v1/search/entitlements', {});
    expect(none.body.expanded).toEqual([]);
    expect(none.body.list[0].appPath).toBeUndefined();

    const updated = await t.post(w1.base, {
      entitlement: { displayName: 'Renamed' },
      expandMask: { paths: ['app_resource_id'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.appEntitlementView).toMatchObject({ appResourcePath: '$.expanded[0]' });
    expect(updated.body.appEntitlementView.appPath).toBeUndefined();
    expect(updated.body.expanded).toEqual([{ '@type': 'type.googleapis.com/c1.api.app.v1.AppResource', ...w1.resource }]);
    const bad = await t.post(w1.base, { entitlement: { displayName: 'Never' }, expandMask: { paths: ['owners'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('expandMask');
    expect((await t.get(w1.base)).body.appEntitlementView.appEntitlement.displayName).toBe('Renamed');
    const badSearch = await t.post('/api/v1/search/entitlements', { expandMask: { paths: ['app'] } });
    expect(badSearch.status).toBe(400);
  });

  it('manages entitlement owners', async () => {
    const app = await makeApp(s.admin);
    const e = await makeEntitlement(s.admin, app.id);
    const [u1, u2, u3] = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    const path = `/api/v1/apps/${app.id}/entitlements/${e.id}/owners`;
    const owners = async () => (await s.admin.get(path)).body.list.map((u: { id: string }) => u.id).sort();
    expect(await owners()).toEqual([]);
    expect((await s.admin.post(path, { userId: u1.id })).status).toBe(200);
    expect((await s.admin.post(path, { userId: u1.id })).status).toBe(200);
    expect((await s.admin.post(path, { userId: u2.id })).body).toEqual({});
    expect(await owners()).toEqual([u1.id, u2.id].sort());
    expect((await s.admin.put(path, { userIds: [u3.id] })).status).toBe(200);
    expect(await owners()).toEqual([u3.id]);
    expect((await s.admin.del(`${path}/${u3.id}`)).status).toBe(200);
    expect((await s.admin.del(`${path}/${u3.id}`)).status).toBe(200);
    expect(await owners()).toEqual([]);
    expect((await s.admin.put(path, {})).status).toBe(200);
    const refusals: [Promise<{ status: number; body: { message: string } }>, number][] = [
      [s.admin.post(path, { userId: 'nobody' }), 400],
      [s.admin.post(path, {}), 400],
      [s.admin.put(path, { userIds: ['nobody'] }), 400],
      [s.admin.get(`/api/v1/apps/${app.id}/entitlements/${MISSING}/owners`), 404],
      [s.admin.post(`/api/v1/apps/${app.id}/entitlements/${MISSING}/owners`, { userId: u1.id }), 404],
      [s.admin.put(`/api/v1/apps/${MISSING}/entitlements/${e.id}/owners`, { userIds: [] }), 404],
      [s.admin.del(`/api/v1/apps/${app.id}/entitlements/${MISSING}/owners/${u1.id}`), 404],
    ];
    for (const [call, status] of refusals) expect((await call).status).toBe(status);
    expect((await s.admin.get(`${path}?page_token=bad`)).status).toBe(400);
    const t = await s.caller();
    expect((await t.get(path)).status).toBe(404);
  });
});
