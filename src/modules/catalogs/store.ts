// SQL of request catalogs, their entries (requestable entitlements), visibility bindings,
// bundle enrollments and app access-request defaults. Every query filters by tenant.
import { type AnyColumn, and, asc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  appAccessRequestDefaults,
  requestCatalogAccess,
  requestCatalogEnrollments,
  requestCatalogEntries,
  requestCatalogs,
} from '../../db/schema-catalogs.ts';
import { type RowLock, selectOne, selectPage } from '../../db/sql-helpers.ts';

export type CatalogRow = typeof requestCatalogs.$inferSelect;
export type NewCatalogRow = typeof requestCatalogs.$inferInsert;
export type DefaultsRow = typeof appAccessRequestDefaults.$inferSelect;
export type Ref = { appId: string; id: string };
/** Which catalogs a caller sees: all (administrators), or the published ones visible to `userId`. */
export type Viewer = { all: true } | { all: false; userId: string; holds: (entitlementId: AnyColumn) => SQL };
export type EntryKind = 'entries' | 'access';

const c = requestCatalogs;
const tableOf = (k: EntryKind) => (k === 'entries' ? requestCatalogEntries : requestCatalogAccess);

/** The catalogs `v` sees, as a condition on request_catalogs. */
export function visibleSql(v: Viewer): SQL | undefined {
  if (v.all) return undefined;
  const a = requestCatalogAccess;
  return sql`(${c.published} and (${c.visibleToEveryone} or exists (select 1 from ${a} where ${a.tenantId} = ${c.tenantId}
    and ${a.catalogId} = ${c.id} and ${v.holds(a.appEntitlementId)})))`;
}

/** Condition on an entitlement id column: it is requestable through a catalog `v` sees. */
export function requestableSql(tenantId: string, v: Viewer, entitlementId: AnyColumn | SQL): SQL {
  const e = requestCatalogEntries;
  const vis = visibleSql(v);
  return sql`exists (select 1 from ${e} join ${c} on ${c.tenantId} = ${e.tenantId} and ${c.id} = ${e.catalogId}
    where ${e.tenantId} = ${tenantId} and ${e.appEntitlementId} = ${entitlementId}${vis ? sql` and ${vis}` : sql``})`;
}

/** Those of `ids` requestable through a catalog `v` sees. */
export async function requestableIds(db: Db, tenantId: string, v: Viewer, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const e = requestCatalogEntries;
  const vis = visibleSql(v);
  const rows = await db
    .selectDistinct({ id: e.appEntitlementId })
    .from(e)
    .innerJoin(c, and(eq(c.tenantId, e.tenantId), eq(c.id, e.catalogId)))
    .where(and(eq(e.tenantId, tenantId), inArray(e.appEntitlementId, ids), vis));
  return new Set(rows.map((r) => r.id));
}

/** The grant policy of the first catalog (by id) `v` sees that holds the entitlement and names one. */
export async function catalogPolicyFor(db: Db, tenantId: string, v: Viewer, entitlementId: string): Promise<string | undefined> {
  const e = requestCatalogEntries;
  const [row] = await db
    .select({ id: c.grantPolicyId })
    .from(e)
    .innerJoin(c, and(eq(c.tenantId, e.tenantId), eq(c.id, e.catalogId)))
    .where(
      and(eq(e.tenantId, tenantId), eq(e.appEntitlementId, entitlementId), sql`${c.grantPolicyId} is not null`, visibleSql(v)),
    )
    .orderBy(asc(c.id))
    .limit(1);
  return row?.id ?? undefined;
}

export async function insertCatalog(db: Db, row: NewCatalogRow): Promise<CatalogRow> {
  const [out] = await db.insert(c).values(row).returning();
  return out;
}

export function getCatalog(db: Db, tenantId: string, id: string, lock: RowLock = false): Promise<CatalogRow | undefined> {
  return selectOne(db, c, undefined, tenantId, id, lock);
}

