// Integrity in the schema: what the foreign keys cascade and refuse, set-based grant writes
// (a constant number of statements whatever the number of users), and counts that stay exact
// under many concurrent grants and revokes of one entitlement.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { type Core, createCore } from '../../../src/core.ts';
import { ownDatabase, TEST_PGLITE_ENV } from '../../helpers/infra.ts';
import { type Backend, backends, freshPostgres, startServer, type TestServer } from '../../helpers/server.ts';
import { appUserOf, expectExactCounts, grant, makeApp, makeEntitlement, makeResource, rows, scalar, world } from './fixtures.ts';

/** Rows of every table under an app, by table (the app's tenant only). */
async function rowsUnder(s: TestServer, tenantId: string, appId: string): Promise<Record<string, number>> {
  const q = (table: string, cond: ReturnType<typeof sql>) =>
    scalar(s, sql`select count(*)::int as n from ${sql.identifier(table)} x where x.tenant_id = ${tenantId} and ${cond}`);
  const entOf = sql`x.app_entitlement_id in (select id from app_entitlements where app_id = ${appId})`;
  return {
    apps: await q('apps', sql`x.id = ${appId}`),
    app_owners: await q('app_owners', sql`x.app_id = ${appId}`),
    app_resource_types: await q('app_resource_types', sql`x.app_id = ${appId}`),
    app_resources: await q('app_resources', sql`x.app_id = ${appId}`),
    app_resource_owners: await q(
      'app_resource_owners',
      sql`x.app_resource_id in (select id from app_resources where app_id = ${appId})`,
    ),
    app_entitlements: await q('app_entitlements', sql`x.app_id = ${appId}`),
    app_entitlement_owners: await q('app_entitlement_owners', entOf),
    grant_count_slots: await q('grant_count_slots', entOf),
    app_users: await q('app_users', sql`x.app_id = ${appId}`),
    user_count_slots: await q('user_count_slots', sql`x.app_id = ${appId}`),
    grants: await q('grants', sql`x.app_id = ${appId}`),
    grant_history: await q('grant_history', sql`x.app_id = ${appId}`),
  };
}

