// The fields of C1's newer SDKs (../shared/c1-api/sdk-fields.md) that Gatehouse gives a
// meaning: each is stored or filters as documented in docs/wire.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../helpers/server.ts';

const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe.each(backends)('newer SDK fields on %s', (backend) => {
  let s: TestServer;
  let c: Caller;
  beforeAll(async () => {
    s = await startServer(backend);
    c = await s.caller();
  });
  afterAll(async () => s?.close());

  const grant = async (appId: string, entId: string, userIds: string[]) => {
    const res = await c.post(`/api/v1/apps/${appId}/entitlements/${entId}/add-manual-user`, { userIds });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  const entitlement = async (appId: string, body: Record<string, unknown>) => {
    const res = await c.post(`/api/v1/apps/${appId}/entitlements`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.appEntitlementView.appEntitlement as { id: string };
  };
  const ownersOf = async (appId: string, entId: string) =>
    ids((await c.get(`/api/v1/apps/${appId}/entitlements/${entId}/owners`)).body.list);

  it('CreateAppRequest.instructions is stored and returned as App.instructions', async () => {
    const res = await c.post('/api/v1/apps', { displayName: 'Wiki', instructions: 'Ask #it-help' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.app.instructions).toBe('Ask #it-help');
    expect((await c.get(`/api/v1/apps/${res.body.app.id}`)).body.app.instructions).toBe('Ask #it-help');
    const long = await c.post('/api/v1/apps', { displayName: 'Wiki', instructions: 'x'.repeat(4097) });
    expect(long.status).toBe(400);
    expect(long.body.message).toContain('instructions');
  });

  it('CreateAppRequest.appEntitlementOwnerRefs: holders of those entitlements own entitlements made later', async () => {
    const [alice, bob, carol] = [await c.user(), await c.user(), await c.user()];
    // The "group" apps: their entitlements' holders are the owners to be.
    const idp = (await c.post('/api/v1/apps', { displayName: 'IdP' })).body.app;
    const admins = await entitlement(idp.id, { displayName: 'IT admins' });
    const leads = await entitlement(idp.id, { displayName: 'Leads' });
    await grant(idp.id, admins.id, [alice.id, bob.id]);
    await grant(idp.id, leads.id, [bob.id]);

    const created = await c.post('/api/v1/apps', {
      displayName: 'Payroll',
      appEntitlementOwnerRefs: [{ appId: idp.id, id: admins.id }, { id: leads.id }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const app = created.body.app;
    expect(JSON.stringify(app)).not.toContain('appEntitlementOwnerRefs');
    const first = await entitlement(app.id, { displayName: 'Viewer' });
    expect((await ownersOf(app.id, first.id)).sort()).toEqual([alice.id, bob.id].sort());
    // Holders now, at each create.
    await grant(idp.id, leads.id, [carol.id]);
    const second = await entitlement(app.id, { displayName: 'Editor' });
    expect((await ownersOf(app.id, second.id)).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    // Owners named in the create win.
    const third = await entitlement(app.id, { displayName: 'Admin', appEntitlementOwnerIds: [carol.id] });
    expect(await ownersOf(app.id, third.id)).toEqual([carol.id]);
    // An app without refs: no owners unless named.
    const plain = (await c.post('/api/v1/apps', { displayName: 'Plain' })).body.app;
    expect(await ownersOf(plain.id, (await entitlement(plain.id, { displayName: 'X' })).id)).toEqual([]);
  });

  it('CreateAppRequest.appEntitlementOwnerRefs naming no entitlement is a 400 naming it, and creates nothing', async () => {
    const before = (await c.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length;
    const idp = (await c.post('/api/v1/apps', { displayName: 'IdP 2' })).body.app;
    const ent = await entitlement(idp.id, { displayName: 'Group' });
    const other = await s.caller();
    const foreignApp = (await other.post('/api/v1/apps', { displayName: 'Theirs' })).body.app;
    const foreign = (await other.post(`/api/v1/apps/${foreignApp.id}/entitlements`, { displayName: 'Theirs' })).body
      .appEntitlementView.appEntitlement;
    for (const refs of [
      [{ id: '3MV7rbPadu5c0uz5o5J9hkjTlUF' }],
      [{ appId: '3MV7rbPadu5c0uz5o5J9hkjTlUF', id: ent.id }],
      [{ id: foreign.id }],
    ]) {
      const res = await c.post('/api/v1/apps', { displayName: 'Refused', appEntitlementOwnerRefs: refs });
      expect(res.status, JSON.stringify(refs)).toBe(400);
      expect(res.body.message).toContain('appEntitlementOwnerRefs');
      expect(res.body.message).toContain(refs[0].id);
    }
    const bad = await c.post('/api/v1/apps', { displayName: 'Refused', appEntitlementOwnerRefs: [{ appId: idp.id }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('appEntitlementOwnerRefs.0');
    expect((await c.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length).toBe(before + 1);
  });

  it('SearchAppResourcesRequest.ownerUserIds finds resources owned by any of those users', async () => {
    const [u1, u2, u3] = [await c.user(), await c.user(), await c.user()];
    const app = (await c.post('/api/v1/apps', { displayName: 'Res' })).body.app;
    const type = (await c.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'T', resourceType: 'GROUP' })).body
      .appResourceType;
    const path = `/api/v1/apps/${app.id}/resource_types/${type.id}/resources`;
    const make = async (displayName: string, owners: string[]) =>
      (await c.post(path, { displayName, resourceOwnerUserIds: owners })).body.appResource.id as string;
    const a = await make('A', [u1.id]);
    const b = await make('B', [u1.id, u2.id]);
    const none = await make('C', []);
    const search = async (body: object) =>
      (await c.post('/api/v1/search/app_resources', { appId: app.id, ...body })).body.list.map(
        (v: { appResource: { id: string } }) => v.appResource.id,
      );
    expect(await search({ ownerUserIds: [u1.id] })).toEqual([a, b]);
    expect(await search({ ownerUserIds: [u2.id, u3.id] })).toEqual([b]);
    expect(await search({ ownerUserIds: [u3.id] })).toEqual([]);
    expect(await search({ owner_user_ids: [u2.id], query: 'b' })).toEqual([b]);
    expect(await search({})).toEqual([a, b, none]);
  });

  it('AppEntitlementSearchServiceSearchGrantsRequest.entitlementSlugs and purpose filter grants', async () => {
    const u = await c.user();
    const app = (await c.post('/api/v1/apps', { displayName: 'Slugs' })).body.app;
    const read = await entitlement(app.id, { displayName: 'Read', slug: 'read' });
    const write = await entitlement(app.id, {
      displayName: 'Write',
      slug: 'write',
      purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_PERMISSION',
    });
    const plain = await entitlement(app.id, { displayName: 'Plain', purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_ASSIGNMENT' });
    for (const e of [read, write, plain]) await grant(app.id, e.id, [u.id]);
    const search = async (body: object) =>
      (await c.post('/api/v1/search/grants', { appIds: [app.id], ...body })).body.list
        .map((g: { entitlement: { appEntitlement: { id: string } } }) => g.entitlement.appEntitlement.id)
        .sort();
    expect(await search({ entitlementSlugs: ['read'] })).toEqual([read.id]);
    expect(await search({ entitlementSlugs: ['read', 'write'] })).toEqual([read.id, write.id].sort());
    expect(await search({ entitlementSlugs: ['nope'] })).toEqual([]);
    expect(await search({ purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_PERMISSION' })).toEqual([write.id]);
    expect(await search({ purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_ASSIGNMENT', entitlement_slugs: ['write'] })).toEqual([]);
    expect(await search({ purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_UNSPECIFIED' })).toEqual([read.id, write.id, plain.id].sort());
    const bad = await c.post('/api/v1/search/grants', { purpose: 'NOPE' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('purpose');
  });

  it('User.origin is returned; SearchUsersRequest filters by managers, departments, titles, delegates and origins', async () => {
    const users = s.core.services.users;
    const t = c.tenant.id;
    const tag = Math.random().toString(36).slice(2, 8);
    const boss = await users.create(t, { email: `boss-${tag}@x.test`, displayName: 'Boss', department: 'Ops' });
    const deputy = await users.create(t, { email: `deputy-${tag}@x.test`, displayName: 'Deputy', jobTitle: 'SRE' });
    const worker = await users.create(t, {
      email: `worker-${tag}@x.test`,
      displayName: 'Worker',
      department: 'Eng',
      jobTitle: 'SRE',
      managerIds: [boss.id],
      delegatedUserId: deputy.id,
    });
    const all = [boss.id, deputy.id, worker.id];
    const got = (await c.get(`/api/v1/users/${worker.id}`)).body.userView.user;
    expect(got).toMatchObject({ origin: 'USER_ORIGIN_LOCAL', managerIds: [boss.id], delegatedUserId: deputy.id });
    const search = async (body: object) => {
      const res = await c.post('/api/v1/search/users', { ids: all, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list.map((v: { user: { id: string } }) => v.user.id).sort();
    };
    const sorted = (...x: string[]) => x.sort();
    expect(await search({ managerIds: [boss.id] })).toEqual([worker.id]);
    expect(await search({ departments: ['Ops', 'Eng'] })).toEqual(sorted(boss.id, worker.id));
    expect(await search({ jobTitles: ['SRE'] })).toEqual(sorted(deputy.id, worker.id));
    expect(await search({ isDelegate: true })).toEqual([deputy.id]);
    expect(await search({ isDelegate: false })).toEqual(sorted(boss.id, worker.id));
    expect(await search({ delegatedUserIds: [deputy.id] })).toEqual([worker.id]);
    expect(await search({ delegateStatus: 'DELEGATE_STATUS_HAS_DELEGATE' })).toEqual([worker.id]);
    expect(await search({ delegateStatus: 'DELEGATE_STATUS_NO_DELEGATE' })).toEqual(sorted(boss.id, deputy.id));
    expect(await search({ delegateStatus: 'DELEGATE_STATUS_UNSPECIFIED' })).toEqual(sorted(...all));
    expect(await search({ origins: ['USER_ORIGIN_LOCAL'] })).toEqual(sorted(...all));
    expect(await search({ origins: ['USER_ORIGIN_DIRECTORY'] })).toEqual([]);
    expect(await search({ excludeOrigins: ['USER_ORIGIN_LOCAL'] })).toEqual([]);
    expect(await search({ exclude_origins: ['USER_ORIGIN_SYSTEM'], job_titles: ['SRE'] })).toEqual(sorted(deputy.id, worker.id));
    const bad = await c.post('/api/v1/search/users', { origins: ['USER_ORIGIN_MARS'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('origins');
  });

  it('accepts every other newer SDK field of the schemas it serves, and ignores it', async () => {
    const app = await c.post('/api/v1/apps', {
      displayName: 'Echo',
      accessModel: 'APP_ACCESS_MODEL_CLASSIC',
      appUserMapper: { anything: true },
      enableConnectorSourcedOwnership: true,
    });
    expect(app.status, JSON.stringify(app.body)).toBe(200);
    expect(JSON.stringify(app.body)).not.toMatch(/accessModel|appUserMapper|enableConnectorSourcedOwnership/);
    const ent = await c.post(`/api/v1/apps/${app.body.app.id}/entitlements`, { displayName: 'E', externalId: 'x' });
    expect(ent.status).toBe(200);
    expect(JSON.stringify(ent.body)).not.toContain('externalId');
  });
});
