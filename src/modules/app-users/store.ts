import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { appUsers } from '../../db/schema.ts';
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

/** Inserts unless the identity already has an account in the app (then undefined). */
export async function insertIfAbsent(db: Db, row: NewAppUserRow): Promise<AppUserRow | undefined> {
  const [out] = await db
    .insert(appUsers)
    .values(row)
    .onConflictDoNothing({ target: [appUsers.tenantId, appUsers.appId, appUsers.identityUserId] })
    .returning();
  return out;
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
  return row;
}

/** Adds `delta` to one account's grant count atomically; the count after, or undefined if it is gone. */
export async function addGrantCount(db: Db, tenantId: string, id: string, delta: number): Promise<number | undefined> {
  const [row] = await db
    .update(appUsers)
    .set({ grantCount: sql`${appUsers.grantCount} + ${delta}` })
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.id, id)))
    .returning({ grantCount: appUsers.grantCount });
  return row?.grantCount;
}

export async function deleteForApp(db: Db, tenantId: string, appId: string): Promise<void> {
  await db.delete(appUsers).where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.appId, appId)));
}

/** Accounts in the app not linked to any identity whose email (or display name) is `value`; at most 2. */
export async function findUnlinked(
  db: Db,
  tenantId: string,
  appId: string,
  by: 'email' | 'displayName',
  value: string,
): Promise<AppUserRow[]> {
  const col = by === 'email' ? appUsers.email : appUsers.displayName;
  return db
    .select()
    .from(appUsers)
    .where(
      and(
        eq(appUsers.tenantId, tenantId),
        eq(appUsers.appId, appId),
        sql`${appUsers.identityUserId} is null`,
        sql`lower(${col}) = lower(${value})`,
      ),
    )
    .orderBy(asc(appUsers.id))
    .limit(2);
}

/** Links an unlinked account to an identity; undefined if someone linked it first. */
export async function linkIdentity(
  db: Db,
  tenantId: string,
  id: string,
  identityUserId: string,
): Promise<AppUserRow | undefined> {
  const [row] = await db
    .update(appUsers)
    .set({ identityUserId, updatedAt: new Date() })
    .where(and(eq(appUsers.tenantId, tenantId), eq(appUsers.id, id), sql`${appUsers.identityUserId} is null`))
    .returning();
  return row;
}