describe.each(backends)('integrity in the schema on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('deleting an app cascades to everything below it; grant history survives with each end recorded', async () => {
    const t = await s.caller();
    const owner = await t.user();
    const app = await makeApp(t, { owners: [owner.id] });
    const { type, resource } = await makeResource(t, app.id);
    const resPath = `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${resource.id}/owners`;
    expect((await t.post(resPath, { userId: owner.id })).status).toBe(200);
    const ent = await makeEntitlement(t, app.id, { appResourceId: resource.id, appEntitlementOwnerIds: [owner.id] });
    const [u1, u2] = [await t.user(), await t.user()];
    await grant(t, app.id, ent.id, [u1.id, u2.id]);
    const other = await world(t);
    await grant(t, other.app.id, other.ent.id, [u1.id]);
    const before = await rowsUnder(s, t.tenant.id, app.id);
    for (const [table, n] of Object.entries(before)) expect(n, table).toBeGreaterThan(0);
    const otherBefore = await rowsUnder(s, t.tenant.id, other.app.id);

    expect((await t.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    const after = await rowsUnder(s, t.tenant.id, app.id);
    expect(after).toEqual({ ...Object.fromEntries(Object.keys(before).map((k) => [k, 0])), grant_history: 2 });
    const reasons = await rows<{ r: string }>(
      s,
      sql`select revoke_reason as r from grant_history where app_id = ${app.id} and revoked_at is not null`,
    );
    expect(reasons.map((x) => x.r)).toEqual(['deleted', 'deleted']);
    // The other app of the tenant keeps all it had, and the users are untouched.
    expect(await rowsUnder(s, t.tenant.id, other.app.id)).toEqual(otherBefore);
    expect((await t.get(`/api/v1/users/${owner.id}`)).status).toBe(200);
  });

  it('refuses deletes C1 refuses with 400 FAILED_PRECONDITION, changing nothing', async () => {
    const t = await s.caller();
    const { app, type, resource, ent, base } = await world(t);
    const u = await t.user();
    await grant(t, app.id, ent.id, [u.id]);
    const typePath = `/api/v1/apps/${app.id}/resource_types/${type.id}`;
    const refusals: [string, string][] = [
      [typePath, '1 resource(s)'],
      [`${typePath}/resources/${resource.id}`, '1 grant(s)'],
      [base, '1 grant(s)'],
    ];
    const before = await rowsUnder(s, t.tenant.id, app.id);
    for (const [path, says] of refusals) {
      const res = await t.del(path);
      expect(res.status, path).toBe(400);
      expect(res.body.code, path).toBe(9);
      expect(res.body.message, path).toContain(says);
      expect(await rowsUnder(s, t.tenant.id, app.id), path).toEqual(before);
    }
    // Once the grant is revoked, the resource goes with its entitlement, then the type.
    const account = (await appUserOf(t, app.id, u.id))!;
    expect((await t.del(`${base}/remove-membership`, { appUserId: account.id })).status).toBe(200);
    expect((await t.del(`${typePath}/resources/${resource.id}`)).status).toBe(200);
    expect((await t.get(base)).status).toBe(404);
    expect((await t.del(typePath)).status).toBe(200);
  });

  it('the database itself refuses rows that point across tenants or apps', async () => {
    const a = await world(s.admin);
    const b = await world(await s.caller());
    const db = s.core.database.db;
    const tenantA = s.admin.tenant.id;
    // A resource of app A under a type of another app, and an entitlement naming a resource of another tenant.
    await expect(
      db.execute(sql`insert into app_resources (tenant_id, id, app_id, app_resource_type_id, display_name)
        values (${tenantA}, 'x1', ${a.app.id}, ${b.type.id}, 'x')`),
    ).rejects.toMatchObject({ cause: { code: '23503' } });
    await expect(
      db.execute(sql`insert into app_entitlements (tenant_id, id, app_id, app_resource_id, display_name)
        values (${tenantA}, 'x2', ${a.app.id}, ${b.resource.id}, 'x')`),
    ).rejects.toMatchObject({ cause: { code: '23503' } });
  });
});

/** A core of its own, counting the statements it sends. */
async function countingCore(
  backend: Backend,
): Promise<{ core: Core; count: () => number; sent: string[]; close: () => Promise<void> }> {
  let n = 0;
  const sent: string[] = [];
  const pgdb = backend === 'postgres' ? await freshPostgres() : undefined;
  const config = loadConfig({
    ...TEST_PGLITE_ENV,
    GATEHOUSE_TENANT_DOMAIN: 'localhost',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
  });
  // Transaction control (node-postgres sends BEGIN and COMMIT as statements, PGlite does not) is not counted.
  const logQuery = (q: string) => {
    sent.push(q);
    if (!/^\s*(begin|commit|rollback)\b/i.test(q)) n++;
  };
  const core = await createCore(config, { ...(await ownDatabase(!pgdb)), logQuery });
  return {
    core,
    count: () => n,
    sent,
    close: async () => {
      await core.close();
      await pgdb?.drop();
    },
  };
}

