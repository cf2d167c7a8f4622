import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { appColumns } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { preparedReadPerDb } from '../../db/prepared-read.ts';
import { appOwners, apps } from '../../db/schema.ts';
import {
  after,
  allOf,
  firstNaming,
  inIds,
  matchesQuery,
  notInIds,
  type RowLock,
  scalarSubquery,
  selectOne,
} from '../../db/sql-helpers.ts';

export type AppRow = typeof apps.$inferSelect & { userCount: number };
export type NewAppRow = typeof apps.$inferInsert;

export type AppFilter = {
  query?: string;
  displayName?: string;
  appIds?: string[];
  excludeAppIds?: string[];
  onlyDirectories?: boolean;
  policyIds?: string[];
};

export async function insertApp(db: Db, row: NewAppRow): Promise<AppRow> {
  const [out] = await db.insert(apps).values(row).returning(appColumns);
  return out;
}

/** A condition, for single-statement writes: the app is in the tenant and manually managed. */
export function isManualApp(tenantId: string, id: string): SQL {
  return sql`exists (select 1 from ${apps} where ${apps.tenantId} = ${tenantId} and ${apps.id} = ${id} and ${apps.isManuallyManaged})`;
}

/** `lock`: true for FOR UPDATE; 'key share' keeps the row from being deleted but lets others update its counts. */
export function getApp(db: Db, tenantId: string, id: string, lock: RowLock = false): Promise<AppRow | undefined> {
  return selectOne(db, apps, appColumns, tenantId, id, lock);
}

const ownerIdsOfApp = sql<string[]>`coalesce(${scalarSubquery(
  sql`select array_agg(${appOwners.userId} order by ${appOwners.createdAt}, ${appOwners.userId})
    from ${appOwners} where ${appOwners.tenantId} = ${apps.tenantId} and ${appOwners.appId} = ${apps.id}`,
)}, '{}')`;

const appWithOwners = { app: appColumns, ownerIds: ownerIdsOfApp };
type AppWithOwners = { app: AppRow; ownerIds: string[] };

/** GET app's one SELECT, tenant and id as placeholders; the bench's bare baseline runs its text too. */
export function selectAppWithOwners(db: Db) {
  return db
    .select(appWithOwners)
    .from(apps)
    .where(and(eq(apps.tenantId, sql.placeholder('tenantId')), eq(apps.id, sql.placeholder('id'))))
    .$dynamic();
}

/** The app and its owner ids in the order they were added; not for use inside a transaction. */
export async function getAppWithOwnerIds(db: Db, tenantId: string, id: string): Promise<AppWithOwners | undefined> {
  const [row] = await appWithOwnersRead(db, { tenantId, id });
  return row;
}

// GET app is the hottest read: one round trip for the row and its owner ids, with
// the SQL built (Drizzle) and planned (PostgreSQL) once per database handle.
const appWithOwnersRead = preparedReadPerDb<AppWithOwners>('gatehouse_app_with_owners', appWithOwners, selectAppWithOwners);

export async function updateApp(db: Db, tenantId: string, id: string, set: Partial<NewAppRow>): Promise<AppRow | undefined> {
  const [row] = await db
    .update(apps)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(apps.tenantId, tenantId), eq(apps.id, id)))
    .returning(appColumns);
  return row;
}

/** Deletes the app; the foreign keys take everything under it (migration 0007). */
export async function deleteApp(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(apps)
    .where(and(eq(apps.tenantId, tenantId), eq(apps.id, id)))
    .returning({ id: apps.id });
  return rows.length > 0;
}

export async function listApps(
  db: Db,
  tenantId: string,
  filter: AppFilter,
  page: { size: number; after?: string },
): Promise<AppRow[]> {
  const policies = filter.policyIds?.length
    ? or(
        inArray(apps.certifyPolicyId, filter.policyIds),
        inArray(apps.grantPolicyId, filter.policyIds),
        inArray(apps.revokePolicyId, filter.policyIds),
      )
    : undefined;
  const where = allOf(
    eq(apps.tenantId, tenantId),
    after(apps.id, page.after),
    matchesQuery(filter.query, [apps.displayName, apps.description]),
    filter.displayName ? sql`lower(${apps.displayName}) = lower(${filter.displayName})` : undefined,
    inIds(apps.id, filter.appIds),
    notInIds(apps.id, filter.excludeAppIds),
    filter.onlyDirectories ? eq(apps.isDirectory, true) : undefined,
    policies,
  );
  return db
    .select(appColumns)
    .from(apps)
    .where(where)
    .orderBy(asc(apps.id))
    .limit(page.size + 1);
}

/** The first app whose policy fields name this policy, and the field. */
export function firstNamingPolicy(db: Db, tenantId: string, policyId: string) {
  return firstNaming(
    db,
    apps,
    tenantId,
    policyId,
    { grantPolicyId: apps.grantPolicyId, revokePolicyId: apps.revokePolicyId, certifyPolicyId: apps.certifyPolicyId },
    { displayName: apps.displayName },
  );
}
