// A directory sync's statements on users (docs/connectors.md "Directories"): set-based, BATCH rows
// per statement (one JSON parameter), users found by lower(email) through its unique index.
// A directory owns the users it made (origin USER_ORIGIN_DIRECTORY): it sets their name, username,
// status and managers. A user made otherwise (LOCAL) that a directory also has only gains the
// directory in directory_ids.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';

export const DIRECTORY_ORIGIN = 'USER_ORIGIN_DIRECTORY';

export type DirectoryUser = {
  /** Used when the user is new. */
  id: string;
  email: string;
  displayName: string;
  username: string | null;
  status: 'ENABLED' | 'DISABLED';
};

const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

/** Creates or updates the users (distinct emails), adding the directory to each; counts the new and the changed. */
export async function upsertDirectoryUsers(
  db: Db,
  tenantId: string,
  directoryId: string,
  rows: DirectoryUser[],
): Promise<{ created: number; updated: number }> {
  const input = JSON.stringify(
    rows.map((r) => ({ id: r.id, email: r.email, display_name: r.displayName, username: r.username, status: r.status })),
  );
  const res = await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(id text, email text, display_name text, username text, status text))
    insert into users as u (tenant_id, id, email, display_name, username, status, origin, directory_ids)
    select ${tenantId}, i.id, i.email, i.display_name, i.username, i.status, ${DIRECTORY_ORIGIN}, array[${directoryId}]::text[]
    from input i
    on conflict (tenant_id, lower(email)) do update set
      directory_ids = case when ${directoryId} = any(u.directory_ids) then u.directory_ids
        else u.directory_ids || array[${directoryId}]::text[] end,
      display_name = case when u.origin = ${DIRECTORY_ORIGIN} then excluded.display_name else u.display_name end,
      username = case when u.origin = ${DIRECTORY_ORIGIN} then excluded.username else u.username end,
      status = case when u.origin = ${DIRECTORY_ORIGIN} then excluded.status else u.status end,
      updated_at = now()
    -- Only what changes is written (a sync applied again writes nothing).
    where not (${directoryId} = any(u.directory_ids))
      or (u.origin = ${DIRECTORY_ORIGIN}
        and (u.display_name, u.username, u.status) is distinct from (excluded.display_name, excluded.username, excluded.status))
    returning (xmax = 0) as inserted`);
  const out = rowsOf(res);
  const created = out.filter((r) => r.inserted === true).length;
  return { created, updated: out.length - created };
}

/**
 * The users that named this directory and are not among `emails` (this sync's, lower-cased) lose it;
 * a directory's user left in no directory is disabled (never deleted). One statement; answers how
 * many were disabled.
 */
export async function leaveDirectory(db: Db, tenantId: string, directoryId: string, emails: string[]): Promise<number> {
  const res = await db.execute(sql`
    with seen as (select distinct e as email from jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb) as x(e))
    update users u set
      directory_ids = array_remove(u.directory_ids, ${directoryId}),
      status = case when u.origin = ${DIRECTORY_ORIGIN} and cardinality(u.directory_ids) = 1 then 'DISABLED' else u.status end,
      updated_at = now()
    where u.tenant_id = ${tenantId} and ${directoryId} = any(u.directory_ids)
      and not exists (select 1 from seen where seen.email = lower(u.email))
    returning (u.origin = ${DIRECTORY_ORIGIN} and cardinality(u.directory_ids) = 0) as disabled`);
  return rowsOf(res).filter((r) => r.disabled === true).length;
}

/**
 * Sets the manager of each directory user (by email) to the user with the manager's email; a row
 * whose manager is unknown, or the user themself, is skipped. Answers the ids of the users whose
 * managers changed.
 */
export async function setDirectoryManagers(
  db: Db,
  tenantId: string,
  rows: { email: string; managerEmail: string }[],
): Promise<string[]> {
  const input = JSON.stringify(rows.map((r) => ({ email: r.email, manager: r.managerEmail })));
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(email text, manager text)),
    resolved as (
      select u.id, array[m.id]::text[] as manager_ids from input i
      join users u on u.tenant_id = ${tenantId} and lower(u.email) = lower(i.email) and u.origin = ${DIRECTORY_ORIGIN}
      join users m on m.tenant_id = ${tenantId} and lower(m.email) = lower(i.manager)
      where m.id <> u.id)
    update users u set manager_ids = r.manager_ids, updated_at = now()
    from resolved r
    where u.tenant_id = ${tenantId} and u.id = r.id and u.manager_ids is distinct from r.manager_ids
    returning u.id`);
  return rowsOf(res).map((r) => String(r.id));
}