describe.each(backends)('set-based grant writes on %s', (backend) => {
  let c: Awaited<ReturnType<typeof countingCore>>;
  beforeAll(async () => {
    c = await countingCore(backend);
  });
  afterAll(async () => c?.close());

  it('add-manual-user sends the same number of statements for 1, 10 and 300 users, new or already granted', async () => {
    const { services } = c.core;
    const tenant = await services.tenants.getByDomain('localhost');
    const app = await services.apps.create(tenant.id, { displayName: 'Counted' });
    const ent = (await services.entitlements.create(tenant.id, app.id, { displayName: 'E' })).appEntitlement;
    const statements = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        ids.push((await services.users.create(tenant.id, { email: `u${n}-${i}@example.com`, displayName: `U ${n} ${i}` })).id);
      }
      const first = c.count();
      await services.grants.addManualUsers(tenant.id, app.id, ent.id, ids);
      const made = c.count() - first;
      const again = c.count();
      await services.grants.addManualUsers(tenant.id, app.id, ent.id, ids);
      return [made, c.count() - again];
    };
    const one = await statements(1);
    expect(await statements(10)).toEqual(one);
    expect(await statements(300)).toEqual(one);
    // One statement (its own transaction): app, entitlement, users, accounts, grants and counts together;
    // then one read of the tasks whose manual provision step waits for these users (the tasks module's hook).
    expect(one).toEqual([2, 2]);
    const read = await services.entitlements.get(tenant.id, app.id, ent.id);
    expect(read.appEntitlement.grantCount).toBe('311');
    expect((await services.apps.get(tenant.id, app.id)).userCount).toBe('311');
  });
  it('add-manual-user through the API: one statement carrying its system log event, then the read of tasks; no BEGIN, no COMMIT', async () => {
    const { services } = c.core;
    const app = await buildApp(c.core);
    try {
      const tenant = await services.tenants.getByDomain('localhost');
      const creds = await services.clients.create(tenant, 'counted', 'admin');
      const tok = await app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: creds.clientId,
          client_secret: creds.clientSecret,
        }).toString(),
      });
      const token = JSON.parse(tok.body).access_token as string;
      const a = await services.apps.create(tenant.id, { displayName: 'Logged' });
      const ent = (await services.entitlements.create(tenant.id, a.id, { displayName: 'E' })).appEntitlement;
      const user = await services.users.create(tenant.id, { email: 'logged@example.com', displayName: 'Logged' });
      const adopter = await services.users.create(tenant.id, { email: 'adopt@example.com', displayName: 'Adopt' });
      const db = c.core.database.db;
      // An account of the app not linked to anyone, with the adopter's email: add-manual-user adopts it.
      await db.execute(
        sql`insert into app_users (tenant_id, id, app_id, email) values (${tenant.id}, 'unlinked', ${a.id}, 'adopt@example.com')`,
      );
      let n = 0;
      const add = async (entitlementId: string, userId: string) => {
        const requestId = `counted-${++n}`;
        const first = c.sent.length;
        const res = await app.inject({
          method: 'POST',
          url: `/api/v1/apps/${a.id}/entitlements/${entitlementId}/add-manual-user`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
          payload: JSON.stringify({ userIds: [userId] }),
        });
        const sent = c.sent.slice(first);
        const events = (await db.execute(
          sql`select event->>'type_name' as type from system_log_events where event->'api'->'request'->>'uid' = ${requestId}`,
        )) as unknown as { rows: unknown[] };
        return { status: res.statusCode, sent, events: events.rows.length };
      };

      // The token's first use reads its client and records the use; the calls counted come after.
      await app.inject({ method: 'GET', url: `/api/v1/apps/${a.id}`, headers: { authorization: `Bearer ${token}` } });
      const granted = await add(ent.id, user.id);
      expect(granted.status).toBe(200);
      expect(granted.sent).toHaveLength(2);
      expect(granted.sent.filter((q) => /^\s*(begin|commit)\b/i.test(q))).toEqual([]);
      expect(granted.events).toBe(1);
      // Nothing new (the user holds it): still one event, from the same statement.
      const again = await add(ent.id, user.id);
      expect([again.status, again.sent.length, again.events]).toEqual([200, 2, 1]);
      // Refused (no such entitlement): no event.
      const refused = await add('no-such-entitlement', user.id);
      expect([refused.status, refused.events]).toEqual([404, 0]);
      // The general path (an account to adopt): its transaction writes the one event.
      const adopted = await add(ent.id, adopter.id);
      expect([adopted.status, adopted.events]).toEqual([200, 1]);
      expect(adopted.sent.length).toBeGreaterThan(2);
      expect((await services.entitlements.get(tenant.id, a.id, ent.id)).appEntitlement.grantCount).toBe('2');
    } finally {
      await app.close();
    }
  });
});

