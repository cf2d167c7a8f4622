// A connector sync's grants, in ONE statement per batch: new grants are made with their history
// and counts (as grantMany does), grants the app already had are stamped with the sync's id and
// take the sync's sources (and lose any deadline: the connector's system is the truth); nothing
// else is written for them, so re-applying the same file records no history.
import { sql } from 'drizzle-orm';
import { countSlot } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { recordset, resultRows, type SyncScope } from '../../db/sync-helpers.ts';

/** One grant of the sync: the entitlement, the account, its sources (entitlement ids), ids for a new grant and its history row. */
export type SyncedGrant = { entitlementId: string; appUserId: string; sources: string[]; grantId: string; historyId: string };

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
    -- The accounts in id order, as every grant locks them (see writes.ts).
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
      returning g.id, g.app_entitlement_id, g.app_user_id, g.identity_user_id, g.created_at, (xmax = 0) as inserted),
    new as (select * from up where inserted),
    hist as (
      insert into grant_history (tenant_id, id, grant_id, app_id, app_entitlement_id, app_user_id, identity_user_id, granted_at)
      select ${t}, i.hid, n.id, ${s.appId}, n.app_entitlement_id, n.app_user_id, n.identity_user_id, n.created_at
      from new n join input i on i.gid = n.id),
    ent as (
      insert into grant_count_slots as c (tenant_id, app_entitlement_id, slot, grants)
      select ${t}, n.app_entitlement_id, ${countSlot()}, count(*) from new n
      group by n.app_entitlement_id order by n.app_entitlement_id
      on conflict (tenant_id, app_entitlement_id, slot) do update set grants = c.grants + excluded.grants),
    per_acc as (select app_user_id, count(*) as n from new group by app_user_id),
    accs as (
      update app_users a set grant_count = a.grant_count + p.n from per_acc p
      where a.tenant_id = ${t} and a.id = p.app_user_id
      returning a.grant_count, p.n),
    app as (
      insert into user_count_slots as c (tenant_id, app_id, slot, users)
      select ${t}, ${s.appId}, ${countSlot()}, count(*) from accs where accs.grant_count = accs.n having count(*) > 0
      on conflict (tenant_id, app_id, slot) do update set users = c.users + excluded.users)
    select count(*) filter (where inserted)::int as added, count(*) filter (where not inserted)::int as unchanged from up`);
  const [r] = resultRows<{ added: number; unchanged: number }>(res);
  return { added: Number(r?.added ?? 0), unchanged: Number(r?.unchanged ?? 0) };
}
