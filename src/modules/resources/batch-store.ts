// The import's create-or-update of many resources in ONE statement: PGlite
// spends about as long on a statement's round trip as on a small insert, so a
// large file goes one batch, not one row, per statement. The statement is
// atomic: a batch is written entirely or not at all.
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { statisticsRefresher } from '../../db/sync-helpers.ts';

export type BatchRow = {
  /** Used when the row is inserted. */
  id: string;
  displayName: string;
  description: string | null;
  matchBatonId: string | null;
  /** Undefined leaves owners as they are; otherwise they become exactly these users. */
  ownerIds?: string[];
};

export type BatchOutcome = { outcome: 'created' | 'updated' | 'unchanged'; id?: string };

/**
 * Inserts each row, or updates the resource of the type with its matchBatonId when a value differs
 * (display name; description unless `keepDescription`), and syncs owners where given. The rows'
 * matchBatonIds must be distinct. Answers one outcome per row, in order. Every CTE sees the snapshot
 * from before the statement: `cur` holds the resources that already existed (found through the
 * matchBatonId index, never by scanning the type).
 */
export async function upsertBatch(
  db: Db,
  scope: { tenantId: string; appId: string; typeId: string },
  rows: BatchRow[],
  keepDescription: boolean,
): Promise<BatchOutcome[]> {
  const res = await db.execute(upsertBatchQuery(scope, rows, keepDescription));
  type Out = { ord: number; id: string | null; inserted: boolean | null; owner_changes: number };
  return (res as unknown as { rows: Out[] }).rows.map((o) => ({
    id: o.id ?? undefined,
    outcome: o.inserted === true ? 'created' : o.inserted === false || Number(o.owner_changes) > 0 ? 'updated' : 'unchanged',
  }));
}

