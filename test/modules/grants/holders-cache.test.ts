// ListUsers' kept first pages (grants/holders-cache.ts): answered again only while nothing they show
// has changed. Each case changes an account's name behind Gatehouse's back (plain SQL, no change
// counted): a read that still shows the old name was answered from the kept page, and one that shows
// it after a write was read again because of that write.
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../../src/core.ts';
import { HoldersCache } from '../../../src/modules/grants/holders-cache.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { C1zBuilder } from '../connectors/c1z/build.ts';
import { appUserOf, grant, makeEntitlement, passed, rows, world } from './fixtures.ts';

type View = { appUser: { appUser: { id: string; displayName?: string; identityUserId?: string; appUserType: string } } };
type Answer = { list: (View & { appEntitlementUserBindingDeprovisionAt?: string })[]; nextPageToken: string };

describe.each(backends)('ListUsers kept first pages on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  let renames = 0;
  const list = async (path: string): Promise<Answer> => {
    const res = await s.admin.get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // A kept page's bytes are made once and sent again (http/validation.ts): still the JSON, whole.
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(res.body)));
    return res.body;
  };
  const names = (a: Answer) => a.list.map((v) => v.appUser.appUser.displayName);

  /**
   * Asserts that `path`'s page is kept (a rename of `accountId` behind Gatehouse's back is not seen),
   * then that after `write` it is read again (the rename shows). Answers the page after the write.
   */
  async function keptUntil(path: string, accountId: string, write: () => Promise<unknown>): Promise<Answer> {
    const before = await list(path);
    const name = `renamed behind ${++renames}`;
    await rows(s, sql`update app_users set display_name = ${name} where tenant_id = ${s.admin.tenant.id} and id = ${accountId}`);
    expect(await list(path)).toEqual(before);
    await write();
    const after = await list(path);
    expect(names(after)).toContain(name);
    return after;
  }

  it('a kept page is read again after a grant, a revoke, a deadline set or removed, an account update', async () => {
    const { app, ent, base } = await world(s.admin);
    const [u1, u2, u3] = [await s.admin.user(), await s.admin.user(), await s.admin.user()];
    await grant(s.admin, app.id, ent.id, [u1.id, u2.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    const a2 = (await appUserOf(s.admin, app.id, u2.id))!;
    const path = `${base}/users?page_size=10`;
    const ids = (a: Answer) => a.list.map((v) => v.appUser.appUser.id).sort();

    let page = await keptUntil(path, a1.id, () => grant(s.admin, app.id, ent.id, [u3.id]));
    const a3 = (await appUserOf(s.admin, app.id, u3.id))!;
    expect(ids(page)).toEqual([a1.id, a2.id, a3.id].sort());

    page = await keptUntil(path, a1.id, () => s.admin.del(`${base}/remove-membership`, { appUserId: a3.id }));
    expect(ids(page)).toEqual([a1.id, a2.id].sort());

    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    page = await keptUntil(path, a1.id, () =>
      s.admin.post(`${base}/users/${a2.id}/update-grant-duration`, { newDeprovisionAt: deadline }),
    );
    expect(page.list.find((v) => v.appUser.appUser.id === a2.id)?.appEntitlementUserBindingDeprovisionAt).toBe(deadline);

    page = await keptUntil(path, a1.id, () => s.admin.post(`${base}/users/${a2.id}/remove-grant-duration`, {}));
    expect(page.list.find((v) => v.appUser.appUser.id === a2.id)?.appEntitlementUserBindingDeprovisionAt).toBeUndefined();

    page = await keptUntil(path, a1.id, () =>
      s.admin.post(`/api/v1/apps/${app.id}/app_users/${a2.id}`, {
        appUser: { appUserType: 'APP_USER_TYPE_SERVICE_ACCOUNT' },
        updateMask: 'appUserType',
      }),
    );
    expect(page.list.find((v) => v.appUser.appUser.id === a2.id)?.appUser.appUser.appUserType).toBe(
      'APP_USER_TYPE_SERVICE_ACCOUNT',
    );

    // Another entitlement's grants are not this page's: it stays kept.
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Other' });
    const before = await list(path);
    await rows(s, sql`update app_users set display_name = 'unseen' where tenant_id = ${s.admin.tenant.id} and id = ${a1.id}`);
    await grant(s.admin, app.id, other.id, [u3.id]);
    expect(await list(path)).toEqual(before);
    // With a page kept, bad input is still refused naming its field, another app's path is still a 404,
    // and neither changes the kept page.
    const bad = await s.admin.get(`${base}/users?page_size=ten`);
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringContaining('page_size')]);
    const token = await s.admin.get(`${base}/users?page_size=10&page_token=nope`);
    expect([token.status, token.body.message]).toEqual([400, expect.stringContaining('page_token')]);
    const otherApp = (await s.admin.post('/api/v1/apps', { displayName: 'Other app' })).body.app;
    expect((await s.admin.get(`/api/v1/apps/${otherApp.id}/entitlements/${ent.id}/users?page_size=10`)).status).toBe(404);
    expect(await list(path)).toEqual(before);
    // Only first pages are kept, each page size on its own; a later page is always read.
    expect(names(await list(`${base}/users?page_size=11`))).toContain('unseen');
    const second = await list(
      `${base}/users?page_size=10&page_token=${Buffer.from(`gh1:${'0'.repeat(27)}`).toString('base64url')}`,
    );
    expect(names(second)).toContain('unseen');
  });

  it('a kept page holds until the first deadline on it passes, with no write', async () => {
    const { app, ent, base } = await world(s.admin);
    const [u1, u2] = [await s.admin.user(), await s.admin.user()];
    await grant(s.admin, app.id, ent.id, [u1.id, u2.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    const a2 = (await appUserOf(s.admin, app.id, u2.id))!;
    const deadline = new Date(Date.now() + 1000).toISOString();
    expect((await s.admin.post(`${base}/users/${a2.id}/update-grant-duration`, { newDeprovisionAt: deadline })).status).toBe(200);
    const path = `${base}/users`;
    const page = await keptUntil(path, a1.id, () => passed(deadline));
    expect(page.list.map((v) => v.appUser.appUser.id)).toEqual([a1.id]);
  });

  it('an account adopted by a grant of another entitlement, a connector sync, a deleted entitlement', async () => {
    const tenant = s.admin.tenant.id;
    const { app, ent, base } = await world(s.admin);
    const path = `${base}/users`;
    const u1 = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u1.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    // An account not linked to anyone, holding the entitlement (as an import leaves one).
    await rows(
      s,
      sql`insert into app_users (tenant_id, id, app_id, email) values (${tenant}, 'unlinked', ${app.id}, 'adopt-me@example.com')`,
    );
    await rows(
      s,
      sql`insert into grants (tenant_id, id, app_id, app_entitlement_id, app_user_id) values (${tenant}, 'zz-unlinked', ${app.id}, ${ent.id}, 'unlinked')`,
    );
    const adopter = await s.admin.user('adopt-me@example.com');
    const other = await makeEntitlement(s.admin, app.id, { displayName: 'Other' });
    const page = await keptUntil(path, a1.id, () => grant(s.admin, app.id, other.id, [adopter.id]));
    expect(page.list.find((v) => v.appUser.appUser.id === 'unlinked')?.appUser.appUser.identityUserId).toBe(adopter.id);

    // Entitlement gone: the kept page is not answered.
    await list(path);
    await s.admin.del(`${base}/remove-membership`, { appUserId: a1.id });
    await s.admin.del(`${base}/remove-membership`, { appUserId: 'unlinked' });
    expect((await s.admin.del(base)).status).toBe(200);
    expect((await s.admin.get(path)).status).toBe(404);

    // A connector sync renames an account it brought.
    const synced = (name: string) =>
      new C1zBuilder()
        .sync('s', '2026-01-01', '2026-01-02')
        .resourceType('s', 'user', [1], 'User')
        .resourceType('s', 'group', [2], 'Group')
        .resource('s', { type: 'group', id: 'g', displayName: 'Group G' })
        .entitlement('s', 'group', 'g', 'member', { purpose: 1 })
        .resource('s', { type: 'user', id: 'u1', displayName: name, user: { emails: [{ address: 'synced@example.com' }] } })
        .grant('s', {
          entitlement: 'group:g:member',
          entitlementResource: { type: 'group', id: 'g' },
          principal: { type: 'user', id: 'u1' },
        })
        .c1z();
    const syncApp = (await s.admin.post('/api/v1/apps', { displayName: 'Synced' })).body.app;
    await s.core.services.sync.apply(tenant, syncApp.id, await synced('Before'));
    const [e] = await rows<{ id: string }>(
      s,
      sql`select id from app_entitlements where tenant_id = ${tenant} and app_id = ${syncApp.id}`,
    );
    const [acc] = await rows<{ id: string }>(
      s,
      sql`select id from app_users where tenant_id = ${tenant} and app_id = ${syncApp.id}`,
    );
    const syncedPath = `/api/v1/apps/${syncApp.id}/entitlements/${e.id}/users`;
    // The sync writes the name itself: the page read again shows its name, the kept one the old.
    const kept = await list(syncedPath);
    expect(names(kept)).toEqual(['Before']);
    await rows(s, sql`update app_users set display_name = 'renamed behind' where tenant_id = ${tenant} and id = ${acc.id}`);
    expect(await list(syncedPath)).toEqual(kept);
    await s.core.services.sync.apply(tenant, syncApp.id, await synced('After'));
    expect(names(await list(syncedPath))).toEqual(['After']);
  });

  it('property: after any sequence of writes, by this server or (on PostgreSQL) another, the page is what the database holds', async () => {
    const tenant = s.admin.tenant.id;
    const second = backend === 'postgres' ? await createCore(s.core.config) : s.core;
    const cores = [s.core, second];
    // A write: by which server, what, and on which current holder (an index, wrapped to the holders there are).
    const write = fc.record({
      by: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom('grant', 'revoke', 'deadline', 'permanent', 'type'),
      pick: fc.nat(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 3, maxLength: 10 }), async (writes) => {
          const { app, ent, base } = await world(s.admin);
          await grant(s.admin, app.id, ent.id, [(await s.admin.user()).id, (await s.admin.user()).id]);
          const truth = () =>
            rows<{ id: string; type: string; until: string | null }>(
              s,
              sql`select a.id, a.app_user_type as type, to_char(g.deprovision_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as until
                from grants g join app_users a on a.tenant_id = g.tenant_id and a.id = g.app_user_id
                where g.tenant_id = ${tenant} and g.app_entitlement_id = ${ent.id}
                  and (g.deprovision_at is null or g.deprovision_at > now()) order by g.id limit 10`,
            );
          const shown = async () =>
            (await list(`${base}/users?page_size=10`)).list.map((v) => ({
              id: v.appUser.appUser.id,
              type: v.appUser.appUser.appUserType,
              until: v.appEntitlementUserBindingDeprovisionAt ?? null,
            }));
          expect(await shown()).toEqual(await truth());
          for (const w of writes) {
            const services = cores[w.by].services;
            const holders = await truth();
            const h = holders[w.pick % Math.max(1, holders.length)];
            if (w.kind === 'grant' || !h) {
              await services.grants.addManualUsers(tenant, app.id, ent.id, [(await s.admin.user()).id]);
            } else if (w.kind === 'revoke') {
              await services.grants.removeMembership(tenant, app.id, ent.id, h.id);
            } else if (w.kind === 'deadline') {
              const at = new Date(Date.now() + 3_600_000 + w.pick).toISOString();
              await services.grants.updateDuration(tenant, app.id, ent.id, h.id, at);
            } else if (w.kind === 'permanent') {
              await services.grants.removeDuration(tenant, app.id, ent.id, h.id);
            } else {
              const appUserType = h.type === 'APP_USER_TYPE_USER' ? 'APP_USER_TYPE_SERVICE_ACCOUNT' : 'APP_USER_TYPE_USER';
              await services.appUsers.update(tenant, app.id, h.id, { appUserType }, 'appUserType');
            }
            expect(await shown()).toEqual(await truth());
          }
        }),
        { numRuns: 6 },
      );
    } finally {
      if (second !== s.core) await second.close();
    }
  });

  it.runIf(backend === 'postgres')('a write by another server makes this one read the page again', async () => {
    const { app, ent, base } = await world(s.admin);
    const u1 = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u1.id]);
    const a1 = (await appUserOf(s.admin, app.id, u1.id))!;
    const second = await createCore(s.core.config);
    try {
      const page = await keptUntil(`${base}/users`, a1.id, () =>
        second.services.appUsers.update(
          s.admin.tenant.id,
          app.id,
          a1.id,
          { appUserType: 'APP_USER_TYPE_SYSTEM_ACCOUNT' },
          'appUserType',
        ),
      );
      expect(page.list[0].appUser.appUser.appUserType).toBe('APP_USER_TYPE_SYSTEM_ACCOUNT');
    } finally {
      await second.close();
    }
  });
});

