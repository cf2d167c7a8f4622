import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWithType, countRows, MISSING } from './fixtures.ts';

describe.each(backends)('app resources on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('creates a resource with every seed field and reads it back as a view', async () => {
    const { app, type, path } = await appWithType(s.admin);
    const [o1, o2] = [await s.admin.user(), await s.admin.user()];
    const res = await s.admin.post(path, {
      displayName: '  Engineering  ',
      description: 'All engineers',
      matchBatonId: 'group:eng',
      resourceOwnerUserIds: [o1.id, o2.id],
    });
    expect(res.status).toBe(200);
    const r = res.body.appResource;
    expect(res.body).toEqual({
      appResource: {
        id: expect.stringMatching(/^[0-9A-Za-z]{27}$/),
        appId: app.id,
        appResourceTypeId: type.id,
        displayName: 'Engineering',
        description: 'All engineers',
        matchBatonId: 'group:eng',
        grantCount: '0',
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      },
    });
    expect(new Date(r.createdAt).toISOString()).toBe(r.createdAt);
    const got = await s.admin.get(`${path}/${r.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ appResourceView: { appResource: r }, expanded: [] });
    const owners = await s.admin.get(`/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${r.id}/owners`);
    expect(owners.body.list.map((u: { id: string }) => u.id).sort()).toEqual([o1.id, o2.id].sort());
    const minimal = await s.admin.post(path, { displayName: 'Minimal', resourceOwnerUserIds: null });
    expect(Object.keys(minimal.body.appResource).sort()).toEqual(
      ['id', 'appId', 'appResourceTypeId', 'displayName', 'grantCount', 'createdAt', 'updatedAt'].sort(),
    );
  });

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const { type, path } = await appWithType(s.admin);
    const owner = await s.admin.user();
    const cases: [unknown, string][] = [
      [{}, 'displayName'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(257) }, 'displayName'],
      [{ displayName: 7 }, 'displayName'],
      [{ displayName: 'a', description: 'x'.repeat(4097) }, 'description'],
      [{ displayName: 'a', matchBatonId: '' }, 'matchBatonId'],
      [{ displayName: 'a', resourceOwnerUserIds: [owner.id, 'nobody'] }, 'nobody'],
      [{ displayName: 'a', resourceOwnerUserIds: 'nobody' }, 'resourceOwnerUserIds'],
      [{ displayName: 'a', description: 5, bogus: 1 }, 'description'],
    ];
    for (const [body, field] of cases) {
      const res = await s.admin.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
      expect(res.body.details).toEqual([]);
    }
    expect(await countRows(s, 'app_resources', sql`app_resource_type_id = ${type.id}`)).toBe(0);
    expect(await countRows(s, 'app_resource_owners', sql`user_id = ${owner.id}`)).toBe(0);
    const longest = await s.admin.post(path, { displayName: 'x'.repeat(256), description: 'd'.repeat(4096) });
    expect(longest.status).toBe(200);
  });

  it('answers 404 for a missing app, type, resource, or one of another app or tenant', async () => {
    const { app, type, path } = await appWithType(s.admin);
    const sibling = await appWithType(s.admin);
    const other = await s.caller();
    const foreign = await appWithType(other);
    const foreignRes = (await other.post(foreign.path, { displayName: 'theirs' })).body.appResource;
    const siblingRes = (await s.admin.post(sibling.path, { displayName: 'sibling' })).body.appResource;
    const mine = (await s.admin.post(path, { displayName: 'mine' })).body.appResource;

    const expect404 = async (p: string, message: string) => {
      for (const res of [
        await s.admin.get(p),
        await s.admin.post(p, { appResource: { displayName: 'x' } }),
        await s.admin.del(p),
      ]) {
        expect(res.status, p).toBe(404);
        expect(res.body).toEqual({ code: 5, message, details: [] });
      }
    };
    await expect404(`/api/v1/apps/${MISSING}/resource_types/${type.id}/resources/${mine.id}`, 'app not found');
    await expect404(
      `/api/v1/apps/${foreign.app.id}/resource_types/${foreign.type.id}/resources/${foreignRes.id}`,
      'app not found',
    );
    await expect404(`/api/v1/apps/${app.id}/resource_types/${MISSING}/resources/${mine.id}`, 'app resource type not found');
    await expect404(
      `/api/v1/apps/${app.id}/resource_types/${sibling.type.id}/resources/${siblingRes.id}`,
      'app resource type not found',
    );
    await expect404(`${path}/${MISSING}`, 'app resource not found');
    await expect404(`${path}/${siblingRes.id}`, 'app resource not found');
    await expect404(`${path}/${foreignRes.id}`, 'app resource not found');

    for (const p of [
      `/api/v1/apps/${MISSING}/resource_types/${type.id}/resources`,
      `/api/v1/apps/${foreign.app.id}/resource_types/${foreign.type.id}/resources`,
      `/api/v1/apps/${app.id}/resource_types/${sibling.type.id}/resources`,
      `/api/v1/apps/${app.id}/resource_types/${foreign.type.id}/resources`,
    ]) {
      expect((await s.admin.post(p, { displayName: 'x' })).status, p).toBe(404);
      expect((await s.admin.get(p)).status, p).toBe(404);
    }
    expect(await countRows(s, 'app_resources', sql`display_name = 'x'`)).toBe(0);
    expect((await s.admin.get(`${path}/${mine.id}`)).status).toBe(200);
    expect((await other.get(`${foreign.path}/${foreignRes.id}`)).status).toBe(200);
  });

  it('refuses resources under an app that is not manually managed (FAILED_PRECONDITION)', async () => {
    const { app, type, path } = await appWithType(s.admin);
    await s.core.database.db.execute(sql`update apps set is_manually_managed = false where id = ${app.id}`);
    const res = await s.admin.post(path, { displayName: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(9);
    expect(res.body.message).toContain('not manually managed');
    expect(await countRows(s, 'app_resources', sql`app_resource_type_id = ${type.id}`)).toBe(0);
  });

  it('keeps matchBatonId unique within a type: 409, also when requests race', async () => {
    const { app, path } = await appWithType(s.admin);
    const first = await s.admin.post(path, { displayName: 'one', matchBatonId: 'b1' });
    expect(first.status).toBe(200);
    const dup = await s.admin.post(path, { displayName: 'two', matchBatonId: 'b1' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe(6);
    expect(dup.body.message).toContain('b1');
    const otherType = (await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'R', resourceType: 'ROLE' }))
      .body.appResourceType;
    expect(
      (
        await s.admin.post(`/api/v1/apps/${app.id}/resource_types/${otherType.id}/resources`, {
          displayName: 'x',
          matchBatonId: 'b1',
        })
      ).status,
    ).toBe(200);

    const racers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.admin.post(path, { displayName: `racer ${i}`, matchBatonId: 'race' })),
    );
    const statuses = racers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    for (const r of racers.filter((x) => x.status === 409)) expect(r.body.code).toBe(6);
    expect(await countRows(s, 'app_resources', sql`match_baton_id = 'race'`)).toBe(1);

    // Deleting frees the matchBatonId.
    expect((await s.admin.del(`${path}/${first.body.appResource.id}`)).status).toBe(200);
    expect((await s.admin.post(path, { displayName: 'again', matchBatonId: 'b1' })).status).toBe(200);
  });

  it('updates displayName, description and customDescription with and without a mask', async () => {
    const { path } = await appWithType(s.admin);
    const typePath = path.replace(/\/resources$/, '');
    const r = (await s.admin.post(path, { displayName: 'Before', description: 'd1', matchBatonId: 'm' })).body.appResource;
    const p = `${path}/${r.id}`;
    const masked = await s.admin.post(p, {
      appResource: { displayName: 'After', description: 'ignored', customDescription: 'cd' },
      updateMask: 'displayName,customDescription',
    });
    expect(masked.status).toBe(200);
    expect(masked.body.expanded).toEqual([]);
    expect(masked.body.appResourceView.appResource).toMatchObject({
      id: r.id,
      displayName: 'After',
      description: 'd1',
      customDescription: 'cd',
      matchBatonId: 'm',
      grantCount: '0',
      createdAt: r.createdAt,
    });
    // Echoed read-only fields are accepted and ignored.
    const unmasked = await s.admin.post(p, {
      appResource: { ...masked.body.appResourceView.appResource, description: 'd2', grantCount: '99', id: 'x' },
      expandMask: { paths: ['*'] },
    });
    expect(unmasked.status).toBe(200);
    expect(unmasked.body.appResourceView.appResource).toMatchObject({ id: r.id, description: 'd2', grantCount: '0' });
    // The expand mask puts the app and the type in `expanded`, and the view points at them.
    const [app, type] = [
      (await s.admin.get(`/api/v1/apps/${r.appId}`)).body.app,
      (await s.admin.get(typePath)).body.appResourceTypeView.appResourceType,
    ];
    expect(unmasked.body.appResourceView).toMatchObject({ appPath: '$.expanded[0]', resourceTypePath: '$.expanded[1]' });
    expect(unmasked.body.expanded).toEqual([
      { '@type': 'type.googleapis.com/c1.api.app.v1.App', ...app },
      { '@type': 'type.googleapis.com/c1.api.app.v1.AppResourceType', ...type },
    ]);
    const typeOnly = await s.admin.post(p, { expandMask: { paths: ['app_resource_type_id'] } });
    expect(typeOnly.body.appResourceView.resourceTypePath).toBe('$.expanded[0]');
    expect(typeOnly.body.appResourceView.appPath).toBeUndefined();
    expect(typeOnly.body.expanded).toEqual([{ '@type': 'type.googleapis.com/c1.api.app.v1.AppResourceType', ...type }]);
    const cleared = await s.admin.post(p, { appResource: {}, updateMask: 'description' });
    expect(cleared.body.appResourceView.appResource.description).toBeUndefined();
    const empty = await s.admin.post(p, {});
    expect(empty.status).toBe(200);
    expect(empty.body.appResourceView.appResource.displayName).toBe('After');

    const bad: [object, string][] = [
      [{ appResource: {}, updateMask: 'grantCount' }, 'grantCount'],
      [{ appResource: {}, updateMask: 'matchBatonId' }, 'matchBatonId'],
      [{ appResource: {}, updateMask: 'appResourceTypeId' }, 'appResourceTypeId'],
      [{ appResource: {}, updateMask: 'displayName,nope' }, 'nope'],
      [{ appResource: {}, updateMask: 'displayName' }, 'displayName'],
      [{ appResource: { displayName: ' ' } }, 'displayName'],
      [{ appResource: { customDescription: 'x'.repeat(4097) } }, 'customDescription'],
      [{ appResource: { profile: 'x', bogus: 1 } }, 'profile'],
      [{ updateMask: 5, bogus: 1 }, 'updateMask'],
      [{ appResource: { displayName: 'Never' }, expandMask: { paths: ['owners'] } }, 'expandMask'],
    ];
    for (const [body, field] of bad) {
      const res = await s.admin.post(p, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
    }
    expect((await s.admin.get(p)).body.appResourceView.appResource).toMatchObject({
      displayName: 'After',
      customDescription: 'cd',
    });
  });

  it('deletes a resource: gone from get, list and search, and its owners with it', async () => {
    const { app, path } = await appWithType(s.admin);
    const owner = await s.admin.user();
    const keep = (await s.admin.post(path, { displayName: 'keep' })).body.appResource;
    const doomed = (await s.admin.post(path, { displayName: 'doomed', resourceOwnerUserIds: [owner.id] })).body.appResource;
    expect((await s.admin.del(`${path}/${doomed.id}`)).status).toBe(200);
    expect((await s.admin.get(`${path}/${doomed.id}`)).status).toBe(404);
    expect((await s.admin.del(`${path}/${doomed.id}`)).status).toBe(404);
    const listed = (await s.admin.get(path)).body.list.map((v: { appResource: { id: string } }) => v.appResource.id);
    expect(listed).toEqual([keep.id]);
    const searched = (await s.admin.post('/api/v1/search/app_resources', { appId: app.id })).body.list;
    expect(searched.map((v: { appResource: { id: string } }) => v.appResource.id)).toEqual([keep.id]);
    expect(await countRows(s, 'app_resource_owners', sql`app_resource_id = ${doomed.id}`)).toBe(0);
  });

  it('lists a type page by page, each resource exactly once', async () => {
    const { path } = await appWithType(s.admin);
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await s.admin.post(path, { displayName: `R${i}` })).body.appResource.id);
    const seen: string[] = [];
    let token = '';
    do {
      const res = await s.admin.get(`${path}?page_size=10${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.expanded).toEqual([]);
      seen.push(...res.body.list.map((v: { appResource: { id: string } }) => v.appResource.id));
      token = res.body.nextPageToken;
    } while (token);
    expect(seen).toEqual(ids);
    expect((await s.admin.get(path)).body.list.length).toBe(23);
    expect((await s.admin.get(`${path}?page_token=garbage`)).status).toBe(400);
  });

  it('a read-only client can read but not write', async () => {
    const { path } = await appWithType(s.admin);
    const r = (await s.admin.post(path, { displayName: 'x' })).body.appResource;
    const ro = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    expect((await ro.get(`${path}/${r.id}`)).status).toBe(200);
    expect((await ro.post('/api/v1/search/app_resources', {})).status).toBe(200);
    expect((await ro.post(path, { displayName: 'y' })).status).toBe(403);
    expect((await ro.post(`${path}/${r.id}`, { appResource: { displayName: 'y' } })).status).toBe(403);
    expect((await ro.del(`${path}/${r.id}`)).status).toBe(403);
  });
});
