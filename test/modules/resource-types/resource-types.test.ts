import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';

const MISSING = '3MV7rbPadu5c0uz5o5J9hkjTlUF';

describe.each(backends)('resource types on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const newApp = async (c: Caller = s.admin) => (await c.post('/api/v1/apps', { displayName: 'Custom app' })).body.app;
  const newType = async (appId: string, body: object = { displayName: 'Roles', resourceType: 'ROLE' }, c: Caller = s.admin) => {
    const res = await c.post(`/api/v1/apps/${appId}/resource_types`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.appResourceType;
  };
  const count = async (table: string, appId: string) => {
    const res = await s.core.database.db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table)} where app_id = ${appId}`,
    );
    return Number((res as { rows: { n: number }[] }).rows[0].n);
  };

  it('creates a type; resourceType shows as its trait id; get and list answer views', async () => {
    const app = await newApp();
    const res = await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: '  Groups  ', resourceType: 'GROUP' });
    expect(res.status).toBe(200);
    const type = res.body.appResourceType;
    expect(res.body.expanded).toEqual([]);
    expect(type).toEqual({
      id: expect.stringMatching(/^[0-9A-Za-z]{27}$/),
      appId: app.id,
      displayName: 'Groups',
      traitIds: ['GROUP'],
      createdAt: type.createdAt,
      updatedAt: type.updatedAt,
    });
    expect(new Date(type.createdAt).toISOString()).toBe(type.createdAt);
    const got = await s.admin.get(`/api/v1/apps/${app.id}/resource_types/${type.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ appResourceTypeView: { appResourceType: type }, expanded: [] });
    const list = await s.admin.get(`/api/v1/apps/${app.id}/resource_types`);
    expect(list.body).toEqual({ list: [{ appResourceType: type }], nextPageToken: '', expanded: [] });
    for (const kind of ['ROLE', 'LICENSE', 'PROJECT', 'CATALOG', 'CUSTOM', 'VAULT']) {
      expect((await newType(app.id, { displayName: kind, resourceType: kind })).traitIds).toEqual([kind]);
    }
  });

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const app = await newApp();
    const cases: [unknown, string][] = [
      [{ resourceType: 'ROLE' }, 'displayName'],
      [{ displayName: 'x' }, 'resourceType'],
      [{ displayName: '   ', resourceType: 'ROLE' }, 'displayName'],
      [{ displayName: 'x'.repeat(257), resourceType: 'ROLE' }, 'displayName'],
      [{ displayName: 'x', resourceType: 'USER' }, 'resourceType'],
      [{ displayName: 'x', resourceType: 'role' }, 'resourceType'],
      [{ displayName: 'x', resourceType: ['ROLE'], bogus: 1 }, 'resourceType'],
    ];
    for (const [body, field] of cases) {
      const res = await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
    }
    expect(await count('app_resource_types', app.id)).toBe(0);
  });

  it('answers 404 for a missing app, another tenant app, or another app type', async () => {
    const other = await s.caller();
    const foreignApp = await newApp(other);
    const foreignType = await newType(foreignApp.id, undefined, other);
    for (const appId of [MISSING, foreignApp.id]) {
      const res = await s.admin.post(`/api/v1/apps/${appId}/resource_types`, { displayName: 'x', resourceType: 'ROLE' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 5, message: 'app not found', details: [] });
      expect((await s.admin.get(`/api/v1/apps/${appId}/resource_types`)).status).toBe(404);
    }
    const app = await newApp();
    const sibling = await newApp();
    const siblingType = await newType(sibling.id);
    for (const typeId of [MISSING, foreignType.id, siblingType.id]) {
      const path = `/api/v1/apps/${app.id}/resource_types/${typeId}`;
      const got = await s.admin.get(path);
      expect(got.status).toBe(404);
      expect(got.body.message).toBe('app resource type not found');
      expect((await s.admin.post(path, { appResourceType: { displayName: 'x' } })).status).toBe(404);
      expect((await s.admin.del(path)).status).toBe(404);
    }
    expect(
      (await other.get(`/api/v1/apps/${foreignApp.id}/resource_types/${foreignType.id}`)).body.appResourceTypeView,
    ).toBeDefined();
    expect((await s.admin.get(`/api/v1/apps/${sibling.id}/resource_types/${siblingType.id}`)).status).toBe(200);
  });

  it('refuses types under an app that is not manually managed (FAILED_PRECONDITION)', async () => {
    const app = await newApp();
    await s.core.database.db.execute(sql`update apps set is_manually_managed = false where id = ${app.id}`);
    const res = await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'x', resourceType: 'ROLE' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(9);
    expect(res.body.message).toContain('not manually managed');
    expect(await count('app_resource_types', app.id)).toBe(0);
  });

  it('updates with and without a mask; refuses bad masks', async () => {
    const app = await newApp();
    const type = await newType(app.id, { displayName: 'Before', resourceType: 'ROLE' });
    const path = `/api/v1/apps/${app.id}/resource_types/${type.id}`;
    const masked = await s.admin.post(path, {
      appResourceType: { displayName: 'After', traitIds: ['GROUP'] },
      updateMask: 'displayName',
    });
    expect(masked.status).toBe(200);
    expect(masked.body.appResourceType).toMatchObject({ id: type.id, displayName: 'After', traitIds: ['ROLE'] });
    expect(masked.body.expanded).toEqual([]);
    const unmasked = await s.admin.post(path, { appResourceType: { traitIds: ['LICENSE'], id: 'echoed', appId: 'echoed' } });
    expect(unmasked.body.appResourceType).toMatchObject({
      id: type.id,
      appId: app.id,
      displayName: 'After',
      traitIds: ['LICENSE'],
    });
    expect((await s.admin.get(path)).body.appResourceTypeView.appResourceType.traitIds).toEqual(['LICENSE']);
    const empty = await s.admin.post(path, {});
    expect(empty.status).toBe(200);
    expect(empty.body.appResourceType.displayName).toBe('After');
    const bad: [object, string][] = [
      [{ appResourceType: {}, updateMask: 'id' }, 'id'],
      [{ appResourceType: {}, updateMask: 'createdAt' }, 'createdAt'],
      [{ appResourceType: {}, updateMask: 'nope' }, 'nope'],
      [{ appResourceType: { displayName: '  ' }, updateMask: 'displayName' }, 'displayName'],
      [{ appResourceType: {}, updateMask: 'displayName' }, 'displayName'],
      [{ appResourceType: { traitIds: ['USER'] } }, 'traitIds'],
      [{ appResourceType: { traitIds: ['ROLE', 'GROUP'] } }, 'traitIds'],
      [{ appResourceType: { traitIds: 'ROLE', bogus: 1 } }, 'traitIds'],
      [{ updateMask: 5, bogus: 1 }, 'updateMask'],
    ];
    for (const [body, field] of bad) {
      const res = await s.admin.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
    }
    expect((await s.admin.get(path)).body.appResourceTypeView.appResourceType).toMatchObject({
      displayName: 'After',
      traitIds: ['LICENSE'],
    });
  });

  it('deletes an empty type; refuses while resources remain, saying how many', async () => {
    const app = await newApp();
    const type = await newType(app.id);
    const path = `/api/v1/apps/${app.id}/resource_types/${type.id}`;
    const r1 = (await s.admin.post(`${path}/resources`, { displayName: 'r1' })).body.appResource;
    const r2 = (await s.admin.post(`${path}/resources`, { displayName: 'r2' })).body.appResource;
    const refused = await s.admin.del(path);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    expect(refused.body.message).toContain('2 resource(s)');
    expect((await s.admin.get(path)).status).toBe(200);
    await s.admin.del(`${path}/resources/${r1.id}`);
    expect((await s.admin.del(path)).body.message).toContain('1 resource(s)');
    await s.admin.del(`${path}/resources/${r2.id}`);
    expect((await s.admin.del(path)).status).toBe(200);
    expect((await s.admin.get(path)).status).toBe(404);
    expect((await s.admin.del(path)).status).toBe(404);
  });

  it('pages through every type of an app exactly once', async () => {
    const app = await newApp();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await newType(app.id, { displayName: `T${i}`, resourceType: 'CUSTOM' })).id);
    const seen: string[] = [];
    let token = '';
    do {
      const res = await s.admin.get(`/api/v1/apps/${app.id}/resource_types?page_size=10${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.list.map((v: { appResourceType: { id: string } }) => v.appResourceType.id));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toEqual(ids);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/resource_types?page_token=garbage`)).status).toBe(400);
  });

  it('searches by app, ids, exclusions, name, query and traits, within the tenant', async () => {
    const t = await s.caller();
    const a1 = await newApp(t);
    const a2 = await newApp(t);
    const roles = await newType(a1.id, { displayName: 'Admin Roles', resourceType: 'ROLE' }, t);
    const groups = await newType(a1.id, { displayName: 'Groups', resourceType: 'GROUP' }, t);
    const licenses = await newType(a2.id, { displayName: 'Licenses 100%', resourceType: 'LICENSE' }, t);
    await newType(await newApp().then((a) => a.id), { displayName: 'Admin Roles', resourceType: 'ROLE' });
    const ids = async (body: object) => {
      const res = await t.post('/api/v1/search/app_resource_types', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list.map((x: { id: string }) => x.id);
    };
    expect(await ids({})).toEqual([roles.id, groups.id, licenses.id]);
    expect(await ids({ appIds: [a1.id] })).toEqual([roles.id, groups.id]);
    expect(await ids({ resourceTypeIds: [groups.id, licenses.id] })).toEqual([groups.id, licenses.id]);
    expect(await ids({ excludeResourceTypeIds: [groups.id] })).toEqual([roles.id, licenses.id]);
    expect(await ids({ displayName: 'groups' })).toEqual([groups.id]);
    expect(await ids({ query: 'ADMIN' })).toEqual([roles.id]);
    expect(await ids({ query: '%' })).toEqual([licenses.id]);
    expect(await ids({ resourceTypeTraitIds: ['ROLE', 'LICENSE'] })).toEqual([roles.id, licenses.id]);
    expect(await ids({ excludeResourceTypeTraitIds: ['ROLE'] })).toEqual([groups.id, licenses.id]);
    const full = await t.post('/api/v1/search/app_resource_types', { appIds: [a2.id] });
    expect(full.body).toEqual({ list: [licenses], nextPageToken: '' });
    const page = await t.post('/api/v1/search/app_resource_types', { pageSize: 1 });
    expect(page.body.list.length).toBe(3);
    expect((await t.post('/api/v1/search/app_resource_types', { resourceTypeTraitIds: ['USER'] })).status).toBe(400);
    const unsupported = await t.post('/api/v1/search/app_resource_types', { appUserIds: ['x'] });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toContain('appUserIds');
    expect((await t.post('/api/v1/search/app_resource_types', { appIds: 'x', bogus: 1 })).status).toBe(400);
    expect((await t.post('/api/v1/search/app_resource_types', { pageToken: 'garbage' })).body.message).toContain('pageToken');
  });

  it('a read-only client can read and search but not write', async () => {
    const app = await newApp();
    const type = await newType(app.id);
    const ro = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    expect((await ro.get(`/api/v1/apps/${app.id}/resource_types/${type.id}`)).status).toBe(200);
    expect((await ro.post('/api/v1/search/app_resource_types', {})).status).toBe(200);
    expect((await ro.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'x', resourceType: 'ROLE' })).status).toBe(403);
    expect((await ro.del(`/api/v1/apps/${app.id}/resource_types/${type.id}`)).status).toBe(403);
  });

  it('deleting the app deletes its types with it', async () => {
    const app = await newApp();
    await newType(app.id);
    await newType(app.id, { displayName: 'G', resourceType: 'GROUP' });
    expect(await count('app_resource_types', app.id)).toBe(2);
    expect((await s.admin.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect(await count('app_resource_types', app.id)).toBe(0);
  });
});
