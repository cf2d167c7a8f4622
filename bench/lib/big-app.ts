// The big app's grants, and its deletion: the bench app (with its million resources) gets
// 1,000 entitlements and 100,000 accounts holding 100,000 grants of one of them, through
// SQL. Listing that entitlement's users is a load scenario; deleting the whole app, timed
// and with its statements counted, is the last phase.
import { sql } from 'drizzle-orm';
import type { Core } from '../../src/core.ts';
import { type Backend, ksuidBatches, openSeeder, type Progress, seedUsers } from './seed.ts';

export type BigGrants = { entitlementId: string; entitlements: number; grants: number };
export type DeleteAppResult = {
  resources: number;
  entitlements: number;
  grants: number;
  seconds: number;
  statements: number;
  historyKept: number;
};

const BATCH = 10_000;

/** `n` time-ordered ids (ksuids), older than anything the server makes during the run. */
function ids(n: number, daysAgo: number): string[] {
  const out: string[] = [];
  for (const b of ksuidBatches(n, Math.floor(Date.now() / 1000) - daysAgo * 86400, BATCH)) out.push(...b);
  return out;
}

/** Comma-joined ids as one text parameter, unnested on the database side (fewer parameters, one round trip). */
const arr = (xs: string[]) => sql`string_to_array(${xs.join(',')}, ',')`;

export async function seedBigGrants(
  core: Core,
  target: { tenantId: string; appId: string; resourceIds: string[]; typeId: string },
  want: { entitlements: number; grants: number },
  progress: Progress,
): Promise<BigGrants> {
  const db = core.database.db;
  const { tenantId: t, appId } = target;
  const t0 = Date.now();
  const entIds = ids(want.entitlements, 35);
  // One entitlement per resource while there are resources to go round, then the app's own.
  const withResource = Math.min(entIds.length, target.resourceIds.length);
  await db.execute(sql`
    insert into app_entitlements (tenant_id, id, app_id, app_resource_type_id, app_resource_id, display_name, slug)
    select ${t}, e.id, ${appId}, case when e.r is null then null else ${target.typeId} end, e.r,
      'Bench entitlement ' || e.n, 'bench-' || e.n
    from unnest(${arr(entIds)}, ${arr(target.resourceIds.slice(0, withResource))}) with ordinality as e(id, r, n)`);
  const hot = entIds[0];
  progress(
    `  ${want.entitlements.toLocaleString('en-US')} entitlements; ${want.grants.toLocaleString('en-US')} users, accounts and grants of one ...`,
  );
  const users = await seedUsers(core, t, want.grants, 'bench-holder');
  const accounts = ids(want.grants, 34);
  const grantIds = ids(want.grants, 33);
  const historyIds = ids(want.grants, 32);
  for (let i = 0; i < want.grants; i += BATCH) {
    const u = users.slice(i, i + BATCH);
    const a = accounts.slice(i, i + BATCH);
    await db.execute(sql`
      insert into app_users (tenant_id, id, app_id, identity_user_id, display_name, email, grant_count)
      select ${t}, x.a, ${appId}, x.u, u.display_name, u.email, 1
      from unnest(${arr(a)}, ${arr(u)}) as x(a, u) join users u on u.tenant_id = ${t} and u.id = x.u`);
    await db.execute(sql`
      with g as (
        insert into grants (tenant_id, id, app_id, app_entitlement_id, app_user_id, identity_user_id)
        select ${t}, x.g, ${appId}, ${hot}, x.a, x.u from unnest(${arr(grantIds.slice(i, i + BATCH))}, ${arr(a)}, ${arr(u)}) as x(g, a, u)
        returning id, app_user_id, identity_user_id, created_at)
      insert into grant_history (tenant_id, id, grant_id, app_id, app_entitlement_id, app_user_id, identity_user_id, granted_at)
      select ${t}, h.h, g.id, ${appId}, ${hot}, g.app_user_id, g.identity_user_id, g.created_at
      from g join unnest(${arr(grantIds.slice(i, i + BATCH))}, ${arr(historyIds.slice(i, i + BATCH))}) as h(g, h) on h.g = g.id`);
  }
  await db.execute(
    sql`insert into grant_count_slots (tenant_id, app_entitlement_id, slot, grants) values (${t}, ${hot}, 0, ${want.grants})`,
  );
  await db.execute(sql`insert into user_count_slots (tenant_id, app_id, slot, users) values (${t}, ${appId}, 0, ${want.grants})`);
  for (const table of ['app_entitlements', 'app_users', 'grants', 'grant_history', 'users']) {
    await db.execute(sql.raw(`vacuum analyze ${table}`));
  }
  progress(`  grants seeded (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { entitlementId: hot, entitlements: want.entitlements, grants: want.grants };
}

/**
 * Deletes the bench app through the service the route calls (the route's request timeout would cut a
 * slow delete short), counting the statements it sends.
 */
export async function benchDeleteApp(b: Backend, appId: string, progress: Progress): Promise<DeleteAppResult> {
  let statements = 0;
  let counting = false;
  const s = await openSeeder(b, 'localhost', () => {
    if (counting) statements++;
  });
  try {
    const db = s.core.database.db;
    const count = async (q: ReturnType<typeof sql>) =>
      Number(((await db.execute(q)) as unknown as { rows: { n: number }[] }).rows[0].n);
    const resources = await count(sql`select count(*)::int as n from app_resources where app_id = ${appId}`);
    const entitlements = await count(sql`select count(*)::int as n from app_entitlements where app_id = ${appId}`);
    const grants = await count(sql`select count(*)::int as n from grants where app_id = ${appId}`);
    progress(
      `Deleting the bench app (${resources.toLocaleString('en-US')} resources, ${entitlements.toLocaleString('en-US')} entitlements, ${grants.toLocaleString('en-US')} grants) ...`,
    );
    const tenantId = (await s.core.services.tenants.getByDomain('localhost')).id;
    counting = true;
    const t0 = performance.now();
    await s.core.services.apps.delete(tenantId, appId);
    const seconds = (performance.now() - t0) / 1000;
    counting = false;
    const historyKept = await count(
      sql`select count(*)::int as n from grant_history where app_id = ${appId} and revoke_reason = 'deleted'`,
    );
    return { resources, entitlements, grants, seconds: Math.round(seconds * 100) / 100, statements, historyKept };
  } finally {
    await s.close();
  }
}