describe.runIf(backends.includes('postgres'))('add-manual-user racing the making of an account', () => {
  let c: Awaited<ReturnType<typeof countingCore>>;
  beforeAll(async () => {
    c = await countingCore('postgres');
  });
  afterAll(async () => c?.close());

  it('an account made by another transaction meanwhile aborts the one statement; the transaction path grants it, counts exact', async () => {
    const { services, config } = c.core;
    const tenant = await services.tenants.getByDomain('localhost');
    const app = await services.apps.create(tenant.id, { displayName: 'Raced' });
    const ent = (await services.entitlements.create(tenant.id, app.id, { displayName: 'E' })).appEntitlement;
    const u = (await services.users.create(tenant.id, { email: 'raced@example.com', displayName: 'Raced' })).id;
    const v = (await services.users.create(tenant.id, { email: 'other@example.com', displayName: 'Other' })).id;
    const other = new pg.Client({ connectionString: config.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(
        `insert into app_users (tenant_id, id, app_id, identity_user_id, email) values ($1, 'made-meanwhile', $2, $3, 'raced@example.com')`,
        [tenant.id, app.id, u],
      );
      const before = c.count();
      const granting = services.grants.addManualUsers(tenant.id, app.id, ent.id, [u, v]);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('commit');
      expect(await granting).toEqual({ failedUsersErrorMap: {} });
      // The one statement, then the transaction (users, BEGIN, app, entitlement, accounts, grants, COMMIT).
      expect(c.count() - before).toBeGreaterThan(1);
    } finally {
      await other.end();
    }
    const db = c.core.database.db;
    const held = (await db.execute(sql`select app_user_id from grants where app_entitlement_id = ${ent.id}`)) as unknown as {
      rows: { app_user_id: string }[];
    };
    expect(held.rows.map((r) => r.app_user_id)).toContain('made-meanwhile');
    expect(held.rows).toHaveLength(2);
    const acc = (await db.execute(sql`select grant_count::int as n from app_users where id = 'made-meanwhile'`)) as unknown as {
      rows: { n: number }[];
    };
    expect(acc.rows[0].n).toBe(1);
    expect((await services.entitlements.get(tenant.id, app.id, ent.id)).appEntitlement.grantCount).toBe('2');
    expect((await services.apps.get(tenant.id, app.id)).userCount).toBe('2');
  });
});

describe.each(backends)('counts under concurrent grants and revokes on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('200 parallel grants and revokes of one entitlement leave every count equal to the grants', async () => {
    const t = await s.caller();
    const { app, ent, base } = await world(t);
    const users = [];
    for (let i = 0; i < 20; i++) users.push(await t.user());
    await grant(
      t,
      app.id,
      ent.id,
      users.map((u) => u.id),
    );
    const accounts = await Promise.all(users.map(async (u) => (await appUserOf(t, app.id, u.id))!.id));
    const calls: Promise<{ status: number; body: unknown }>[] = [];
    for (let i = 0; i < 200; i++) {
      const k = (i * 7) % users.length;
      calls.push(
        i % 2 === 0
          ? t.del(`${base}/remove-membership`, { appUserId: accounts[k] })
          : t.post(`${base}/add-manual-user`, { userIds: [users[k].id, users[(k + 3) % users.length].id] }),
      );
    }
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.status !== 200).map((r) => JSON.stringify(r.body))).toEqual([]);
    await expectExactCounts(s, t.tenant.id, app.id);
    const held = await scalar(s, sql`select count(*)::int as n from grants where app_id = ${app.id}`);
    const listed = (await t.get(`${base}/users?page_size=100`)).body.list.length;
    expect(listed).toBe(held);
    expect((await t.get(base)).body.appEntitlementView.appEntitlement.grantCount).toBe(String(held));
    expect((await t.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe(String(held));
  });
});
