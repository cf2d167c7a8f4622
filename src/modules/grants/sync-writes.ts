// A connector sync's grants, in ONE statement per batch: new grants are made with their history
// and counts (as grantMany does); a grant the app already had changes only when the sync changes
// it (its sources, its account's user, a deadline it loses: the connector's system is the truth),
// and is otherwise left untouched, so re-applying the same file writes nothing to the grants or
// their history. Each batch also notes the keys it saw in a temporary table of the transaction,
// against which the stale grants are found at the end (revokeStale): an anti-join, instead of
// stamping every grant of the app with each sync's id.
import { sql } from 'drizzle-orm';
import { addToGrantSlots, countSlot } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { recordset, resultRows, type SyncScope } from '../../db/sync-helpers.ts';

/** One grant of the sync: the entitlement, the account, its sources (entitlement ids), ids for a new grant and its history row. */
export type SyncedGrant = { entitlementId: string; appUserId: string; sources: string[]; grantId: string; historyId: string };

/** The transaction's table of the grant keys this sync saw, and whether it made them (dropped at commit or rollback). */
export const SEEN_GRANTS = 'gatehouse_sync_seen_grants';
const seen = sql.identifier(SEEN_GRANTS);
/** The ids of the grants an earlier sync made and this one did not see (unseenGrants), when there are any. */
export const UNSEEN_GRANTS = 'gatehouse_sync_unseen_grants';
const unseenTable = sql.identifier(UNSEEN_GRANTS);

/**
 * Starts a sync's grants: an empty table of seen keys for this transaction, and no nested-loop
 * joins until the counts are written (countSyncedGrants). The batch statements join CTEs of
 * thousands of rows that the planner estimates at a hundred (jsonb_to_recordset); once other apps'
 * data had changed the statistics it chose nested loops over them, and a sync of expanded.c1z
 * went from 2 s to 10 s on the embedded database. Hash joins are right for every batch size.
 */
export async function startSyncedGrants(db: Db): Promise<void> {
  await db.execute(sql`set local enable_nestloop = off`);
  await db.execute(sql`drop table if exists ${seen}`);
  await db.execute(
    sql`create temporary table ${seen} (eid text not null, aid text not null, added boolean not null) on commit drop`,
  );
}

/**
 * Whether the app has grants made by a sync that this one did not see. Every seen key is by now a
 * grant marked as the sync's, so they are exactly the surplus of the app's sync-made grants over
 * the seen keys: two counts first, and only when some exist, their ids.
 */
export async function unseenGrants(db: Db, s: SyncScope): Promise<boolean> {
  const res = await db.execute(sql`
    select (select count(*) from grants g where g.tenant_id = ${s.tenantId} and g.app_id = ${s.appId} and g.sync_id is not null)
      > (select count(*) from ${seen}) as unseen`);
  const unseen = resultRows<{ unseen: boolean }>(res)[0]?.unseen === true;
  if (!unseen) return false;
  // Their ids, by one anti-join (hashed; an index on a million seen keys would not fit the
  // session's temporary buffers), into a table of their own that the revoke reads.
  await db.execute(sql`analyze ${seen}`);
  await db.execute(sql`drop table if exists ${unseenTable}`);
  await db.execute(sql`create temporary table ${unseenTable} (id text primary key) on commit drop`);
  await db.execute(sql`
    insert into ${unseenTable} (id)
    select g.id from grants g
    where g.tenant_id = ${s.tenantId} and g.app_id = ${s.appId} and g.sync_id is not null
      and not exists (select 1 from ${seen} k where k.eid = g.app_entitlement_id and k.aid = g.app_user_id)`);
  await db.execute(sql`analyze ${unseenTable}`);
  return true;
}

/**
 * The counts of the grants the sync made, in ONE statement once all batches are in: per
 * entitlement, per account, and the app's users. Added per batch, the same count rows were
 * rewritten hundreds of times in one transaction, and each rewrite walked all the versions before
 * it (a 1,000,000-grant sync spent most of its time there).
 */
