import { and, asc, eq, or, type SQL, sql } from 'drizzle-orm';
import type { PgInsertValue } from 'drizzle-orm/pg-core';
import { resourceColumns } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { appResources } from '../../db/schema.ts';
import {
  after,
  allOf,
  inIds,
  matchesQuery,
  notInIds,
  type RowLock,
  selectByIds,
  selectOne,
  selectPage,
} from '../../db/sql-helpers.ts';
import type { KeySlice, TrigramShares } from './search-key.ts';

export type ResourceRow = typeof appResources.$inferSelect & { grantCount: number };
export type NewResourceRow = typeof appResources.$inferInsert;
const r = appResources;

export type ResourceFilter = {
  appId?: string;
  typeIds?: string[];
  excludeTypeIds?: string[];
  ids?: string[];
  excludeIds?: string[];
  query?: string;
  /** Slices of the query's search key that every match's key contains (see search-key.ts). */
  keySlices?: KeySlice[];
  refs?: { appId?: string; appResourceTypeId?: string; id?: string }[];
  /** A condition on the resource from another module (e.g. owned by some users; see ResourcesService.search). */
  where?: SQL;
};

/** Columns other modules' conditions correlate with. */
export const resourceKey = { tenantId: r.tenantId, id: r.id };

/** `row` may take a column from a subquery (see ResourcesService.create's guarded insert). */
export async function insertResource(db: Db, row: PgInsertValue<typeof r>): Promise<ResourceRow> {
  const [out] = await db.insert(r).values(row).returning(resourceColumns);
  return out;
}

/** The resource if it is in the app (and of the type, when given). */
export async function getResource(
  db: Db,
  tenantId: string,
  appId: string,
  typeId: string | undefined,
  id: string,
  lock: RowLock = false,
): Promise<ResourceRow | undefined> {
  return selectOne(
    db,
    r,
    resourceColumns,
    tenantId,
    id,
    lock,
    eq(r.appId, appId),
    typeId ? eq(r.appResourceTypeId, typeId) : undefined,
  );
}

export function getResources(db: Db, tenantId: string, ids: string[]): Promise<ResourceRow[]> {
  return selectByIds(db, r, resourceColumns, tenantId, ids);
}

/** Updates the resource if it is in the app and of the type; undefined if it is not. */
export async function updateResource(
  db: Db,
  tenantId: string,
  appId: string,
  typeId: string,
  id: string,
  set: Partial<NewResourceRow>,
): Promise<ResourceRow | undefined> {
  const [row] = await db
    .update(r)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(r.tenantId, tenantId), eq(r.id, id), eq(r.appId, appId), eq(r.appResourceTypeId, typeId)))
    .returning(resourceColumns);
  return row;
}

/** Deletes the resource; its owners and entitlements go with it (foreign keys, migration 0007). */
export async function deleteResource(db: Db, tenantId: string, id: string): Promise<void> {
  await db.delete(r).where(and(eq(r.tenantId, tenantId), eq(r.id, id)));
}

export async function listResources(
  db: Db,
  tenantId: string,
  filter: ResourceFilter,
  page: { size: number; after?: string },
): Promise<ResourceRow[]> {
  return selectPage<typeof r, ResourceRow>(
    db,
    r,
    resourceColumns,
    tenantId,
    page,
    ...filterConditions(filter),
    matchesQuery(filter.query, [r.displayName, r.description]),
    ...(filter.query ? (filter.keySlices ?? []).map((k) => keyContains(filter.query ?? '', k)) : []),
  );
}

/**
 * The matches of the filter's query among the next `window` resources of the filter in id
 * order (size + 1 at most), and, when there were that many, the window's last id: a search
 * whose matches are many finds its page here without the trigram index.
 */
export async function probeResources(
  db: Db,
  tenantId: string,
  filter: ResourceFilter,
  page: { size: number; after?: string },
  window: number,
): Promise<{ rows: ResourceRow[]; windowEnd?: string }> {
  const where = allOf(eq(r.tenantId, tenantId), after(r.id, page.after), ...filterConditions(filter));
  const w = db.select(resourceColumns).from(r).where(where).orderBy(asc(r.id)).limit(window).as('w');
  const rows = await db
    .select()
    .from(w)
    .where(matchesQuery(filter.query, [w.displayName, w.description]))
    .orderBy(asc(w.id))
    .limit(page.size + 1);
  if (rows.length > page.size) return { rows };
  const [end] = await db
    .select({ id: r.id })
    .from(r)
    .where(where)
    .orderBy(asc(r.id))
    .offset(window - 1)
    .limit(1);
  return { rows, windowEnd: end?.id };
}

/** The filter's conditions but its query. */
function filterConditions(filter: ResourceFilter): (SQL | undefined)[] {
  return [
    filter.appId ? eq(r.appId, filter.appId) : undefined,
    inIds(r.appResourceTypeId, filter.typeIds),
    notInIds(r.appResourceTypeId, filter.excludeTypeIds),
    inIds(r.id, filter.ids),
    notInIds(r.id, filter.excludeIds),
    filter.refs?.length ? or(...filter.refs.map(refCondition)) : undefined,
    filter.where,
  ];
}

/** The search key contains this slice of the query's key, cut by the database's own gatehouse_search_key. */
function keyContains(query: string, k: KeySlice): SQL {
  return sql`${r.searchKey} like '%' || substr(gatehouse_search_key(${query}), ${k.start}::int, ${k.length}::int) || '%'`;
}

/**
 * The share of resources whose search key has each trigram, from the statistics ANALYZE keeps
 * (migration 0006); undefined before the first ANALYZE.
 */
export async function trigramShares(db: Db): Promise<TrigramShares | undefined> {
  const res = (await db.execute(sql`
    select most_common_elems::text::text[] as trigrams, most_common_elem_freqs as shares
    from pg_stats_ext_exprs
    where schemaname = current_schema() and statistics_name = 'app_resources_search_key_trigrams'`)) as unknown as {
    rows: { trigrams: string[] | null; shares: (number | string)[] | null }[];
  };
  const row = res.rows[0];
  if (!row?.trigrams || !row.shares) return undefined;
  // The shares array ends with three summary figures after one share per trigram.
  return new Map(row.trigrams.map((t, i) => [t, Number(row.shares?.[i])]));
}

function refCondition(ref: { appId?: string; appResourceTypeId?: string; id?: string }): SQL {
  return (
    allOf(
      ref.id ? eq(r.id, ref.id) : undefined,
      ref.appId ? eq(r.appId, ref.appId) : undefined,
      ref.appResourceTypeId ? eq(r.appResourceTypeId, ref.appResourceTypeId) : undefined,
    ) ?? sql`true`
  );
}
