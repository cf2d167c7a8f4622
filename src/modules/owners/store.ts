// The three owner tables (apps, resources, entitlements) behind one set of statements.
import { type AnyColumn, and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { appEntitlementOwners, appOwners, appResourceOwners } from '../../db/schema.ts';
import { after, allOf } from '../../db/sql-helpers.ts';

export type OwnedKind = 'app' | 'resource' | 'entitlement';

const tables = {
  app: { t: appOwners, owned: appOwners.appId },
  resource: { t: appResourceOwners, owned: appResourceOwners.appResourceId },
  entitlement: { t: appEntitlementOwners, owned: appEntitlementOwners.appEntitlementId },
} as const;

/** Owner user ids of each object, in the order they were added. */
export async function idsOf(db: Db, kind: OwnedKind, tenantId: string, ownedIds: string[]): Promise<Map<string, string[]>> {
  const { t, owned } = tables[kind];
  const out = new Map<string, string[]>(ownedIds.map((id) => [id, []]));
  if (ownedIds.length === 0) return out;
  const rows = await db
    .select({ owned, userId: t.userId })
    .from(t)
    .where(and(eq(t.tenantId, tenantId), inArray(owned, ownedIds)))
    .orderBy(asc(t.createdAt), asc(t.userId));
  for (const r of rows) out.get(r.owned)?.push(r.userId);
  return out;
}

export async function isOwner(db: Db, kind: OwnedKind, tenantId: string, ownedId: string, userId: string): Promise<boolean> {
  const { t, owned } = tables[kind];
  const rows = await db
    .select({ one: sql`1` })
    .from(t)
    .where(and(eq(t.tenantId, tenantId), eq(owned, ownedId), eq(t.userId, userId)))
    .limit(1);
  return rows.length > 0;
}

/** Owner user ids of one object, keyset-paged by user id (size + 1 rows). */
export async function pageIds(
  db: Db,
  kind: OwnedKind,
  tenantId: string,
  ownedId: string,
  page: { size: number; after?: string },
): Promise<string[]> {
  const { t, owned } = tables[kind];
  const rows = await db
    .select({ userId: t.userId })
    .from(t)
    .where(allOf(eq(t.tenantId, tenantId), eq(owned, ownedId), after(t.userId, page.after)))
    .orderBy(asc(t.userId))
    .limit(page.size + 1);
  return rows.map((r) => r.userId);
}

export async function add(db: Db, kind: OwnedKind, tenantId: string, ownedId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const { t } = tables[kind];
  await db
    .insert(t)
    // The three tables differ only in the name of the owned object's column.
    .values(userIds.map((userId) => ({ tenantId, [ownedKey(kind)]: ownedId, userId })) as never)
    .onConflictDoNothing();
}

function ownedKey(kind: OwnedKind): string {
  return kind === 'app' ? 'appId' : kind === 'resource' ? 'appResourceId' : 'appEntitlementId';
}

/** Removes these owners, or all of them when `userIds` is undefined. */
export async function remove(db: Db, kind: OwnedKind, tenantId: string, ownedId: string, userIds?: string[]): Promise<void> {
  const { t, owned } = tables[kind];
  await db.delete(t).where(allOf(eq(t.tenantId, tenantId), eq(owned, ownedId), userIds ? inArray(t.userId, userIds) : undefined));
}

/** SQL true when the object in `ownedId` (of the tenant in `tenantId`) has an owner among these users. */
export function ownedByAny(kind: OwnedKind, tenantId: AnyColumn, ownedId: AnyColumn, userIds: string[]): SQL {
  const { t, owned } = tables[kind];
  return sql`exists (select 1 from ${t} where ${t.tenantId} = ${tenantId} and ${owned} = ${ownedId} and ${inArray(t.userId, userIds)})`;
}
