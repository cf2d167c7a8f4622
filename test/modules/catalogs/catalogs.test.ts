// Request catalog management (C1's RequestCatalogManagementService): create, read, update, delete,
// requestable entries and visibility bindings, each with its errors; apps' default catalogs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { MISSING, makeApp, makeEntitlement } from '../grants/fixtures.ts';
import { makePolicy, type Person, person } from '../tasks/fixtures.ts';
import { addAccess, addEntries, makeCatalog } from './fixtures.ts';

describe.each(backends)('request catalogs on %s', (backend) => {
  let s: TestServer;
  let manager: Person;
  let basic: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    manager = await person(s, ['access_request_admin']);
    basic = await person(s);
  });
  afterAll(async () => s?.close());

  it('creates a catalog with every field and reads it back, expanded', async () => {
    const policyId = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    const app = await makeApp(s.admin);
    const gate = await makeEntitlement(s.admin, app.id, { displayName: 'Gate' });
    const res = await manager.post('/api/v1/catalogs', {
      displayName: ' Engineering ',
      description: 'For engineers',
      published: true,
      visibleToEveryone: false,
      requestBundle: true,
      enrollmentBehavior: 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY',
      unenrollmentBehavior: 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL',
      unenrollmentEntitlementBehavior: 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE',
      grantPolicyId: policyId,
      expandMask: { paths: ['*'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const c = res.body.requestCatalogView.requestCatalog;
    expect(c).toMatchObject({
      displayName: 'Engineering',
      description: 'For engineers',
      published: true,
      visibleToEveryone: false,
      requestBundle: true,
      enrollmentBehavior: 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY',
      unenrollmentBehavior: 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL',
      unenrollmentEntitlementBehavior: 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE',
      grantPolicyId: policyId,
      createdByUserId: manager.me.id,
      accessEntitlements: [],
    });
    expect(res.body.requestCatalogView.memberCount).toBe('0');
    const path = res.body.requestCatalogView.createdByUserPath;
    expect(path).toBe('$.expanded[0]');
    expect(res.body.expanded[0]).toMatchObject({ '@type': 'type.googleapis.com/c1.api.user.v1.User', id: manager.me.id });

    await addAccess(manager, c.id, [{ appId: app.id, id: gate.id }]);
    await addEntries(manager, c.id, [{ appId: app.id, id: gate.id }]);
    const got = await manager.get(`/api/v1/catalogs/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.body.requestCatalogView.requestCatalog.accessEntitlements.map((e: { id: string }) => e.id)).toEqual([gate.id]);
    expect(got.body.expanded).toEqual([]);
    const upd = await manager.post(`/api/v1/catalogs/${c.id}`, {
      catalog: { displayName: 'Renamed' },
      updateMask: 'displayName',
      expandMask: { paths: ['app_ids', 'access_entitlements'] },
    });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(upd.body.requestCatalogView.requestCatalog.displayName).toBe('Renamed');
    expect(upd.body.requestCatalogView.requestCatalog.published).toBe(true);
    const types = upd.body.expanded.map((x: { '@type': string }) => x['@type'].split('/')[1]).sort();
    expect(types).toEqual(['c1.api.app.v1.App', 'c1.api.app.v1.AppEntitlement']);
    expect(upd.body.requestCatalogView.accessEntitlementsPath).toMatch(/^\$\.expanded\[\d\]$/);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const revoke = await makePolicy(s.admin, { revoke: { steps: [{ accept: {} }] } }, {}, 'POLICY_TYPE_REVOKE');
    const before = (await manager.get('/api/v1/catalogs?page_size=100')).body.list.length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /displayName/],
      [{ displayName: '   ' }, /displayName/],
      [{ displayName: 'x', enrollmentBehavior: 'SOMETIMES' }, /enrollmentBehavior/],
      [{ displayName: 'x', grantPolicyId: MISSING }, /grantPolicyId/],
      [{ displayName: 'x', grantPolicyId: revoke }, /grantPolicyId/],
      [{ displayName: 'x', expandMask: { paths: ['owners'] } }, /expandMask/],
    ];
    for (const [body, field] of cases) {
      const res = await manager.post('/api/v1/catalogs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(field);
    }
    expect((await manager.get('/api/v1/catalogs?page_size=100')).body.list.length).toBe(before);
    const c = await makeCatalog(manager);
    const ro = await manager.post(`/api/v1/catalogs/${c.id}`, { catalog: { id: 'x' }, updateMask: 'id' });
    expect(ro.status).toBe(400);
    expect(ro.body.message).toMatch(/updateMask/);
    expect((await manager.post(`/api/v1/catalogs/${MISSING}`, { catalog: { displayName: 'y' } })).status).toBe(404);
    expect((await manager.get(`/api/v1/catalogs/${MISSING}`)).status).toBe(404);
    expect((await manager.del(`/api/v1/catalogs/${MISSING}`)).status).toBe(404);
    const badRef = await manager.post(`/api/v1/catalogs/${c.id}/requestable_entries`, { appEntitlements: [{ id: MISSING }] });
    expect(badRef.status).toBe(400);
    expect(badRef.body.message).toMatch(/appEntitlements/);
    const noRefs = await manager.post(`/api/v1/catalogs/${c.id}/visibility_bindings`, {});
    expect(noRefs.status).toBe(400);
    expect(noRefs.body.message).toMatch(/accessEntitlements/);
  });

  it('requestable entries: add, list paged, as refs, set exactly, remove with a DELETE body', async () => {
    const app = await makeApp(s.admin);
    const ents = [];
    for (let i = 0; i < 12; i++) ents.push(await makeEntitlement(s.admin, app.id, { displayName: `E${i}` }));
    const refs = ents.map((e) => ({ appId: app.id, id: e.id }));
    const c = await makeCatalog(manager, { published: true, visibleToEveryone: true });
    await addEntries(manager, c.id, refs);
    await addEntries(manager, c.id, refs.slice(0, 2)); // again: unchanged
    const seen: string[] = [];
    let token = '';
    do {
      const page = await manager.get(`/api/v1/catalogs/${c.id}/requestable_entitlements?page_size=10&page_token=${token}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.list.map((v: { appEntitlement: { id: string } }) => v.appEntitlement.id));
      token = page.body.nextPageToken;
    } while (token);
    // Every one exactly once (the order is the database's text order, as for every keyset page).
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(ents.map((e) => e.id).sort());
    const asRefs = await basic.get(`/api/v1/catalogs/${c.id}/requestable_entitlementIDs`);
    expect(asRefs.status).toBe(200);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect([...asRefs.body.refs].sort(byId)).toEqual([...refs].sort(byId));

    const set = await manager.post(`/api/v1/catalogs/${c.id}/requestable_entitlements/update`, {
      appEntitlements: refs.slice(0, 3),
    });
    expect(set.status).toBe(200);
    const removed = await manager.del(`/api/v1/catalogs/${c.id}/requestable_entries`, { appEntitlements: [refs[0]] });
    expect(removed.status).toBe(200);
    const left = await manager.get(`/api/v1/catalogs/${c.id}/requestable_entitlementIDs`);
    expect(left.body.refs.map((r: { id: string }) => r.id).sort()).toEqual([ents[1].id, ents[2].id].sort());

    await addAccess(manager, c.id, refs.slice(5, 7));
    const access = await manager.get(`/api/v1/catalogs/${c.id}/visibility_entitlements`);
    expect(access.body.list.map((v: { appEntitlement: { id: string } }) => v.appEntitlement.id).sort()).toEqual(
      [ents[5].id, ents[6].id].sort(),
    );
    expect((await manager.del(`/api/v1/catalogs/${c.id}/visibility_bindings`, { accessEntitlements: [refs[5]] })).status).toBe(
      200,
    );
    const after = await manager.get(`/api/v1/catalogs/${c.id}/visibility_entitlements`);
    expect(after.body.list.map((v: { appEntitlement: { id: string } }) => v.appEntitlement.id)).toEqual([ents[6].id]);

    // Deleting the catalog takes its entries; an entitlement deleted leaves the catalogs holding it.
    expect((await s.admin.del(`/api/v1/apps/${app.id}/entitlements/${ents[1].id}`)).status).toBe(200);
    expect((await manager.get(`/api/v1/catalogs/${c.id}/requestable_entitlementIDs`)).body.refs).toEqual([
      { appId: app.id, id: ents[2].id },
    ]);
    expect((await manager.del(`/api/v1/catalogs/${c.id}`)).status).toBe(200);
    expect((await manager.get(`/api/v1/catalogs/${c.id}`)).status).toBe(404);
  });

  it('who may: managing needs catalogs:write; an unpublished catalog is seen by administrators only', async () => {
    expect((await basic.post('/api/v1/catalogs', { displayName: 'Mine' })).status).toBe(403);
    const hidden = await makeCatalog(manager, { published: false, visibleToEveryone: true });
    const shown = await makeCatalog(manager, { published: true, visibleToEveryone: true });
    expect((await basic.get(`/api/v1/catalogs/${hidden.id}`)).status).toBe(404);
    expect((await basic.get(`/api/v1/catalogs/${hidden.id}/requestable_entitlements`)).status).toBe(404);
    expect((await basic.get(`/api/v1/catalogs/${shown.id}`)).status).toBe(200);
    const listed = (await basic.get('/api/v1/catalogs?page_size=100')).body.list.map(
      (v: { requestCatalog: { id: string } }) => v.requestCatalog.id,
    );
    expect(listed).toContain(shown.id);
    expect(listed).not.toContain(hidden.id);
    expect((await manager.get(`/api/v1/catalogs/${hidden.id}`)).status).toBe(200);
    expect((await basic.del(`/api/v1/catalogs/${shown.id}`)).status).toBe(403);
  });

  it("a catalog's grantPolicyId runs requests for its entitlements that have no policy of their own", async () => {
    const accept = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    const approval = await makePolicy(s.admin, { grant: { steps: [{ approval: { users: { userIds: [manager.me.id] } } }] } });
    const app = await makeApp(s.admin);
    const plain = await makeEntitlement(s.admin, app.id, { displayName: 'Plain' });
    const own = await makeEntitlement(s.admin, app.id, { displayName: 'Own', grantPolicyId: approval });
    const c = await makeCatalog(manager, { published: true, visibleToEveryone: true, grantPolicyId: accept });
    await addEntries(manager, c.id, [
      { appId: app.id, id: plain.id },
      { appId: app.id, id: own.id },
    ]);
    const ask = async (id: string) => {
      const res = await basic.post('/api/v1/task/grant', { appId: app.id, appEntitlementId: id });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.taskView.task;
    };
    const t1 = await ask(plain.id);
    expect([t1.policy.policy.id, t1.type.grant.outcome]).toEqual([accept, 'GRANT_OUTCOME_GRANTED']);
    const t2 = await ask(own.id);
    expect([t2.policy.policy.id, t2.state]).toEqual([approval, 'TASK_STATE_OPEN']);
  });

  it('each app has a default catalog, made with it, holding its new entitlements; it goes with the app', async () => {
    const app = await makeApp(s.admin, { displayName: 'Payroll' });
    expect(app.defaultRequestCatalogId).toMatch(/^[0-9A-Za-z]{27}$/);
    const got = await s.admin.get(`/api/v1/catalogs/${app.defaultRequestCatalogId}`);
    expect(got.status).toBe(200);
    expect(got.body.requestCatalogView.requestCatalog).toMatchObject({
      displayName: 'Payroll',
      published: true,
      visibleToEveryone: true,
    });
    const ent = await makeEntitlement(s.admin, app.id);
    const refs = await s.admin.get(`/api/v1/catalogs/${app.defaultRequestCatalogId}/requestable_entitlementIDs`);
    expect(refs.body.refs).toEqual([{ appId: app.id, id: ent.id }]);
    const del = await s.admin.del(`/api/v1/catalogs/${app.defaultRequestCatalogId}`);
    expect(del.status).toBe(400);
    expect(del.body.code).toBe(9);
    expect((await s.admin.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await s.admin.get(`/api/v1/catalogs/${app.defaultRequestCatalogId}`)).status).toBe(404);
  });
});
