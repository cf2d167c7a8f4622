// SQL over the manager chains (users.manager_ids): the per-tenant lock that
// serialises manager changes, and the recursive walk that finds cycles.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';

/** The first key of the two-key advisory locks on manager chains (the second is the tenant's hash). */
const MANAGER_LOCK_CLASS = 0x6d677273; // "mgrs"

/**
 * Holds, until the transaction ends, the tenant's lock on manager changes. Why a tenant-wide
 * advisory lock rather than row locks: a cycle can be closed by two writes on different rows
 * (one sets A's manager to B while another sets B's to A); neither sees the other's uncommitted
 * row, and the rows a chain passes through are only known by walking it. Manager changes are
 * rare, so one writer at a time per tenant costs nothing, and the cycle check that follows the
 * lock (a new statement, hence a new snapshot) sees every earlier change committed.
 */
export async function lockManagerChains(db: Db, tenantId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${MANAGER_LOCK_CLASS}::int, hashtext(${tenantId}))`);
}

/**
 * The users among `starts` who are their own manager through the chain (manager_ids followed
 * upwards), i.e. who lie on a cycle. One recursive CTE; UNION (not UNION ALL) keeps each
 * (start, user reached) pair once, so it ends even when it meets a cycle not through the start.
 */
export async function usersOnCycles(db: Db, tenantId: string, starts: string[]): Promise<string[]> {
  if (starts.length === 0) return [];
  // Someone on a cycle manages someone: when many start (an import), the many who manage nobody
  // are left out for the price of one pass over the tenant's users; a few walk up at once.
  const manyStarts =
    starts.length > 100 ? sql`and u.id in (select unnest(r.manager_ids) from users r where r.tenant_id = ${tenantId})` : sql``;
  const res = await db.execute(sql`
    with recursive reach(start, node) as (
      select u.id, m.id from users u cross join lateral unnest(u.manager_ids) as m(id)
      where u.tenant_id = ${tenantId}
        and u.id in (select jsonb_array_elements_text(${JSON.stringify([...new Set(starts)])}::jsonb))
        ${manyStarts}
      union
      select r.start, m.id from reach r
      join users u on u.tenant_id = ${tenantId} and u.id = r.node
      cross join lateral unnest(u.manager_ids) as m(id)
      where r.node <> r.start)
    select distinct start from reach where node = start`);
  return (res as unknown as { rows: { start: string }[] }).rows.map((r) => r.start);
}

export type ChainUser = { id: string; email: string; managerIds: string[] };

/** The user and everyone above them in the manager chain (for describing a cycle found). */
export async function chainAbove(db: Db, tenantId: string, id: string): Promise<ChainUser[]> {
  const res = await db.execute(sql`
    with recursive reach(node) as (
      select ${id}::text
      union
      select m.id from reach r
      join users u on u.tenant_id = ${tenantId} and u.id = r.node
      cross join lateral unnest(u.manager_ids) as m(id))
    select u.id, u.email, u.manager_ids from users u
    where u.tenant_id = ${tenantId} and u.id in (select node from reach)`);
  type Row = { id: string; email: string; manager_ids: string[] };
  return (res as unknown as { rows: Row[] }).rows.map((r) => ({ id: r.id, email: r.email, managerIds: r.manager_ids }));
}
