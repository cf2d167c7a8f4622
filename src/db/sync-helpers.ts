// What the stores' connector-sync statements share: rows travel as ONE JSON parameter (thousands of
// bound parameters cost more than the work), and a sync is scoped by the app and by the id of the
// sync (connectors/sync.ts) that stamps every row it sees.
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './index.ts';

/** The app a sync writes to, and the id it stamps on the rows it sees (their sync_id). */
export type SyncScope = { tenantId: string; appId: string; syncId: string };

/** `(select * from jsonb_to_recordset(rows) as x(columns))`: the rows of one statement as a relation (give it an alias). */
export function recordset(rows: Record<string, unknown>[], columns: Record<string, string>): SQL {
  const cols = Object.entries(columns)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');
  return sql`(select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(cols)}))`;
}

export const resultRows = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

/** The count a `select count(*)::int as n` statement answers. */
export const countOf = (res: unknown): number => Number(resultRows<{ n: number }>(res)[0]?.n ?? 0);

/** Upserted rows: baton id → Gatehouse id, and how many were new. */
export type Upserted = { ids: Map<string, string>; added: number };

export function toUpserted(res: unknown, key: (r: Record<string, string>) => string = (r) => r.baton): Upserted {
  const ids = new Map<string, string>();
  let added = 0;
  for (const r of resultRows<Record<string, string> & { inserted: boolean }>(res)) {
    ids.set(key(r), r.id);
    if (r.inserted) added++;
  }
  return { ids, added };
}

/**
 * Deletes the app's rows of `table` (aliased `t`) that an earlier sync stamped and this one did not,
 * and `extra` (about `t`) allows; answers how many went.
 */
export async function deleteStale(db: Db, table: string, s: SyncScope, extra?: SQL): Promise<number> {
  const res = await db.execute(sql`
    with gone as (
      delete from ${sql.identifier(table)} t
      where t.tenant_id = ${s.tenantId} and t.app_id = ${s.appId} and t.sync_id <> ${s.syncId}
        ${extra ? sql`and ${extra}` : sql``}
      returning 1)
    select count(*)::int as n from gone`);
  return countOf(res);
}

/**
 * Refreshes the planner's statistics of `table`, counting this transaction's own new rows (ANALYZE
 * samples them). A sync grows tables inside one transaction that no autovacuum can see into, and
 * the foreign-key checks of the next phase are planned once per session: planned for a table that
 * looked empty, the check of each of a million grants read every account of the app (0.6 ms a
 * grant at 7,000 accounts, growing with them). Between phases, this keeps them index lookups.
 */
export function statisticsRefresher(table: string): (db: Db) => Promise<void> {
  return async (db) => {
    await db.execute(sql`analyze ${sql.identifier(table)}`);
  };
}
