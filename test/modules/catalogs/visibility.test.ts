// Who sees and may request what: people (holding a catalog's access entitlement or not,
// administrator of requests or not) × catalogs (visible to everyone, bound to an access
// entitlement, unpublished; and an entitlement in no catalog) → what SearchEntitlements shows and
// what CreateGrantTask accepts. Then requests for others (managers, helpdesk) and the search filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant, makeApp, makeEntitlement } from '../grants/fixtures.ts';
import { makePolicy, type Person, person } from '../tasks/fixtures.ts';
import { addAccess, addEntries, makeCatalog, searchIds } from './fixtures.ts';

describe.each(backends)('catalog visibility on %s', (backend) => {
  let s: TestServer;
  let appId: string;
  const e: Record<'everyone' | 'bound' | 'unpublished' | 'nowhere' | 'gate', string> = {
    everyone: '',
    bound: '',
    unpublished: '',
    nowhere: '',
    gate: '',
  };
  let holder: Person;
  let other: Person;
  let admin: Person;
  let helpdesk: Person;
  const tenant = () => s.admin.tenant.id;

  beforeAll(async () => {
    s = await startServer(backend);
    [holder, other, admin, helpdesk] = [
      await person(s),
      await person(s),
      await person(s, ['access_request_admin']),
      await person(s, ['helpdesk']),
    ];
    // Every request here is accepted at once, so an accepted request ends in a grant.
    const accept = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    const app = await makeApp(s.admin, { displayName: 'Vault', grantPolicyId: accept });
    appId = app.id;
    // The app's defaults off: its new entitlements join no catalog by themselves.
    const off = await s.admin.post(`/api/v1/apps/${appId}/access_request_defaults`, { defaultsEnabled: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    for (const k of Object.keys(e) as (keyof typeof e)[]) {
      e[k] = (await makeEntitlement(s.admin, appId, { displayName: `Vault ${k}`, alias: `vault-${k}` })).id;
    }
    const ref = (id: string) => [{ appId, id }];
    await addEntries(s.admin, (await makeCatalog(s.admin, { published: true, visibleToEveryone: true })).id, ref(e.everyone));
    const bound = await makeCatalog(s.admin, { published: true });
    await addEntries(s.admin, bound.id, ref(e.bound));
    await addAccess(s.admin, bound.id, ref(e.gate));
    await addEntries(s.admin, (await makeCatalog(s.admin, { published: false, visibleToEveryone: true })).id, ref(e.unpublished));
    await grant(s.admin, appId, e.gate, [holder.me.id]);
  });
  afterAll(async () => s?.close());

  const request = (c: Person, entitlement: string, subject: string) =>
    c.post('/api/v1/task/grant', { appId, appEntitlementId: entitlement, identityUserId: subject });

  it('search shows, and a grant task accepts, exactly what each person may see', async () => {
    const cases: [string, Person, (keyof typeof e)[]][] = [
      ['holder of the access entitlement', holder, ['everyone', 'bound']],
      ['non-holder', other, ['everyone']],
      ['administrator of requests', admin, ['everyone', 'bound', 'unpublished']],
    ];
    for (const [label, who, visible] of cases) {
      expect(await searchIds(who), label).toEqual(visible.map((k) => e[k]).sort());
      for (const k of ['everyone', 'bound', 'unpublished', 'nowhere'] as const) {
        const res = await request(who, e[k], who.me.id);
        // Administrators of requests may request anything (tasks:request_others); others what they see.
        const allowed = visible.includes(k) || who === admin;
        expect(res.status, `${label} requests ${k}: ${JSON.stringify(res.body)}`).toBe(allowed ? 200 : 403);
        if (allowed) expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
        else expect(res.body).toMatchObject({ code: 7, message: expect.stringMatching(/not in a request catalog you can see/) });
      }
    }
  });

  it('a Basic User may request for a direct report only; the helpdesk for anyone, even outside catalogs', async () => {
    const report = await person(s);
    const stranger = await person(s);
    await s.core.services.users.update(tenant(), report.me.id, { managerIds: [other.me.id] });
    expect((await request(other, e.everyone, report.me.id)).status).toBe(200);
    const refused = await request(other, e.everyone, stranger.me.id);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/yourself or your direct reports/);
    // The requester's catalogs decide: the report holding the gate does not open the bound catalog to their manager.
    await grant(s.admin, appId, e.gate, [report.me.id]);
    expect((await request(other, e.bound, report.me.id)).status).toBe(403);
    expect((await request(helpdesk, e.nowhere, stranger.me.id)).status).toBe(200);
    // A revoke without tasks:request_others stays one's own.
    const revoke = await other.post('/api/v1/task/revoke', { appId, appEntitlementId: e.everyone, identityUserId: report.me.id });
    expect(revoke.status).toBe(403);
  });

  it('filters: query, alias, app name, granted status; each with the caller’s bindings', async () => {
    const viewer = await person(s);
    await grant(s.admin, appId, e.everyone, [viewer.me.id]);
    expect(await searchIds(viewer, { entitlementAlias: 'vault-everyone' })).toEqual([e.everyone]);
    expect(await searchIds(viewer, { entitlementAlias: 'vault-bound' })).toEqual([]);
    expect(await searchIds(viewer, { query: 'VAULT EVERY' })).toEqual([e.everyone]);
    expect(await searchIds(viewer, { appDisplayName: 'vault' })).toEqual([e.everyone]);
    expect(await searchIds(viewer, { appDisplayName: 'Other' })).toEqual([]);
    expect(await searchIds(viewer, { grantedStatus: 'GRANTED' })).toEqual([e.everyone]);
    expect(await searchIds(viewer, { grantedStatus: 'NOT_GRANTED' })).toEqual([]);
    const admin2 = await person(s, ['access_request_admin']);
    await grant(s.admin, appId, e.bound, [admin2.me.id]);
    expect(await searchIds(admin2, { grantedStatus: 'NOT_GRANTED' })).toEqual([e.everyone, e.unpublished].sort());
    expect(await searchIds(admin2, { grantedStatus: 'GRANTED' })).toEqual([e.bound]);
    const res = await viewer.post('/api/v1/search/request_catalog/entitlements', {
      grantedStatus: 'ALL',
      expandMask: { paths: ['app_id'] },
    });
    expect(res.status).toBe(200);
    const [found] = res.body.list;
    expect(found.appEntitlementUserBindings).toHaveLength(1);
    expect(found.appEntitlementUserBindings[0]).toMatchObject({ appId, appEntitlementId: e.everyone });
    expect(found.entitlement.appPath).toBe('$.expanded[0]');
    expect(res.body.expanded[0]).toMatchObject({ '@type': 'type.googleapis.com/c1.api.app.v1.App', id: appId });
    const bad = await viewer.post('/api/v1/search/request_catalog/entitlements', { grantedStatus: 'MAYBE' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/grantedStatus/);
  });

  it('visibility follows the access entitlement: a binding removed or a grant revoked hides the catalog', async () => {
    const late = await person(s);
    expect(await searchIds(late)).toEqual([e.everyone]);
    await grant(s.admin, appId, e.gate, [late.me.id]);
    expect(await searchIds(late)).toEqual([e.everyone, e.bound].sort());
    const account = (await s.admin.get(`/api/v1/apps/${appId}/users/${late.me.id}/app_users`)).body.list[0].appUser.id;
    const removed = await s.admin.del(`/api/v1/apps/${appId}/entitlements/${e.gate}/remove-membership`, { appUserId: account });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(await searchIds(late)).toEqual([e.everyone]);
  });
});
