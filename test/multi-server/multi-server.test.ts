// Two `gatehouse serve` processes on one PostgreSQL database, started at the same
// time, with requests spread across both: migrations applied once, one winner
// among concurrent creates with the same matchBatonId, exact grant counts under
// concurrent grants and revokes, and expiring grants revoked exactly once while
// both servers sweep. Runs only with TEST_DATABASE_URL (PGlite is one process).
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  createDatabase,
  type Reply,
  ROOT,
  type Seed,
  type Spawned,
  seed,
  spawnServer,
  tokenFor,
} from '../ops/spawn.ts';

const base = process.env.TEST_DATABASE_URL;

describe.skipIf(!base)('two servers on one PostgreSQL database', () => {
  let db: { url: string; drop(): Promise<void> };
  let servers: Spawned[] = [];
  let apis: ApiClient[] = [];
  let creds: Seed;
  let sql: pg.Client;
  /** The i-th request goes to server i mod 2. */
  const on = (i: number) => apis[i % 2];
  const q = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    (await sql.query(text, params)).rows as T[];

  beforeAll(async () => {
    db = await createDatabase(base as string, 'gh_multi');
    const env = { DATABASE_URL: db.url, GATEHOUSE_SWEEP_INTERVAL_MS: '200', GATEHOUSE_CLIENT_CACHE_SECONDS: '0' };
    // Both start on the empty database at once: both try to migrate it.
    servers = await Promise.all([spawnServer({ env }), spawnServer({ env })]);
    creds = await seed(env, 30);
    apis = await Promise.all(
      servers.map(async (s) => new ApiClient(s.url, await tokenFor(s.url, creds.clientId, creds.clientSecret))),
    );
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 240_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGTERM')));
    await sql?.end();
    await db?.drop();
  });

  it('applied every migration exactly once, without errors on either server', async () => {
    const journal = JSON.parse(fs.readFileSync(path.join(ROOT, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    const files = fs.readdirSync(path.join(ROOT, 'drizzle')).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBe(journal.entries.length);
    const [{ n, distinct }] = await q<{ n: number; distinct: number }>(
      'select count(*)::int as n, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations',
    );
    expect(n).toBe(files.length);
    expect(distinct).toBe(files.length);
    for (const s of servers) expect(s.errors()).toEqual([]);
  });

  it('concurrent creates with one matchBatonId through both servers: exactly one wins', async () => {
    const app = (await on(0).call('POST', '/api/v1/apps', { displayName: 'Baton app' })).body.app;
    const type = (
      await on(1).call('POST', `/api/v1/apps/${app.id}/resource_types`, { displayName: 'Role', resourceType: 'ROLE' })
    ).body.appResourceType;
    const resources = `/api/v1/apps/${app.id}/resource_types/${type.id}/resources`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        on(i).call('POST', resources, {
          displayName: `Contender ${i}`,
          matchBatonId: 'baton-1',
          resourceOwnerUserIds: [creds.userIds[i]],
        }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBe(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe(6);
    }
    const rows = await q<{ id: string }>('select id from app_resources where app_id = $1 and match_baton_id = $2', [
      app.id,
      'baton-1',
    ]);
    expect(rows.map((r) => r.id)).toEqual([winners[0].body.appResource.id]);
    // The losers left no owners behind.
    const [{ owners }] = await q<{ owners: number }>(
      'select count(*)::int as owners from app_resource_owners o join app_resources r on r.id = o.app_resource_id where r.app_id = $1',
      [app.id],
    );
    expect(owners).toBe(1);
  });

  describe('grants on one entitlement', () => {
    let appId: string;
    const ok = (results: Reply[]) => {
      for (const r of results) expect([r.status, r.body]).toEqual([200, expect.anything()]);
    };
    const entitlement = async (body: Record<string, unknown>) => {
      const r = await on(1).call('POST', `/api/v1/apps/${appId}/entitlements`, body);
      expect(r.status).toBe(200);
      return r.body.appEntitlementView.appEntitlement.id as string;
    };
    const grant = (i: number, entId: string, userId: string) =>
      on(i).call('POST', `/api/v1/apps/${appId}/entitlements/${entId}/add-manual-user`, { userIds: [userId] });
    /** Counts as the API and the tables see them. */
    const counts = async (entId: string) => {
      const ent = (await on(0).call('GET', `/api/v1/apps/${appId}/entitlements/${entId}`)).body.appEntitlementView.appEntitlement;
      const app = (await on(1).call('GET', `/api/v1/apps/${appId}`)).body.app;
      const [row] = await q<{
        grants: number;
        open: number;
        revoked: number;
        holders: number;
        accountSum: number;
        appGrants: number;
      }>(
        `select
           (select count(*)::int from grants where app_entitlement_id = $1) as grants,
           (select count(*)::int from grant_history where app_entitlement_id = $1 and revoked_at is null) as open,
           (select count(*)::int from grant_history where app_entitlement_id = $1 and revoked_at is not null) as revoked,
           (select count(distinct app_user_id)::int from grants where app_id = $2) as holders,
           (select coalesce(sum(grant_count), 0)::int from app_users where app_id = $2) as "accountSum",
           (select count(*)::int from grants where app_id = $2) as "appGrants"`,
        [entId, appId],
      );
      return { grantCount: Number(ent.grantCount ?? 0), userCount: Number(app.userCount ?? 0), ...row };
    };

    beforeAll(async () => {
      appId = (await on(0).call('POST', '/api/v1/apps', { displayName: 'Grants app' })).body.app.id;
    });

    it('concurrent grants and revokes through both servers keep every count exact', async () => {
      const entId = await entitlement({ displayName: 'Admin' });
      const u = creds.userIds;
      // Each of 12 users granted twice at once, once through each server.
      ok(await Promise.all(u.slice(0, 24).map((_, i) => grant(Math.floor(i / 12), entId, u[i % 12]))));
      let c = await counts(entId);
      expect(c).toMatchObject({ grantCount: 12, grants: 12, open: 12, revoked: 0, userCount: 12, holders: 12, accountSum: 12 });

      const members = (await on(0).all('GET', `/api/v1/apps/${appId}/entitlements/${entId}/users`)) as Array<{
        appUser: { appUser: { id: string; identityUserId: string } };
      }>;
      expect(members.length).toBe(12);
      const accountOf = new Map(members.map((m) => [m.appUser.appUser.identityUserId, m.appUser.appUser.id]));
      const revoke = (i: number, userId: string) =>
        on(i).call('DELETE', `/api/v1/apps/${appId}/entitlements/${entId}/remove-membership`, {
          appUserId: accountOf.get(userId),
        });

      // At once: revoke users 0-5 (twice each), grant 12-17 (twice each), re-grant 6-11.
      ok(
        await Promise.all([
          ...u.slice(0, 6).flatMap((id, i) => [revoke(i, id), revoke(i + 1, id)]),
          ...u.slice(12, 18).flatMap((id, i) => [grant(i, entId, id), grant(i + 1, entId, id)]),
          ...u.slice(6, 12).map((id, i) => grant(i, entId, id)),
        ]),
      );
      c = await counts(entId);
      expect(c).toMatchObject({ grantCount: 12, grants: 12, open: 12, revoked: 6, userCount: 12, holders: 12, accountSum: 12 });
      const manual = await q<{ n: number }>(
        "select count(*)::int as n from grant_history where app_entitlement_id = $1 and revoke_reason = 'manual'",
        [entId],
      );
      expect(manual[0].n).toBe(6);
    });

    it('expiring grants are revoked exactly once while both servers sweep, one history entry each', async () => {
      const entId = await entitlement({ displayName: 'Temporary', durationGrant: '2s' });
      const users = creds.userIds.slice(20, 30);
      ok(await Promise.all(users.map((id, i) => grant(i, entId, id))));
      expect((await counts(entId)).grants).toBe(10);
      const before = await counts(entId);
      for (let i = 0; i < 300 && (await counts(entId)).grants > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const c = await counts(entId);
      expect(c).toMatchObject({ grantCount: 0, grants: 0, open: 0, revoked: 10 });
      // Revoked once: a second revocation would have taken the counts below zero.
      expect(c.userCount).toBe(before.userCount - 10);
      expect(c.accountSum).toBe(c.appGrants);
      expect(c.holders).toBe(c.userCount);
      const history = await q<{ grant_id: string; revoke_reason: string; identity_user_id: string }>(
        'select grant_id, revoke_reason, identity_user_id from grant_history where app_entitlement_id = $1',
        [entId],
      );
      expect(history.length).toBe(10);
      expect(new Set(history.map((h) => h.grant_id)).size).toBe(10);
      expect(new Set(history.map((h) => h.identity_user_id))).toEqual(new Set(users));
      expect(history.every((h) => h.revoke_reason === 'expired')).toBe(true);
      const past = await on(1).all('POST', '/api/v1/search/past-grants', { appEntitlementRefs: [{ appId, id: entId }] });
      expect(past.length).toBe(10);
      for (const p of past as Array<{ history: { revokedAt?: string } }>) expect(p.history.revokedAt).toBeTruthy();
      for (const s of servers) expect(s.errors()).toEqual([]);
    });
  });
});