export async function countSyncedGrants(db: Db, s: SyncScope): Promise<void> {
  const t = s.tenantId;
  await db.execute(sql`
    with added as (select eid, aid from ${seen} where added),
    ent as (${addToGrantSlots(sql`
      select ${t}, eid, ${countSlot()}, count(*), 1 from added group by eid order by eid`)}),
    per_acc as (select aid, count(*) as n from added group by aid),
    -- The accounts in id order, as every grant locks them (see writes.ts).
    locked as (
      select a.id from app_users a where a.tenant_id = ${t} and a.id in (select aid from per_acc)
      order by a.id for no key update),
    accs as (
      update app_users a set grant_count = a.grant_count + p.n from per_acc p
      where a.tenant_id = ${t} and a.id = p.aid and a.id in (select id from locked)
      returning a.grant_count, p.n)
    -- Always one row: besides the users it adds, the sync is one change of the app's holders (its
    -- accounts' names, links and statuses, its grants' sources), in the transaction that made them.
    insert into user_count_slots as c (tenant_id, app_id, slot, users, changes)
    select ${t}, ${s.appId}, ${countSlot()}, count(*), 1 from accs where accs.grant_count = accs.n
    on conflict (tenant_id, app_id, slot) do update set users = c.users + excluded.users, changes = c.changes + 1`);
  // Back to the planner's choice (set in startSyncedGrants): revoking a few stale grants wants index lookups.
  await db.execute(sql`reset enable_nestloop`);
}

/**
 * One batch of the sync's grants. Answers how many were new and how many the app had already.
 * Counts are left to countSyncedGrants.
 */
export async function upsertSyncedGrants(
  db: Db,
  s: SyncScope,
  rows: SyncedGrant[],
): Promise<{ added: number; unchanged: number }> {
  const t = s.tenantId;
  const input = recordset(
    rows.map((r) => ({ eid: r.entitlementId, aid: r.appUserId, src: r.sources, gid: r.grantId, hid: r.historyId })),
    { eid: 'text', aid: 'text', src: 'text[]', gid: 'text', hid: 'text' },
  );
  const res = await db.execute(sql`
    with input as (select * from ${input} x),
    -- The accounts' identity users; in id order, as every grant locks them (see writes.ts).
    acc as (
      select a.id, a.identity_user_id from app_users a
      where a.tenant_id = ${t} and a.id = any (array(select aid from input)) order by a.id for no key update),
    up as (
      insert into grants as g (tenant_id, id, app_id, app_entitlement_id, app_user_id, identity_user_id, grant_sources, sync_id)
      select ${t}, i.gid, ${s.appId}, i.eid, i.aid, acc.identity_user_id, coalesce(i.src, '{}'), ${s.syncId}
      from input i join acc on acc.id = i.aid order by i.aid, i.eid
      on conflict (tenant_id, app_entitlement_id, app_user_id) do update set
        sync_id = excluded.sync_id, grant_sources = excluded.grant_sources, identity_user_id = excluded.identity_user_id,
        deprovision_at = null
      where g.sync_id is null or g.deprovision_at is not null
        or (g.grant_sources, g.identity_user_id) is distinct from (excluded.grant_sources, excluded.identity_user_id)
      returning g.id, g.app_entitlement_id, g.app_user_id, g.identity_user_id, g.created_at, (xmax = 0) as inserted),
    new as (select * from up where inserted),
    noted as (
      insert into ${seen} (eid, aid, added)
      select i.eid, i.aid, n.id is not null from input i join acc on acc.id = i.aid
      left join new n on n.app_entitlement_id = i.eid and n.app_user_id = i.aid),
    hist as (
      insert into grant_history (tenant_id, id, grant_id, app_id, app_entitlement_id, app_user_id, identity_user_id, granted_at)
      select ${t}, i.hid, n.id, ${s.appId}, n.app_entitlement_id, n.app_user_id, n.identity_user_id, n.created_at
      from new n join input i on i.gid = n.id)
    select (select count(*) from new)::int as added,
      (select count(*) from input i join acc on acc.id = i.aid)::int - (select count(*) from new)::int as unchanged`);
  const [r] = resultRows<{ added: number; unchanged: number }>(res);
  return { added: Number(r?.added ?? 0), unchanged: Number(r?.unchanged ?? 0) };
}