describe('HoldersCache', () => {
  const page = (n: number) => ({ list: [], nextPageToken: String(n) });
  const at = (version: string, ms: number) => async () => ({ version, now: new Date(ms) });

  it('answers a page only at its version and before its first deadline; keeps 128 pages, the oldest going first', async () => {
    const c = new HoldersCache();
    // Nothing kept: no lookup.
    expect(await c.current('t', 'a', 'e', 100, () => Promise.reject(new Error('looked up')))).toBeUndefined();
    c.set('t', 'a', 'e', 100, { version: '1:1', until: 2_000, page: page(0) });
    expect(await c.current('t', 'a', 'e', 100, at('1:1', 1_999))).toEqual(page(0));
    expect(await c.current('t', 'a', 'e', 100, at('1:1', 2_000))).toBeUndefined();
    expect(await c.current('t', 'a', 'e', 100, at('2:1', 1_000))).toBeUndefined();
    expect(await c.current('t', 'a', 'e', 10, at('1:1', 1_000))).toBeUndefined();
    expect(await c.current('u', 'a', 'e', 100, at('1:1', 1_000))).toBeUndefined();
    for (let i = 1; i < 128; i++)
      c.set('t', 'a', `e${i}`, 100, { version: '1:1', until: Number.POSITIVE_INFINITY, page: page(i) });
    // Kept again, 'e' is now the newest: the next page pushes out e1.
    c.set('t', 'a', 'e', 100, { version: '1:2', until: Number.POSITIVE_INFINITY, page: page(0) });
    c.set('t', 'a', 'e128', 100, { version: '1:1', until: Number.POSITIVE_INFINITY, page: page(128) });
    expect(await c.current('t', 'a', 'e1', 100, at('1:1', 0))).toBeUndefined();
    expect(await c.current('t', 'a', 'e2', 100, at('1:1', 0))).toEqual(page(2));
    expect(await c.current('t', 'a', 'e', 100, at('1:2', 1e15))).toEqual(page(0));
    expect(await c.current('t', 'a', 'e128', 100, at('1:1', 0))).toEqual(page(128));
  });
});
