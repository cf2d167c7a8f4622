// A connector sync's accounts: upserted by their baton id (`<resource type>:<resource id>`) and
// stamped with the sync's id, linked to identity users by the app's identityMatching, and removed
// when an earlier sync made them and this one lacks them (their grants are revoked first).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { countOf, deleteStale, recordset, type SyncScope, toUpserted, type Upserted } from '../../db/sync-helpers.ts';

export type SyncedAccount = {
  id: string;
  batonId: string;
  displayName: string | null;
  email: string | null;
  username: string | null;
  appUserType: string;
  status: string;
};

export async function upsertSyncedAccounts(db: Db, s: SyncScope, rows: SyncedAccount[]): Promise<Upserted> {
  const input = recordset(
    rows.map((r) => ({
      id: r.id,
      baton: r.batonId,
      name: r.displayName,
      email: r.email,
      username: r.username,
      type: r.appUserType,
      status: r.status,
    })),
    { id: 'text', baton: 'text', name: 'text', email: 'text', username: 'text', type: 'text', status: 'text' },
  );
  const res = await db.execute(sql`
    insert into app_users as a (tenant_id, id, app_id, display_name, email, username, app_user_type, status, match_baton_id, sync_id)
    select ${s.tenantId}, i.id, ${s.appId}, i.name, i.email, i.username, i.type, i.status, i.baton, ${s.syncId}
    from ${input} i order by i.baton
    on conflict (tenant_id, app_id, match_baton_id) where match_baton_id is not null do update set
      sync_id = excluded.sync_id, display_name = excluded.display_name, email = excluded.email, username = excluded.username,
      app_user_type = excluded.app_user_type, status = excluded.status,
      updated_at = case when (a.display_name, a.email, a.username, a.app_user_type, a.status)
          is distinct from (excluded.display_name, excluded.email, excluded.username, excluded.app_user_type, excluded.status)
        then now() else a.updated_at end
    returning a.id, a.match_baton_id as baton, (xmax = 0) as inserted`);
  return toUpserted(res);
}

/**
 * Links the sync's accounts to identity users: by display name, or by email (case-insensitive).
 * An identity user gets at most one account of the app (the oldest id that matches, and never one
 * a hand-made account of the app already has); an account that no longer matches, or that an
 * earlier sync made and this one lacks, is unlinked.
 * Two statements, whatever the number of accounts: the unlinks first, so that a link moving from
 * one account to another never meets itself in the unique index. Answers how many are linked.
 */
export async function linkSyncedAccounts(db: Db, s: SyncScope, byDisplayName: boolean): Promise<number> {
  const key = byDisplayName ? sql.raw('display_name') : sql.raw('email');
  const wanted = sql`
    cand as (
      select a.id as aid, u.id as uid from app_users a
      join users u on u.tenant_id = a.tenant_id and lower(u.${key}) = lower(a.${key})
      where a.tenant_id = ${s.tenantId} and a.app_id = ${s.appId} and a.sync_id = ${s.syncId}
        and not exists (select 1 from app_users m where m.tenant_id = a.tenant_id and m.app_id = a.app_id
          and m.identity_user_id = u.id and m.sync_id is null)),
    per_account as (select distinct on (aid) aid, uid from cand order by aid, uid),
    wanted as (select distinct on (uid) aid, uid from per_account order by uid, aid),
    target as (
      select a.id, w.uid from app_users a left join wanted w on w.aid = a.id
      where a.tenant_id = ${s.tenantId} and a.app_id = ${s.appId} and a.sync_id = ${s.syncId})`;
  // Accounts of earlier syncs that this one lacks are unlinked too: they go at the end of the sync,
  // and their user may now be another account's.
  await db.execute(sql`
    with ${wanted}
    update app_users a set identity_user_id = null, updated_at = now()
    where a.tenant_id = ${s.tenantId} and a.app_id = ${s.appId} and a.identity_user_id is not null
      and (a.sync_id <> ${s.syncId}
        or (a.sync_id = ${s.syncId} and a.identity_user_id is distinct from (select t.uid from target t where t.id = a.id)))`);
  const res = await db.execute(sql`
    with ${wanted},
    linked as (
      update app_users a set identity_user_id = t.uid, updated_at = now() from target t
      where a.tenant_id = ${s.tenantId} and a.id = t.id and t.uid is not null and a.identity_user_id is null
      returning 1)
    select (select count(*)::int from target where uid is not null) as n`);
  return countOf(res);
}

export function removeStaleAccounts(db: Db, s: SyncScope): Promise<number> {
  return deleteStale(db, 'app_users', s);
}