/** The catalog if `v` sees it. */
export async function getVisible(db: Db, tenantId: string, id: string, v: Viewer): Promise<CatalogRow | undefined> {
  const [row] = await db
    .select()
    .from(c)
    .where(and(eq(c.tenantId, tenantId), eq(c.id, id), visibleSql(v)));
  return row;
}

export function listCatalogs(db: Db, tenantId: string, v: Viewer, page: { size: number; after?: string }): Promise<CatalogRow[]> {
  return selectPage(db, c, undefined, tenantId, page, visibleSql(v));
}

export async function updateCatalog(db: Db, tenantId: string, id: string, set: Partial<NewCatalogRow>) {
  const [row] = await db
    .update(c)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(c.tenantId, tenantId), eq(c.id, id)))
    .returning();
  return row as CatalogRow | undefined;
}

export async function deleteCatalog(db: Db, tenantId: string, id: string): Promise<void> {
  await db.delete(c).where(and(eq(c.tenantId, tenantId), eq(c.id, id)));
}

/** memberCount of each bundle catalog: `count(ids, total)` is the grants module's "holds all of them" count. */
export async function memberCounts(
  db: Db,
  tenantId: string,
  ids: string[],
  count: (ids: SQL, total: SQL) => SQL<number>,
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const e = requestCatalogEntries;
  const entryIds = sql`select ${e.appEntitlementId} from ${e} where ${e.tenantId} = ${c.tenantId} and ${e.catalogId} = ${c.id}`;
  const total = sql`select count(*) from ${e} where ${e.tenantId} = ${c.tenantId} and ${e.catalogId} = ${c.id}`;
  const rows = await db
    .select({ id: c.id, n: count(entryIds, total) })
    .from(c)
    .where(and(eq(c.tenantId, tenantId), inArray(c.id, ids), c.requestBundle));
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/** Adds entitlements (ignoring those already there); one statement. */
export async function addEntries(db: Db, kind: EntryKind, tenantId: string, catalogIds: string[], refs: Ref[]): Promise<void> {
  if (refs.length === 0 || catalogIds.length === 0) return;
  const rows = catalogIds.flatMap((catalogId) =>
    refs.map((r) => ({ tenantId, catalogId, appId: r.appId, appEntitlementId: r.id })),
  );
  await db.insert(tableOf(kind)).values(rows).onConflictDoNothing();
}

/** Removes entitlements; all of them when `ids` is undefined. Answers the ids removed. */
export async function removeEntries(db: Db, kind: EntryKind, tenantId: string, catalogId: string, ids?: string[]) {
  const t = tableOf(kind);
  const rows = await db
    .delete(t)
    .where(and(eq(t.tenantId, tenantId), eq(t.catalogId, catalogId), ids ? inArray(t.appEntitlementId, ids) : undefined))
    .returning({ id: t.appEntitlementId });
  return rows.map((r) => r.id);
}

/** One page of a catalog's entitlement ids, in id order. */
export async function entryIdsPage(
  db: Db,
  kind: EntryKind,
  tenantId: string,
  catalogId: string,
  page: { size: number; after?: string },
) {
  const t = tableOf(kind);
  const rows = await db
    .select({ id: t.appEntitlementId })
    .from(t)
    .where(and(eq(t.tenantId, tenantId), eq(t.catalogId, catalogId), page.after ? gt(t.appEntitlementId, page.after) : undefined))
    .orderBy(asc(t.appEntitlementId))
    .limit(page.size + 1);
  return rows.map((r) => r.id);
}

/** Every entitlement of the catalogs, by catalog. */
export async function entryRefs(db: Db, kind: EntryKind, tenantId: string, catalogIds: string[]): Promise<Map<string, Ref[]>> {
  const out = new Map<string, Ref[]>(catalogIds.map((id) => [id, []]));
  if (catalogIds.length === 0) return out;
  const t = tableOf(kind);
  const rows = await db
    .select({ catalogId: t.catalogId, appId: t.appId, id: t.appEntitlementId })
    .from(t)
    .where(and(eq(t.tenantId, tenantId), inArray(t.catalogId, catalogIds)))
    .orderBy(asc(t.appId), asc(t.appEntitlementId));
  for (const r of rows) out.get(r.catalogId)?.push({ appId: r.appId, id: r.id });
  return out;
}

/** The catalog ids among `ids` that exist in the tenant. */
export async function existingCatalogIds(db: Db, tenantId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: c.id })
    .from(c)
    .where(and(eq(c.tenantId, tenantId), inArray(c.id, ids)));
  return new Set(rows.map((r) => r.id));
}