/** The statement of upsertBatch (exported for EXPLAIN). */
export function upsertBatchQuery(
  scope: { tenantId: string; appId: string; typeId: string },
  rows: BatchRow[],
  keepDescription: boolean,
): SQL {
  const { tenantId: t, appId, typeId } = scope;
  // The rows travel as one JSON parameter: thousands of bound parameters cost more than the work.
  const input = JSON.stringify(
    rows.map((r, ord) => ({
      ord,
      id: r.id,
      display_name: r.displayName,
      description: r.description,
      match_baton_id: r.matchBatonId,
      owners: r.ownerIds ?? null,
    })),
  );
  const changed = keepDescription
    ? sql`r.display_name is distinct from excluded.display_name`
    : sql`(r.display_name is distinct from excluded.display_name or r.description is distinct from excluded.description)`;
  return sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb)
        as x(ord int, id text, display_name text, description text, match_baton_id text, owners text[])),
    -- One lookup per row through the matchBatonId index (LIMIT keeps it a per-row lookup: without
    -- statistics, which PGlite never gathers, the planner would otherwise scan the whole app).
    cur as (
      select r.* from input i cross join lateral (
        select r.id, r.match_baton_id, r.display_name, r.description from app_resources r
        where r.tenant_id = ${t} and r.app_id = ${appId} and r.app_resource_type_id = ${typeId}
          and r.match_baton_id = i.match_baton_id
        limit 1) r
      where i.match_baton_id is not null),
    up as (
      insert into app_resources as r
        (tenant_id, id, app_id, app_resource_type_id, display_name, description, match_baton_id)
      select ${t}, i.id, ${appId}, ${typeId}, i.display_name, i.description, i.match_baton_id
      from input i left join cur c on c.match_baton_id = i.match_baton_id
      -- Rows equal to their resource skip the insert machinery; ON CONFLICT still guards against races.
      where c.id is null or ${keepDescription ? sql`c.display_name is distinct from i.display_name` : sql`(c.display_name is distinct from i.display_name or c.description is distinct from i.description)`}
      order by i.ord
      on conflict (tenant_id, app_id, app_resource_type_id, match_baton_id) where match_baton_id is not null
      do update set
        display_name = excluded.display_name,
        description = ${keepDescription ? sql`r.description` : sql`excluded.description`},
        updated_at = now()
        where ${changed}
      -- xmax is 0 only on a freshly inserted row version.
      returning r.id, (xmax = 0) as inserted),
    -- The resource of each row: the one that existed, else the one inserted under the row's id.
    res as (
      select i.ord, i.owners, coalesce(u.id, c.id) as rid, u.inserted
      from input i
      left join cur c on c.match_baton_id = i.match_baton_id
      left join up u on u.id = coalesce(c.id, i.id)),
    del as (
      delete from app_resource_owners o using res
      where o.tenant_id = ${t} and o.app_resource_id = res.rid and res.owners is not null and o.user_id <> all(res.owners)
        -- Only resources that existed can have owners; the array makes it an index lookup.
        and o.app_resource_id = any(array(select rid from res where owners is not null and inserted is not true))
      returning res.ord),
    ins as (
      insert into app_resource_owners (tenant_id, app_resource_id, user_id)
      select ${t}, res.rid, o.user_id from res cross join lateral unnest(res.owners) as o(user_id)
      where res.rid is not null
      on conflict do nothing
      returning app_resource_id)
    select res.ord, res.rid as id, res.inserted, coalesce(d.n, 0) + coalesce(a.n, 0) as owner_changes
    from res
    left join (select ord, count(*)::int as n from del group by ord) d on d.ord = res.ord
    left join (select app_resource_id, count(*)::int as n from ins group by app_resource_id) a on a.app_resource_id = res.rid
    order by res.ord`;
}

/** Resources of the type with each of these display names: the oldest one's id and how many there are. */
export async function findByNames(
  db: Db,
  scope: { tenantId: string; appId: string; typeId: string },
  names: string[],
): Promise<Map<string, { id: string; n: number }>> {
  const res = await db.execute(sql`
    select display_name, min(id) as id, count(*)::int as n from app_resources
    where tenant_id = ${scope.tenantId} and app_id = ${scope.appId} and app_resource_type_id = ${scope.typeId}
      and display_name in (select jsonb_array_elements_text(${JSON.stringify([...new Set(names)])}::jsonb))
    group by display_name`);
  const rows = (res as unknown as { rows: { display_name: string; id: string; n: number }[] }).rows;
  return new Map(rows.map((r) => [r.display_name, { id: r.id, n: Number(r.n) }]));
}

/**
 * Updates resources found by display name (rows without a matchBatonId): the description unless
 * `keepDescription`, and the owners where given. The ids must be distinct. One outcome per row, in order.
 */
export async function updateMatched(
  db: Db,
  scope: { tenantId: string; appId: string; typeId: string },
  rows: BatchRow[],
  keepDescription: boolean,
): Promise<BatchOutcome[]> {
  const { tenantId: t, appId, typeId } = scope;
  const input = JSON.stringify(rows.map((r, ord) => ({ ord, id: r.id, description: r.description, owners: r.ownerIds ?? null })));
  const res = await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(ord int, id text, description text, owners text[])),
    upd as (
      update app_resources r set description = i.description, updated_at = now()
      from input i
      where r.tenant_id = ${t} and r.app_id = ${appId} and r.app_resource_type_id = ${typeId} and r.id = i.id
        and ${keepDescription ? sql`false` : sql`r.description is distinct from i.description`}
      returning i.ord),
    del as (
      delete from app_resource_owners o using input i
      where o.tenant_id = ${t} and o.app_resource_id = i.id and i.owners is not null and o.user_id <> all(i.owners)
      returning i.ord),
    ins as (
      insert into app_resource_owners (tenant_id, app_resource_id, user_id)
      select ${t}, i.id, o.user_id from input i cross join lateral unnest(i.owners) as o(user_id)
      on conflict do nothing
      returning app_resource_id)
    select i.ord, i.id,
      exists (select 1 from upd where upd.ord = i.ord) or exists (select 1 from del where del.ord = i.ord)
        or exists (select 1 from ins where ins.app_resource_id = i.id) as changed
    from input i order by i.ord`);
  const out = (res as unknown as { rows: { id: string; changed: boolean }[] }).rows;
  return out.map((o) => ({ id: o.id, outcome: o.changed ? 'updated' : 'unchanged' }));
}

/**
 * Refreshes the planner's statistics of app_resources. PGlite runs no autovacuum, so without this a
 * growing table keeps the statistics of when it was small and the planner may look rows up through
 * the app index instead of the matchBatonId index: fine at 1,000 rows, quadratic at 100,000.
 */
export const refreshStats = statisticsRefresher('app_resources');
