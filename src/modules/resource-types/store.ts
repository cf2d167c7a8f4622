import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { appResourceTypes } from '../../db/schema.ts';
import { inIds, matchesQuery, notInIds, selectOne, selectPage } from '../../db/sql-helpers.ts';

export type ResourceTypeRow = typeof appResourceTypes.$inferSelect;
export type NewResourceTypeRow = typeof appResourceTypes.$inferInsert;

export type ResourceTypeFilter = {
  appIds?: string[];
  query?: string;
  displayName?: string;
  ids?: string[];
  excludeIds?: string[];
  kinds?: string[];
  excludeKinds?: string[];
};

export async function insertType(db: Db, row: NewResourceTypeRow): Promise<ResourceTypeRow> {
  const [out] = await db.insert(appResourceTypes).values(row).returning();
  return out;
}

/**
 * The type's id as a subquery, NULL unless the type is in the app and `also` holds;
 * locks the type FOR SHARE like getType(..., 'share'). For single-statement inserts.
 */
export function lockedTypeId(tenantId: string, appId: string, id: string, also: SQL): SQL {
  const t = appResourceTypes;
  return sql`(select ${t.id} from ${t} where ${t.tenantId} = ${tenantId} and ${t.id} = ${id} and ${t.appId} = ${appId} and ${also} for share)`;
}

/** `lock`: 'share' keeps the type alive while resources are created under it; 'update' to delete it. */
export async function getType(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  lock?: 'share' | 'update',
): Promise<ResourceTypeRow | undefined> {
  return selectOne(db, appResourceTypes, undefined, tenantId, id, lock, eq(appResourceTypes.appId, appId));
}

export async function updateType(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  set: Partial<NewResourceTypeRow>,
): Promise<ResourceTypeRow | undefined> {
  const [row] = await db
    .update(appResourceTypes)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(appResourceTypes.tenantId, tenantId), eq(appResourceTypes.id, id), eq(appResourceTypes.appId, appId)))
    .returning();
  return row;
}

export async function deleteType(db: Db, tenantId: string, appId: string, id: string): Promise<void> {
  await db
    .delete(appResourceTypes)
    .where(and(eq(appResourceTypes.tenantId, tenantId), eq(appResourceTypes.id, id), eq(appResourceTypes.appId, appId)));
}

/** Resources of the type (for the message when the foreign key refuses its deletion). */
export async function countResources(db: Db, tenantId: string, appId: string, id: string): Promise<number> {
  const res = await db.execute(sql`select count(*)::int as n from app_resources
    where tenant_id = ${tenantId} and app_id = ${appId} and app_resource_type_id = ${id}`);
  return Number((res as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
}

export async function listTypes(
  db: Db,
  tenantId: string,
  filter: ResourceTypeFilter,
  page: { size: number; after?: string },
): Promise<ResourceTypeRow[]> {
  const t = appResourceTypes;
  return selectPage(
    db,
    t,
    undefined,
    tenantId,
    page,
    inIds(t.appId, filter.appIds),
    matchesQuery(filter.query, [t.displayName]),
    filter.displayName ? sql`lower(${t.displayName}) = lower(${filter.displayName})` : undefined,
    inIds(t.id, filter.ids),
    notInIds(t.id, filter.excludeIds),
    inIds(t.resourceType, filter.kinds),
    notInIds(t.resourceType, filter.excludeKinds),
  );
}

/** Ids of the tenant's types of these kinds (for resource searches by trait). */
export async function idsOfKinds(db: Db, tenantId: string, kinds: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: appResourceTypes.id })
    .from(appResourceTypes)
    .where(and(eq(appResourceTypes.tenantId, tenantId), inIds(appResourceTypes.resourceType, kinds)));
  return rows.map((r) => r.id);
}
