import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWithType, countRows, MISSING } from './fixtures.ts';

type View = { appResource: { id: string } };

describe.each(backends)('resource search, owners and app deletion on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('searches by app, query over name and description, ids, types, traits and refs', async () => {
    const t = await s.caller();
    const g = await appWithType(t, 'GROUP');
    const roles = (await t.post(`/api/v1/apps/${g.app.id}/resource_types`, { displayName: 'Roles', resourceType: 'ROLE' })).body
      .appResourceType;
    const rolesPath = `/api/v1/apps/${g.app.id}/resource_types/${roles.id}/resources`;
    const other = await appWithType(t, 'LICENSE');
    const mk = async (path: string, body: object) => (await t.post(path, body)).body.appResource;
    const eng = await mk(g.path, { displayName: 'Engineering', description: 'Builds things' });
    const sales = await mk(g.path, { displayName: 'Sales', description: 'SELLS the BUILDS' });
    const admin = await mk(rolesPath, { displayName: 'Admin 100%' });
    const lic = await mk(other.path, { displayName: 'Seat license' });
    await mk((await appWithType(s.admin)).path, { displayName: 'Engineering elsewhere' });

    const ids = async (body: object) => {
      const res = await t.post('/api/v1/search/app_resources', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.expanded).toEqual([]);
      return res.body.list.map((v: View) => v.appResource.id);
    };
    expect(await ids({})).toEqual([eng.id, sales.id, admin.id, lic.id]);
    expect(await ids({ appId: g.app.id })).toEqual([eng.id, sales.id, admin.id]);
    expect(await ids({ appId: g.app.id, query: 'builds' })).toEqual([eng.id, sales.id]);
    expect(await ids({ query: 'ENGINEER' })).toEqual([eng.id]);
    expect(await ids({ query: '100%' })).toEqual([admin.id]);
    expect(await ids({ query: '_' })).toEqual([]);
    expect(await ids({ resourceTypeIds: [roles.id] })).toEqual([admin.id]);
    expect(await ids({ resourceIds: [eng.id, lic.id] })).toEqual([eng.id, lic.id]);
    expect(await ids({ appId: g.app.id, excludeResourceIds: [eng.id] })).toEqual([sales.id, admin.id]);
    expect(await ids({ resourceTypeTraitIds: ['ROLE', 'LICENSE'] })).toEqual([admin.id, lic.id]);
    expect(await ids({ resourceTypeTraitIds: ['ROLE'], resourceTypeIds: [g.type.id] })).toEqual([]);
    expect(await ids({ resourceTypeTraitIds: ['VAULT'] })).toEqual([]);
    expect(await ids({ excludeResourceTypeTraitIds: ['GROUP'] })).toEqual([admin.id, lic.id]);
    expect(await ids({ refs: [{ id: sales.id }, { appId: other.app.id }] })).toEqual([sales.id, lic.id]);
    expect(await ids({ refs: [{ appId: g.app.id, appResourceTypeId: roles.id }] })).toEqual([admin.id]);
    expect(await ids({ appId: MISSING })).toEqual([]);
    expect(await ids({ excludeDeletedResourceBindings: true, appId: other.app.id })).toEqual([lic.id]);

    const first = await t.post('/api/v1/search/app_resources', { pageSize: 10 });
    expect(first.body.nextPageToken).toBe('');
    const one = await t.post('/api/v1/search/app_resources', { appId: g.app.id, query: 'builds', pageSize: 1 });
    expect(one.body.list.length).toBe(2);
    const view = (await t.post('/api/v1/search/app_resources', { resourceIds: [eng.id] })).body.list[0];
    expect(view).toEqual({ appResource: eng });

    const bad: [object, string][] = [
      [{ appUserIds: ['u'] }, 'appUserIds'],
      [{ resourceTypeTraitIds: ['USER'] }, 'resourceTypeTraitIds'],
      [{ refs: [{ id: 5, bogus: 1 }] }, 'refs'],
      [{ query: 5, bogus: 1 }, 'query'],
      [{ pageToken: 'garbage' }, 'pageToken'],
    ];
    for (const [body, field] of bad) {
      const res = await t.post('/api/v1/search/app_resources', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(field);
    }
  });

  it('pages a search by query through every match exactly once', async () => {
    const { app, path } = await appWithType(s.admin);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = (await s.admin.post(path, { displayName: i % 2 ? `match ${i}` : `other ${i}` })).body.appResource;
      if (i % 2) ids.push(r.id);
    }
    const seen: string[] = [];
    let pageToken = '';
    do {
      const res = await s.admin.post('/api/v1/search/app_resources', { appId: app.id, query: 'MATCH', pageSize: 10, pageToken });
      seen.push(...res.body.list.map((v: View) => v.appResource.id));
      pageToken = res.body.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(ids);
  });

  it('lists, adds and removes resource owners', async () => {
    const { app, type, path } = await appWithType(s.admin);
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    const r = (await s.admin.post(path, { displayName: 'owned', resourceOwnerUserIds: [u1.id] })).body.appResource;
    const owners = `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${r.id}/owners`;
    const ownerIds = async () => (await s.admin.get(owners)).body.list.map((u: { id: string }) => u.id).sort();
    const listed = await s.admin.get(owners);
    expect(listed.body).toEqual({ list: [u1], nextPageToken: '' });
    expect((await s.admin.post(owners, { userId: u2.id })).body).toEqual({});
    expect((await s.admin.post(owners, { userId: u2.id })).status).toBe(200);
    expect(await ownerIds()).toEqual([u1.id, u2.id].sort());
    expect((await s.admin.del(owners, { userId: u1.id })).status).toBe(200);
    expect(await ownerIds()).toEqual([u2.id]);
    expect((await s.admin.del(owners, { userId: u1.id })).status).toBe(200);

    const unknown = await s.admin.post(owners, { userId: 'nobody' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('nobody');
    const foreignUser = await (await s.caller()).user();
    expect((await s.admin.post(owners, { userId: foreignUser.id })).status).toBe(400);
    expect((await s.admin.post(owners, {})).body.message).toContain('userId');
    expect((await s.admin.del(owners, {})).status).toBe(400);
    expect((await s.admin.post(owners, { userId: 5, bogus: 1 })).body.message).toContain('userId');
    expect(await ownerIds()).toEqual([u2.id]);

    const other = await appWithType(s.admin);
    for (const p of [
      `/api/v1/apps/${MISSING}/resource_types/${type.id}/resource/${r.id}/owners`,
      `/api/v1/apps/${app.id}/resource_types/${other.type.id}/resource/${r.id}/owners`,
      `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${MISSING}/owners`,
    ]) {
      expect((await s.admin.get(p)).status, p).toBe(404);
      expect((await s.admin.post(p, { userId: u1.id })).status, p).toBe(404);
      expect((await s.admin.del(p, { userId: u2.id })).status, p).toBe(404);
    }
    expect(await ownerIds()).toEqual([u2.id]);
  });

  it('pages owners', async () => {
    const { app, type, path } = await appWithType(s.admin);
    const users = [];
    for (let i = 0; i < 12; i++) users.push((await s.admin.user()).id);
    const r = (await s.admin.post(path, { displayName: 'many owners', resourceOwnerUserIds: users })).body.appResource;
    const owners = `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${r.id}/owners`;
    const first = await s.admin.get(`${owners}?page_size=10`);
    expect(first.body.list.length).toBe(10);
    const second = await s.admin.get(`${owners}?page_size=10&page_token=${first.body.nextPageToken}`);
    expect(second.body.nextPageToken).toBe('');
    expect([...first.body.list, ...second.body.list].map((u: { id: string }) => u.id).sort()).toEqual(users.sort());
  });

  it('deleting the app removes its types, resources and owners (foreign keys); other apps keep theirs', async () => {
    const { app, type, path } = await appWithType(s.admin);
    const owner = await s.admin.user();
    const r1 = (await s.admin.post(path, { displayName: 'r1', resourceOwnerUserIds: [owner.id] })).body.appResource;
    const r2 = (await s.admin.post(path, { displayName: 'r2' })).body.appResource;
    const survivor = await appWithType(s.admin);
    const kept = (await s.admin.post(survivor.path, { displayName: 'kept', resourceOwnerUserIds: [owner.id] })).body.appResource;

    expect((await s.admin.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect(await countRows(s, 'app_resources', sql`app_id = ${app.id}`)).toBe(0);
    expect(await countRows(s, 'app_resource_types', sql`app_id = ${app.id}`)).toBe(0);
    expect(await countRows(s, 'app_resource_owners', sql`app_resource_id in (${r1.id}, ${r2.id})`)).toBe(0);
    expect((await s.admin.get(`${path}/${r1.id}`)).status).toBe(404);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/resource_types/${type.id}`)).status).toBe(404);
    // The other app keeps everything.
    expect((await s.admin.get(`${survivor.path}/${kept.id}`)).status).toBe(200);
    expect(await countRows(s, 'app_resource_owners', sql`app_resource_id = ${kept.id}`)).toBe(1);

    // Deleting one resource takes its owners with it.
    expect((await s.admin.del(`${survivor.path}/${kept.id}`)).status).toBe(200);
    expect(await countRows(s, 'app_resource_owners', sql`app_resource_id = ${kept.id}`)).toBe(0);
  });
});

describe.each(backends)('resource service methods for other modules on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('requireResource, requireType, grantCount and byIds', async () => {
    const { resources, resourceTypes } = s.core.services;
    const tenantId = s.admin.tenant.id;
    const { app, type, path } = await appWithType(s.admin);
    const sibling = await appWithType(s.admin);
    const r = (await s.admin.post(path, { displayName: 'r', matchBatonId: 'mb' })).body.appResource;
    const other = (await s.admin.post(sibling.path, { displayName: 'other' })).body.appResource;

    expect((await resourceTypes.requireType(tenantId, app.id, type.id)).resourceType).toBe('GROUP');
    await expect(resourceTypes.requireType(tenantId, app.id, sibling.type.id)).rejects.toMatchObject({ code: 5 });
    await expect(resourceTypes.requireType(tenantId, MISSING, type.id)).rejects.toThrow('app not found');

    expect((await resources.requireResource(tenantId, app.id, type.id, r.id)).id).toBe(r.id);
    expect((await resources.requireResource(tenantId, app.id, undefined, r.id)).id).toBe(r.id);
    await expect(resources.requireResource(tenantId, app.id, undefined, other.id)).rejects.toThrow('app resource not found');
    await expect(resources.requireResource(tenantId, app.id, sibling.type.id, r.id)).rejects.toThrow(
      'app resource type not found',
    );
    const foreign = await s.caller();
    await expect(resources.requireResource(foreign.tenant.id, app.id, type.id, r.id)).rejects.toMatchObject({ code: 5 });

    // A resource's grantCount is the sum of its entitlements' grants.
    const entOf = async () =>
      (await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'e', appResourceId: r.id })).body
        .appEntitlementView.appEntitlement;
    const [e1, e2] = [await entOf(), await entOf()];
    const users = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    const add = (e: { id: string }, ids: string[]) =>
      s.admin.post(`/api/v1/apps/${app.id}/entitlements/${e.id}/add-manual-user`, { userIds: ids });
    expect(
      (
        await add(
          e1,
          users.map((u) => u.id),
        )
      ).status,
    ).toBe(200);
    expect((await add(e2, [users[0].id, users[1].id])).status).toBe(200);
    expect((await s.admin.get(`${path}/${r.id}`)).body.appResourceView.appResource.grantCount).toBe('5');

    const map = await resources.byIds(tenantId, [r.id, other.id, MISSING, r.id]);
    expect([...map.keys()].sort()).toEqual([r.id, other.id].sort());
    expect(map.get(r.id)).toMatchObject({ id: r.id, matchBatonId: 'mb', grantCount: '5' });
    expect((await resources.byIds(foreign.tenant.id, [r.id])).size).toBe(0);
    expect((await resources.byIds(tenantId, [])).size).toBe(0);
  });
});
