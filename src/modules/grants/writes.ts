// The set-based writes of grants: each is ONE statement, whatever the number of grants,
// that changes the grants, their history and the counts together (data-modifying CTEs).
// Counts go to the connection's counter slot (db/counts.ts); an account's own grant count
// is a plain column, locked in id order first, so that the app's userCount (accounts
// holding at least one grant) changes exactly when an account's count crosses zero.
import { type SQL, sql } from 'drizzle-orm';
import { addToGrantSlots, countSlot } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { executeNamed } from '../../db/sql-helpers.ts';
import { UNSEEN_GRANTS } from './sync-writes.ts';

type Rows<T> = { rows: T[] };
const rowsOf = <T>(res: unknown): T[] => (res as Rows<T>).rows;

/** One grant to make: the account, its identity, and ids for the grant and its history row. */
export type NewGrant = { appUserId: string; identityUserId: string | null; grantId: string; historyId: string };

/**
 * Grants the entitlement to each account that does not hold it yet, until `until` (null: no end).
 * Answers the accounts that got a new grant, and those whose grant is past its deadline (not yet
 * swept): those keep it, for the caller to end (revokeMany) and grant again.
 */
export async function grantMany(
  db: Db,
  tenantId: string,
  appId: string,
  entitlementId: string,
  grants: NewGrant[],
  until: SQL | Date | null,
): Promise<{ created: string[]; overdue: string[] }> {
  if (grants.length === 0) return { created: [], overdue: [] };
  const input = JSON.stringify(
    grants.map((x) => ({ aid: x.appUserId, uid: x.identityUserId, gid: x.grantId, hid: x.historyId })),
  );
  const deadline = until instanceof Date ? sql`${until.toISOString()}::timestamptz` : (until ?? sql`null::timestamptz`);
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(aid text, uid text, gid text, hid text)),
    ins as (
      insert into grants (tenant_id, id, app_id, app_entitlement_id, app_user_id, identity_user_id, deprovision_at)
      select ${tenantId}, i.gid, ${appId}, ${entitlementId}, i.aid, i.uid, ${deadline} from input i order by i.aid
      on conflict (tenant_id, app_entitlement_id, app_user_id) do nothing
      returning id, app_user_id, identity_user_id, created_at),
    hist as (
      insert into grant_history (tenant_id, id, grant_id, app_id, app_entitlement_id, app_user_id, identity_user_id, granted_at)
      select ${tenantId}, i.hid, ins.id, ${appId}, ${entitlementId}, ins.app_user_id, ins.identity_user_id, ins.created_at
      from ins join input i on i.gid = ins.id),
    ent as (${addToGrantSlots(sql`
      select ${tenantId}, ${entitlementId}, ${countSlot()}, count(*), 1 from ins having count(*) > 0`)}),
    acc as (
      update app_users a set grant_count = a.grant_count + 1
      where a.tenant_id = ${tenantId} and a.id = any (array(select app_user_id from ins))
      returning a.grant_count),
    app as (
      insert into user_count_slots as s (tenant_id, app_id, slot, users)
      select ${tenantId}, ${appId}, ${countSlot()}, count(*) from acc where acc.grant_count = 1 having count(*) > 0
      on conflict (tenant_id, app_id, slot) do update set users = s.users + excluded.users)
    select app_user_id, false as overdue from ins
    union all
    select g.app_user_id, true from grants g
    where g.tenant_id = ${tenantId} and g.app_entitlement_id = ${entitlementId}
      and g.app_user_id = any (array(select aid from input)) and g.deprovision_at <= now()`);
  const rows = rowsOf<{ app_user_id: string; overdue: boolean }>(res);
  return {
    created: rows.filter((r) => !r.overdue).map((r) => r.app_user_id),
    overdue: rows.filter((r) => r.overdue).map((r) => r.app_user_id),
  };
}

export type RevokeFilter = {
  entitlementIds?: string[];
  resourceId?: string;
  appUserIds?: string[];
  onlyOverdue?: boolean;
  /** A connector sync's id: the grants it did not see, and those whose entitlement, resource or account it removes. */
  staleForSync?: string;
  /** With staleForSync: false when every grant an earlier sync made was seen (revokeStale counted), so that none is looked up. */
  unseenGrants?: boolean;
};

/**
 * Grants a sync removes: made by a sync and not among the keys this one saw (sync-writes.ts), or
 * on something it removes.
 */
function staleForSync(tenantId: string, appId: string, syncId: string, unseen: boolean): SQL {
  const notSeen = unseen ? sql`g.id in (select u.id from ${sql.identifier(UNSEEN_GRANTS)} u)` : sql`false`;
  return sql`(${notSeen}
    or g.app_entitlement_id in (select e.id from app_entitlements e
      where e.tenant_id = ${tenantId} and e.app_id = ${appId} and e.sync_id <> ${syncId})
    or g.app_entitlement_id in (select e.id from app_entitlements e join app_resources r
        on r.tenant_id = e.tenant_id and r.id = e.app_resource_id
      where e.tenant_id = ${tenantId} and e.app_id = ${appId} and r.sync_id <> ${syncId})
    or g.app_user_id in (select a.id from app_users a where a.tenant_id = ${tenantId} and a.app_id = ${appId} and a.sync_id <> ${syncId}))`;
}

/**
 * Whether an earlier sync made entitlements, resources or accounts of the app that this one lacks
 * (their grants go with them). With no unseen grant either, a sync removes no grant, and its revoke
 * statement, which reads every grant of the app, is skipped.
 */
export async function staleParentsExist(db: Db, tenantId: string, appId: string, syncId: string): Promise<boolean> {
  const stale = (table: string) =>
    sql`exists (select 1 from ${sql.identifier(table)} t where t.tenant_id = ${tenantId} and t.app_id = ${appId} and t.sync_id <> ${syncId})`;
  const res = await db.execute(
    sql`select (${stale('app_entitlements')} or ${stale('app_resources')} or ${stale('app_users')}) as stale`,
  );
  return rowsOf<{ stale: boolean }>(res)[0]?.stale === true;
}

/**
 * Ends the app's grants that match, at most `limit`: they go, their history records the end
 * (at the deadline, as 'expired', for a grant past it; else now, with `reason`), and the counts
 * drop. Answers how many ended. A grant is removed by exactly one statement (DELETE ... RETURNING),
 * so concurrent revokes and sweeps never count one twice.
 */
export async function revokeMany(
  db: Db,
  tenantId: string,
  appId: string,
  f: RevokeFilter,
  reason: string,
  limit?: number,
): Promise<number> {
  const rows = await revokeWith<{ n: number }>(
    db,
    tenantId,
    appId,
    f,
    reason,
    limit,
    sql`select count(*)::int as n from removed`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** A grant the sweep ended: what the access-request engine records as a time revoke. */
export type EndedGrant = { entitlementId: string; appUserId: string; identityUserId: string; deprovisionAt: Date };

/** revokeMany's statement answering each grant it ended (the sweep's batches). */
export async function revokeManyRows(
  db: Db,
  tenantId: string,
  appId: string,
  f: RevokeFilter,
  reason: string,
  limit?: number,
): Promise<EndedGrant[]> {
  const rows = await revokeWith<{ e: string; a: string; u: string; d: string | Date }>(
    db,
    tenantId,
    appId,
    f,
    reason,
    limit,
    sql`select r.app_entitlement_id as e, r.app_user_id as a, r.identity_user_id as u, r.deprovision_at as d from removed r`,
  );
  return rows.map((r) => ({ entitlementId: r.e, appUserId: r.a, identityUserId: r.u, deprovisionAt: new Date(r.d) }));
}

async function revokeWith<T>(
  db: Db,
  tenantId: string,
  appId: string,
  f: RevokeFilter,
  reason: string,
  limit: number | undefined,
  answer: SQL,
): Promise<T[]> {
  const conds: SQL[] = [sql`g.tenant_id = ${tenantId}`, sql`g.app_id = ${appId}`];
  if (f.entitlementIds)
    conds.push(sql`g.app_entitlement_id in (select jsonb_array_elements_text(${JSON.stringify(f.entitlementIds)}::jsonb))`);
  if (f.resourceId) {
    conds.push(sql`g.app_entitlement_id in (select e.id from app_entitlements e
      where e.tenant_id = ${tenantId} and e.app_id = ${appId} and e.app_resource_id = ${f.resourceId})`);
  }
  if (f.appUserIds) conds.push(sql`g.app_user_id in (select jsonb_array_elements_text(${JSON.stringify(f.appUserIds)}::jsonb))`);
  if (f.staleForSync) conds.push(staleForSync(tenantId, appId, f.staleForSync, f.unseenGrants ?? true));
  if (f.onlyOverdue) conds.push(sql`g.deprovision_at is not null and g.deprovision_at <= now()`);
  let where = sql.join(conds, sql` and `);
  if (limit)
    where = sql`g.tenant_id = ${tenantId} and g.id in (select g.id from grants g where ${where} order by g.id limit ${limit})`;
  const res = await db.execute(sql`
    with
    -- The accounts first, in id order, as grants lock them (AppUsersService.ensureForUsers): a grant
    -- waiting for a row this statement deletes never holds an account this statement waits for.
    locked as (
      select a.id from app_users a
      where a.tenant_id = ${tenantId} and a.id in (select g.app_user_id from grants g where ${where})
      order by a.id for no key update),
    removed as (
      delete from grants g where ${where} and g.app_user_id in (select id from locked)
      returning g.id, g.app_entitlement_id, g.app_user_id, g.identity_user_id, g.deprovision_at,
        (g.deprovision_at is not null and g.deprovision_at <= now()) as overdue),
    hist as (
      update grant_history h
      set revoked_at = case when r.overdue then r.deprovision_at else now() end,
        revoke_reason = case when r.overdue then 'expired' else ${reason} end
      from removed r where h.tenant_id = ${tenantId} and h.grant_id = r.id and h.revoked_at is null),
    ent as (${addToGrantSlots(sql`
      select ${tenantId}, r.app_entitlement_id, ${countSlot()}, -count(*), 1 from removed r
      group by r.app_entitlement_id order by r.app_entitlement_id`)}),
    per_acc as (select app_user_id, count(*) as n from removed group by app_user_id),
    acc as (
      update app_users a set grant_count = a.grant_count - p.n from per_acc p
      where a.tenant_id = ${tenantId} and a.id = p.app_user_id
      returning a.grant_count, p.n),
    app as (
      insert into user_count_slots as s (tenant_id, app_id, slot, users)
      select ${tenantId}, ${appId}, ${countSlot()}, -count(*) from acc
      where acc.grant_count <= 0 and acc.grant_count + acc.n > 0 having count(*) > 0
      on conflict (tenant_id, app_id, slot) do update set users = s.users + excluded.users)
    ${answer}`);
  return rowsOf<T>(res);
}

/** Grants (in force or overdue) of one entitlement, or of every entitlement of a resource. */
export async function countGrants(
  db: Db,
  tenantId: string,
  by: { entitlementId: string } | { resourceId: string },
): Promise<number> {
  const cond =
    'entitlementId' in by
      ? sql`g.app_entitlement_id = ${by.entitlementId}`
      : sql`g.app_entitlement_id in (select e.id from app_entitlements e where e.tenant_id = ${tenantId} and e.app_resource_id = ${by.resourceId})`;
  const res = await db.execute(sql`select count(*)::int as n from grants g where g.tenant_id = ${tenantId} and ${cond}`);
  return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
}

/**
 * Before an app is deleted (its grants go with it, by foreign key): the history of each of its
 * grants records the end, at the deadline as 'expired' for one past it, else now as `reason`.
 */
export async function endHistoryOfApp(db: Db, tenantId: string, appId: string, reason: string): Promise<void> {
  await db.execute(sql`
    update grant_history h
    set revoked_at = case when g.deprovision_at <= now() then g.deprovision_at else now() end,
      revoke_reason = case when g.deprovision_at <= now() then 'expired' else ${reason} end
    from grants g
    where g.tenant_id = ${tenantId} and g.app_id = ${appId}
      and h.tenant_id = g.tenant_id and h.grant_id = g.id and h.revoked_at is null`);
}

/** What grantToUsers did, or why it wrote nothing. */
export type FastGrant =
  | { outcome: 'done'; unknownUserIds: string[] }
  | { outcome: 'no-app' | 'not-manual' | 'no-entitlement' | 'slow' };

/**
 * AddManuallyManagedMembers in ONE statement, so in its own implicit transaction (no BEGIN,
 * no COMMIT, one round trip), its system log event (`events`) included: checks the app (manual)
 * and the entitlement, holding both FOR KEY SHARE as GrantsService's transaction does; takes the
 * users that exist; locks their accounts in id order, makes the missing ones (with grant_count 1:
 * a new account's grant is always new); grants, records history and counts as grantMany does. It writes nothing, and
 * answers 'slow', when the general path is needed: an account to adopt by email or display
 * name, or a grant past its deadline to end first. When another transaction made one of
 * these accounts after this statement's snapshot, gatehouse_retry (migration 0010) aborts it
 * (SQLSTATE 40001), so nothing is half done; the caller then takes the general path too.
 * This statement crosses the accounts' and catalog's tables for the round trips it saves;
 * the general path (GrantsService.grantInTx) goes through their services.
 */
export async function grantToUsers(
  db: Db,
  tenantId: string,
  appId: string,
  entitlementId: string,
  users: { userId: string; accountId: string; grantId: string; historyId: string }[],
  events: (when: SQL) => SQL,
): Promise<FastGrant> {
  const input = JSON.stringify(users.map((u) => ({ uid: u.userId, aid: u.accountId, gid: u.grantId, hid: u.historyId })));
  const t = tenantId;
  const statement = sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(uid text, aid text, gid text, hid text)),
    app as (
      select a.is_manually_managed as manual, a.identity_matching = 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME' as by_name
      from apps a where a.tenant_id = ${t} and a.id = ${appId} for key share),
    ent as (
      select case when e.duration_grant_seconds > 0 then now() + make_interval(secs => e.duration_grant_seconds) end as until
      from app_entitlements e where e.tenant_id = ${t} and e.app_id = ${appId} and e.id = ${entitlementId} for key share),
    usr as (
      select u.id, u.display_name, u.email, u.username, i.aid, i.gid, i.hid from input i
      join users u on u.tenant_id = ${t} and u.id = i.uid),
    -- Each user's account looked up by (tenant, identity user), then locked in id order: LIMIT
    -- and FOR ... in subqueries keep both lookups per user. Left to itself, with the input counted
    -- as 100 rows and an app grown since the last ANALYZE counted as one account, the planner
    -- hashed every account of the tenant for each grant. "app_id = x is true" steers it off the
    -- (tenant, app) index, which reads the app's accounts whole (seen all the same, in the bench,
    -- while app_users had last been analyzed nearly empty: autovacuum's next ANALYZE mends it).
    linked as (
      select l.id, l.identity_user_id
      from (select f.id from usr u cross join lateral (
              select a.id from app_users a
              where a.tenant_id = ${t} and a.identity_user_id = u.id and (a.app_id = ${appId}) is true limit 1) f
            order by f.id) k
      cross join lateral (
        select a.id, a.identity_user_id from app_users a where a.tenant_id = ${t} and a.id = k.id
        for no key update) l),
    -- An unlinked account matching a user's key (app_users_unlinked_*_idx): each key its own test,
    -- so that its index serves it.
    adoptable as (
      select 1 from usr u
      where u.id not in (select identity_user_id from linked)
        and (((select by_name from app) and exists (
              select 1 from app_users c where c.tenant_id = ${t} and c.app_id = ${appId}
                and c.identity_user_id is null and lower(c.display_name) = lower(u.display_name)))
          or ((not (select by_name from app)) and exists (
              select 1 from app_users c where c.tenant_id = ${t} and c.app_id = ${appId}
                and c.identity_user_id is null and lower(c.email) = lower(u.email))))
      limit 1),
    overdue as (
      select 1 from linked l join grants g on g.tenant_id = ${t} and g.app_entitlement_id = ${entitlementId}
        and g.app_user_id = l.id and g.deprovision_at <= now() limit 1),
    go as (
      select ent.until from app, ent
      where app.manual and not exists (select 1 from adoptable) and not exists (select 1 from overdue)),
    made as (
      insert into app_users (tenant_id, id, app_id, identity_user_id, display_name, email, username, app_user_type, status, grant_count)
      select ${t}, u.aid, ${appId}, u.id, u.display_name, u.email, u.username, 'APP_USER_TYPE_USER', 'STATUS_ENABLED', 1
      from usr u where exists (select 1 from go) and u.id not in (select identity_user_id from linked) order by u.id
      on conflict (tenant_id, app_id, identity_user_id) do nothing
      returning id, identity_user_id),
    targets as (
      select id, identity_user_id from linked where exists (select 1 from go)
      union all select id, identity_user_id from made),
    ins as (
      insert into grants (tenant_id, id, app_id, app_entitlement_id, app_user_id, identity_user_id, deprovision_at)
      select ${t}, u.gid, ${appId}, ${entitlementId}, x.id, x.identity_user_id, (select until from go)
      from targets x join usr u on u.id = x.identity_user_id order by x.id
      on conflict (tenant_id, app_entitlement_id, app_user_id) do nothing
      returning id, app_user_id, identity_user_id, created_at),
    hist as (
      insert into grant_history (tenant_id, id, grant_id, app_id, app_entitlement_id, app_user_id, identity_user_id, granted_at)
      select ${t}, u.hid, ins.id, ${appId}, ${entitlementId}, ins.app_user_id, ins.identity_user_id, ins.created_at
      from ins join usr u on u.gid = ins.id),
    entc as (${addToGrantSlots(sql`
      select ${t}, ${entitlementId}, ${countSlot()}, count(*), 1 from ins having count(*) > 0`)}),
    acc as (
      update app_users a set grant_count = a.grant_count + 1
      where a.tenant_id = ${t} and a.id = any (array(select app_user_id from ins where app_user_id in (select id from linked)))
      returning a.grant_count),
    appc as (
      insert into user_count_slots as s (tenant_id, app_id, slot, users)
      select ${t}, ${appId}, ${countSlot()}, count(*)
      from (select 1 from acc where acc.grant_count = 1 union all select 1 from made) n having count(*) > 0
      on conflict (tenant_id, app_id, slot) do update set users = s.users + excluded.users),
    logged as (${events(sql`exists (select 1 from go)`)})
    select (select manual from app) as manual, exists (select 1 from ent) as has_ent, exists (select 1 from go) as go,
      coalesce((select array_agg(uid) from input where uid not in (select id from usr)), '{}') as unknown,
      case when exists (select 1 from go) and (select count(*) from targets) < (select count(*) from usr)
        then gatehouse_retry('an account was made meanwhile') end as retried`;
  // Named: parsing and planning this statement took more of PostgreSQL's time than running it.
  const res = await executeNamed(db, 'gatehouse_grant_to_users', statement);
  const [r] = rowsOf<{ manual: boolean | null; has_ent: boolean; go: boolean; unknown: string[] }>(res);
  if (r.manual === null) return { outcome: 'no-app' };
  if (!r.manual) return { outcome: 'not-manual' };
  if (!r.has_ent) return { outcome: 'no-entitlement' };
  if (!r.go) return { outcome: 'slow' };
  return { outcome: 'done', unknownUserIds: r.unknown };
}
