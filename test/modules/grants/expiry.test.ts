// Time-bound grants: deadlines, the background sweep, and reads that never show an expired grant.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../../src/core.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, expectExactCounts, grant, MISSING, makeEntitlement, passed, rows, world } from './fixtures.ts';

describe.each(backends)('grant expiry on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const history = (grantee: string) =>
    rows<{ reason: string | null; revokedAt: Date | string | null }>(
      s,
      sql`select revoke_reason as reason, revoked_at as "revokedAt" from grant_history where app_user_id = ${grantee} order by id`,
    );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

  it('a deadline set by update-grant-duration hides the grant when it passes; the sweep revokes it once', async () => {
    const { app, ent, base } = await world(s.admin);
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    await grant(s.admin, app.id, ent.id, [u1.id, u2.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    const deadline = new Date(Date.now() + 1200).toISOString();
    const upd = await s.admin.post(`${base}/users/${a1.id}/update-grant-duration`, { newDeprovisionAt: deadline });
    expect(upd.status).toBe(200);
    expect(upd.body.binding).toMatchObject({
      appId: app.id,
      appEntitlementId: ent.id,
      appUserId: a1.id,
      deprovisionAt: deadline,
    });
    const listed = (await s.admin.get(`${base}/users`)).body.list;
    expect(listed.find((v: { appUser: { appUser: { id: string } } }) => v.appUser.appUser.id === a1.id)).toMatchObject({
      appEntitlementUserBindingDeprovisionAt: deadline,
    });
    const expiring = await s.admin.post('/api/v1/search/entitlements', { appIds: [app.id], onlyGetExpiring: true });
    expect(expiring.body.list.map((v: { appEntitlement: { id: string } }) => v.appEntitlement.id)).toEqual([ent.id]);

    await passed(deadline);
    // Before any sweep: no read shows the expired grant.
    expect(
      (await s.admin.get(`${base}/users`)).body.list.map((v: { appUser: { appUser: { id: string } } }) => v.appUser.appUser.id),
    ).toEqual([(await appUserOf(s.admin, app.id, u2.id))!.id]);
    expect((await s.admin.get(`/api/v1/apps/${app.id}/entitlements/users/${a1.id}`)).body.list).toEqual([]);
    expect((await s.admin.post('/api/v1/search/grants', { appUserIds: [a1.id] })).body.list).toEqual([]);
    expect((await s.admin.post('/api/v1/search/entitlements', { appUserIds: [a1.id] })).body.list).toEqual([]);
    expect((await s.admin.post('/api/v1/search/entitlements', { appIds: [app.id], onlyGetExpiring: true })).body.list).toEqual(
      [],
    );
    expect((await s.admin.get(`${base}/users/${u1.id}/grants`)).body.bindings).toEqual([
      { appId: app.id, appUserId: a1.id, grantSources: [] },
    ]);
    const past = await s.admin.post('/api/v1/search/past-grants', { appUserRefs: [{ appId: app.id, id: a1.id }] });
    expect(past.body.list).toEqual([
      {
        history: {
          appId: app.id,
          appEntitlementId: ent.id,
          appUserId: a1.id,
          grantedAt: expect.any(String),
          revokedAt: deadline,
        },
      },
    ]);
    // Changing the deadline of an expired grant is too late.
    const late = await s.admin.post(`${base}/users/${a1.id}/remove-grant-duration`, {});
    expect(late.status).toBe(404);

    expect(await s.core.sweep()).toEqual([]);
    expect(await s.core.sweep()).toEqual([]);
    expect((await history(a1.id)).map((h) => ({ reason: h.reason, revokedAt: iso(h.revokedAt) }))).toEqual([
      { reason: 'expired', revokedAt: deadline },
    ]);
    expect(await history((await appUserOf(s.admin, app.id, u2.id))!.id)).toEqual([{ reason: null, revokedAt: null }]);
    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe('1');
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('1');
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });

  it('an entitlement with durationGrant gives deadlines; concurrent sweeps (two servers on postgres) revoke each grant once', async () => {
    const { app, ent, base } = await world(s.admin, { durationGrant: '1s' });
    expect(ent).toMatchObject({ durationGrant: '1s' });
    const users = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    await grant(
      s.admin,
      app.id,
      ent.id,
      users.map((u) => u.id),
    );
    const list = (await s.admin.get(`${base}/users`)).body.list;
    expect(list).toHaveLength(3);
    for (const v of list) {
      expect(Date.parse(v.appEntitlementUserBindingDeprovisionAt) - Date.parse(v.appEntitlementUserBindingCreatedAt)).toBe(1000);
    }
    await passed(list[0].appEntitlementUserBindingDeprovisionAt);
    const second = backend === 'postgres' ? await createCore(s.core.config) : undefined;
    try {
      const results = await Promise.all([s.core.sweep(), s.core.sweep(), ...(second ? [second.sweep(), second.sweep()] : [])]);
      expect(results.flat()).toEqual([]);
    } finally {
      await second?.close();
    }
    for (const v of list) {
      const h = await history(v.appUser.appUser.id);
      expect(h.map((x) => ({ reason: x.reason, revokedAt: iso(x.revokedAt) }))).toEqual([
        { reason: 'expired', revokedAt: v.appEntitlementUserBindingDeprovisionAt },
      ]);
    }
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('0');
    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe('0');
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });

  it('granting again after the deadline (before the sweep) replaces the expired grant', async () => {
    const { app, ent, base } = await world(s.admin, { durationGrant: '1s' });
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const first = (await s.admin.get(`${base}/users`)).body.list[0];
    await passed(first.appEntitlementUserBindingDeprovisionAt);
    await grant(s.admin, app.id, ent.id, [u.id]);
    const now = (await s.admin.get(`${base}/users`)).body.list;
    expect(now).toHaveLength(1);
    expect(Date.parse(now[0].appEntitlementUserBindingDeprovisionAt)).toBeGreaterThan(
      Date.parse(first.appEntitlementUserBindingDeprovisionAt),
    );
    const h = await history(first.appUser.appUser.id);
    expect(h.map((x) => x.reason)).toEqual(['expired', null]);
    expect(iso(h[0].revokedAt)).toBe(first.appEntitlementUserBindingDeprovisionAt);
    expect((await s.admin.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe('1');
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });

  it('update-grant-duration and remove-grant-duration: happy paths and refusals', async () => {
    const { app, ent, base } = await world(s.admin);
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const a = (await appUserOf(s.admin, app.id, u.id))!;
    const later = new Date(Date.now() + 3600_000).toISOString();
    const path = (verb: string, id = a.id, e = base) => `${e}/users/${id}/${verb}`;
    const set = await s.admin.post(path('update-grant-duration'), { newDeprovisionAt: later });
    expect(set.status).toBe(200);
    expect(set.body.binding.deprovisionAt).toBe(later);
    const removed = await s.admin.post(path('remove-grant-duration'));
    expect(removed.status).toBe(200);
    expect(removed.body.binding).toEqual({
      appId: app.id,
      appEntitlementId: ent.id,
      appUserId: a.id,
      createdAt: expect.any(String),
      grantSources: [],
    });
    expect((await s.admin.get(`${base}/users`)).body.list[0].appEntitlementUserBindingDeprovisionAt).toBeUndefined();

    const refusals: [string, unknown, number][] = [
      [path('update-grant-duration'), { newDeprovisionAt: new Date(Date.now() - 1000).toISOString() }, 400],
      [path('update-grant-duration'), { newDeprovisionAt: 'tomorrow' }, 400],
      [path('update-grant-duration'), {}, 400],
      [path('update-grant-duration', MISSING), { newDeprovisionAt: later }, 404],
      [path('update-grant-duration', a.id, `/api/v1/apps/${app.id}/entitlements/${MISSING}`), { newDeprovisionAt: later }, 404],
      [path('update-grant-duration', a.id, `/api/v1/apps/${MISSING}/entitlements/${ent.id}`), { newDeprovisionAt: later }, 404],
      [path('remove-grant-duration', MISSING), {}, 404],
      [path('remove-grant-duration'), [], 400],
    ];
    for (const [p, body, status] of refusals) {
      const res = await s.admin.post(p, body);
      expect(res.status, `${p} ${JSON.stringify(body)}`).toBe(status);
    }
    // An account of the app without a grant of this entitlement: no grant to change.
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Other' });
    const noGrant = await s.admin.post(path('update-grant-duration', a.id, `/api/v1/apps/${app.id}/entitlements/${other.id}`), {
      newDeprovisionAt: later,
    });
    expect(noGrant.status).toBe(404);
    expect(noGrant.body.message).toBe('grant not found');
    const t = await s.caller();
    expect((await t.post(path('remove-grant-duration'))).status).toBe(404);
  });

  it('an entitlement whose grants have all expired can be deleted; history keeps them as expired', async () => {
    const { app, ent, base } = await world(s.admin, { durationGrant: '1s' });
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const v = (await s.admin.get(`${base}/users`)).body.list[0];
    await passed(v.appEntitlementUserBindingDeprovisionAt);
    expect((await s.admin.del(base)).status).toBe(200);
    const h = await history(v.appUser.appUser.id);
    expect(h.map((x) => ({ reason: x.reason, revokedAt: iso(x.revokedAt) }))).toEqual([
      { reason: 'expired', revokedAt: v.appEntitlementUserBindingDeprovisionAt },
    ]);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('0');
    await expectExactCounts(s, s.admin.tenant.id, app.id);
  });
});