// Bundle enrollments.
const en = requestCatalogEnrollments;

/** Records the enrollment; false when the user was already enrolled (nothing changes then). */
export async function enroll(db: Db, tenantId: string, catalogId: string, userId: string, requested: string[]) {
  const rows = await db
    .insert(en)
    .values({ tenantId, catalogId, userId, requestedEntitlementIds: requested })
    .onConflictDoNothing()
    .returning({ userId: en.userId });
  return rows.length > 0;
}

/** Removes the enrollment and answers it (undefined when there was none). */
export async function unenroll(db: Db, tenantId: string, catalogId: string, userId: string) {
  const [row] = await db
    .delete(en)
    .where(and(eq(en.tenantId, tenantId), eq(en.catalogId, catalogId), eq(en.userId, userId)))
    .returning();
  return row;
}

/** Everyone enrolled in the catalog, in user id order. */
export async function enrolledUsers(db: Db, tenantId: string, catalogId: string): Promise<string[]> {
  const rows = await db
    .select({ id: en.userId })
    .from(en)
    .where(and(eq(en.tenantId, tenantId), eq(en.catalogId, catalogId)))
    .orderBy(asc(en.userId));
  return rows.map((r) => r.id);
}

/** Adds entitlements to what the user's enrollment asked for (one statement). */
export async function addRequested(db: Db, tenantId: string, catalogId: string, userId: string, ids: string[]) {
  if (ids.length === 0) return;
  await db
    .update(en)
    .set({ requestedEntitlementIds: sql`${en.requestedEntitlementIds} || ${sql.param(ids)}::text[]` })
    .where(and(eq(en.tenantId, tenantId), eq(en.catalogId, catalogId), eq(en.userId, userId)));
}

/** Entitlements of the other bundle catalogs the user is enrolled in: what still justifies their access. */
export async function justifiedElsewhere(db: Db, tenantId: string, userId: string, catalogId: string): Promise<Set<string>> {
  const e = requestCatalogEntries;
  const rows = await db
    .selectDistinct({ id: e.appEntitlementId })
    .from(en)
    .innerJoin(e, and(eq(e.tenantId, en.tenantId), eq(e.catalogId, en.catalogId)))
    .where(and(eq(en.tenantId, tenantId), eq(en.userId, userId), sql`${en.catalogId} <> ${catalogId}`));
  return new Set(rows.map((r) => r.id));
}

// App access-request defaults.
const d = appAccessRequestDefaults;

export async function getDefaults(db: Db, tenantId: string, appId: string): Promise<DefaultsRow | undefined> {
  const [row] = await db
    .select()
    .from(d)
    .where(and(eq(d.tenantId, tenantId), eq(d.appId, appId)));
  return row;
}

export async function putDefaults(db: Db, row: typeof d.$inferInsert): Promise<DefaultsRow> {
  const { tenantId: _t, appId: _a, ...set } = row;
  const [out] = await db
    .insert(d)
    .values(row)
    .onConflictDoUpdate({ target: [d.tenantId, d.appId], set: { ...set, updatedAt: new Date() } })
    .returning();
  return out;
}
