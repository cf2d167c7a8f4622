import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { appHoldersChanged } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { appUsers } from '../../db/schema-access.ts';
import { inIds, matchesQuery, notInIds, selectPage } from '../../db/sql-helpers.ts';

export type AppUserRow = typeof appUsers.$inferSelect;
export type NewAppUserRow = typeof appUsers.$inferInsert;

export type AppUserFilter = {
  appId?: string;
  query?: string;
  ids?: string[];
  excludeIds?: string[];
  refs?: { appId?: string; id: string }[];
  identityUserIds?: string[];
  types?: string[];
  statuses?: string[];
};

export async function getAppUser(db: Db, tenantId: string, appId: string, id: string): Promise<AppUserRow | undefined> {
  const [row] = await db
    .select()
    .from(appUsers)
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.appId, appId), eq(appUsers.id, id)));
  return row;
}

export async function getByIdentity(
  db: Db,
  tenantId: string,
  appId: string,
  identityUserId: string,
): Promise<AppUserRow | undefined> {
  const [row] = await db
    .select()
    .from(appUsers)
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.appId, appId), eq(appUsers.identityUserId, identityUserId)));
  return row;
}

export async function getAppUsers(db: Db, tenantId: string, ids: string[]): Promise<AppUserRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(appUsers)
    .where(and(eq(appUsers.tenantId, tenantId), inArray(appUsers.id, ids)));
}

export async function listAppUsers(
  db: Db,
  tenantId: string,
  f: AppUserFilter,
  page: { size: number; after?: string },
): Promise<AppUserRow[]> {
  const refs: SQL[] | undefined = f.refs?.map((r) =>
    r.appId ? (and(eq(appUsers.id, r.id), eq(appUsers.appId, r.appId)) as SQL) : eq(appUsers.id, r.id),
  );
  return selectPage(
    db,
    appUsers,
    undefined,
    tenantId,
    page,
    f.appId ? eq(appUsers.appId, f.appId) : undefined,
    matchesQuery(f.query, [appUsers.displayName, appUsers.email, appUsers.username]),
    inIds(appUsers.id, f.ids),
    notInIds(appUsers.id, f.excludeIds),
    refs?.length ? or(...refs) : undefined,
    inIds(appUsers.identityUserId, f.identityUserIds),
    inIds(appUsers.appUserType, f.types),
    inIds(appUsers.status, f.statuses),
  );
}

export async function updateAppUser(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  set: Partial<NewAppUserRow>,
): Promise<AppUserRow | undefined> {
  const [row] = await db
    .update(appUsers)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.appId, appId), eq(appUsers.id, id)))
    .returning();
  if (row) await db.execute(appHoldersChanged(tenantId, appId));
  return row;
}

/** An identity user to give an account: the id of the account if one is made, and the key to adopt by. */
export type AccountFor = {
  userId: string;
  newId: string;
  displayName: string | null;
  email: string | null;
  username: string | null;
};

export type AccountRef = { id: string; identityUserId: string | null };

/**
 * The users' accounts in the app, in one statement for all users: existing ones locked (FOR NO KEY
 * UPDATE, in id order, so that concurrent grants to overlapping users take the locks in one order);
 * for a user without one, the one unlinked account whose email (or display name, `by`) matches,
 * ignoring case, is adopted (a key two unlinked accounts match is ambiguous and adopts neither; an
 * account two users match goes to the first by user id); else a new account is made. A user whose
 * account another transaction made meanwhile is missing from the answer (see lockAccounts).
 */
export async function ensureAccounts(
  db: Db,
  tenantId: string,
  appId: string,
  by: 'email' | 'displayName',
  users: AccountFor[],
): Promise<AccountRef[]> {
  const input = JSON.stringify(
    users.map((u) => ({
      uid: u.userId,
      id: u.newId,
      dn: u.displayName,
      em: u.email,
      un: u.username,
      k: by === 'email' ? u.email : u.displayName,
    })),
  );
  const col = by === 'email' ? sql`c.email` : sql`c.display_name`;
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(uid text, id text, dn text, em text, un text, k text)),
    linked as (
      select a.id, a.identity_user_id from app_users a
      where a.tenant_id = ${tenantId} and a.app_id = ${appId} and a.identity_user_id = any (array(select uid from input))
      order by a.id for no key update),
    single as (
      select i.uid, min(c.id) as cid from input i
      join app_users c on c.tenant_id = ${tenantId} and c.app_id = ${appId} and c.identity_user_id is null
        and lower(${col}) = lower(i.k)
      where i.k is not null and i.uid not in (select identity_user_id from linked)
      group by i.uid having count(*) = 1),
    pick as (select distinct on (cid) cid, uid from single order by cid, uid),
    adopted as (
      update app_users a set identity_user_id = p.uid, updated_at = now() from pick p
      where a.tenant_id = ${tenantId} and a.id = p.cid and a.identity_user_id is null
      returning a.id, a.identity_user_id),
    changed as (${appHoldersChanged(tenantId, appId, sql`exists (select 1 from adopted)`)}),
    made as (
      insert into app_users (tenant_id, id, app_id, identity_user_id, display_name, email, username, app_user_type, status)
      select ${tenantId}, i.id, ${appId}, i.uid, i.dn, i.em, i.un, 'APP_USER_TYPE_USER', 'STATUS_ENABLED' from input i
      where i.uid not in (select identity_user_id from linked) and i.uid not in (select uid from pick)
      order by i.uid
      on conflict (tenant_id, app_id, identity_user_id) do nothing
      returning id, identity_user_id)
    select id, identity_user_id from linked union all select id, identity_user_id from adopted
    union all select id, identity_user_id from made`);
  const rows = (res as unknown as { rows: { id: string; identity_user_id: string | null }[] }).rows;
  return rows.map((r) => ({ id: r.id, identityUserId: r.identity_user_id }));
}

/** The users' existing accounts in the app, locked in id order (FOR NO KEY UPDATE). */
export async function lockAccounts(db: Db, tenantId: string, appId: string, userIds: string[]): Promise<AccountRef[]> {
  return db
    .select({ id: appUsers.id, identityUserId: appUsers.identityUserId })
    .from(appUsers)
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.appId, appId), inArray(appUsers.identityUserId, userIds)))
    .orderBy(asc(appUsers.id))
    .for('no key update');
}
