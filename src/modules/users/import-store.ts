// The users import's statements: many rows per statement (a round trip costs PGlite
// about as much as a small insert), users found by lower(email) through its unique
// index. Managers travel as emails and are resolved in SQL, after every row is in.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { BASIC_USER_ROLE_ID } from '../roles/builtin.ts';

export type BatchUser = {
  /** Used when the row is inserted. */
  id: string;
  email: string;
  displayName: string;
  /** Optional fields: undefined keeps the stored value. */
  username?: string;
  department?: string;
  jobTitle?: string;
  employmentStatus?: string;
  employmentType?: string;
  roleIds?: string[];
  /** Managers' emails, in order; undefined keeps the stored managers (set later, see setManagersByEmail). */
  managerEmails?: string[];
};

export type BatchOutcome = 'created' | 'updated' | 'unchanged';

const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

/**
 * Inserts each row's user, or updates the user with its email (any case) where a value differs;
 * a row whose manager emails differ from the stored managers' counts as updated (the managers
 * themselves are written by setManagersByEmail). The emails must be distinct. One outcome per row.
 */
export async function upsertUsers(db: Db, tenantId: string, rows: BatchUser[]): Promise<BatchOutcome[]> {
  const input = JSON.stringify(
    rows.map((r, ord) => ({
      ord,
      id: r.id,
      email: r.email,
      display_name: r.displayName,
      username: r.username ?? null,
      department: r.department ?? null,
      job_title: r.jobTitle ?? null,
      employment_status: r.employmentStatus ?? null,
      employment_type: r.employmentType ?? null,
      role_ids: r.roleIds ?? null,
      managers: r.managerEmails ?? null,
    })),
  );
  const t = tenantId;
  const res = await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(ord int, id text, email text, display_name text,
        username text, department text, job_title text, employment_status text, employment_type text,
        role_ids text[], managers text[])),
    -- The stored user of each row (LIMIT keeps it an index lookup), with its managers' emails when the row names managers.
    cur as (
      select i.ord, c.* from input i cross join lateral (
        select c.id, c.email, c.display_name, c.username, c.department, c.job_title, c.employment_status,
          c.employment_type, c.role_ids,
          case when i.managers is null then null else array(
            select lower(m.email) from unnest(c.manager_ids) with ordinality as x(id, n)
            join users m on m.tenant_id = ${t} and m.id = x.id order by x.n) end as managers
        from users c where c.tenant_id = ${t} and lower(c.email) = lower(i.email) limit 1) c),
    merged as (
      select i.ord, c.id is null as fresh, coalesce(c.id, i.id) as id, coalesce(c.email, i.email) as email,
        i.display_name,
        coalesce(i.username, c.username) as username,
        coalesce(i.department, c.department) as department,
        coalesce(i.job_title, c.job_title) as job_title,
        coalesce(i.employment_status, c.employment_status) as employment_status,
        coalesce(i.employment_type, c.employment_type) as employment_type,
        coalesce(i.role_ids, c.role_ids, array[${BASIC_USER_ROLE_ID}]::text[]) as role_ids,
        c.managers as stored_managers,
        case when i.managers is null then null else array(
          select lower(e) from unnest(i.managers) with ordinality as m(e, n) order by m.n) end as managers,
        c.display_name as c_display_name, c.username as c_username, c.department as c_department,
        c.job_title as c_job_title, c.employment_status as c_employment_status,
        c.employment_type as c_employment_type, c.role_ids as c_role_ids
      from input i left join cur c on c.ord = i.ord),
    todo as (
      select * from merged m
      where m.fresh
        or (m.display_name, m.username, m.department, m.job_title, m.employment_status, m.employment_type, m.role_ids)
          is distinct from
          (m.c_display_name, m.c_username, m.c_department, m.c_job_title, m.c_employment_status, m.c_employment_type, m.c_role_ids)
        or (m.managers is not null and m.managers is distinct from m.stored_managers)),
    up as (
      insert into users as u (tenant_id, id, email, display_name, username, department, job_title,
        employment_status, employment_type, role_ids)
      select ${t}, m.id, m.email, m.display_name, m.username, m.department, m.job_title, m.employment_status,
        m.employment_type, m.role_ids
      from todo m order by m.ord
      on conflict (tenant_id, lower(email)) do update set
        display_name = excluded.display_name, username = excluded.username, department = excluded.department,
        job_title = excluded.job_title, employment_status = excluded.employment_status,
        employment_type = excluded.employment_type, role_ids = excluded.role_ids, updated_at = now()
      -- xmax is 0 only on a freshly inserted row version.
      returning lower(u.email) as key, (xmax = 0) as inserted)
    select m.ord, up.inserted from merged m left join up on up.key = lower(m.email) order by m.ord`);
  return rowsOf(res).map((r) => (r.inserted === true ? 'created' : r.inserted === false ? 'updated' : 'unchanged'));
}

export type ManagerRow = { line: number; email: string; managerEmails: string[] };

/** Each manager email (with its row's line) that names no user of the tenant, in line order. */
export async function unknownManagers(db: Db, tenantId: string, rows: ManagerRow[]): Promise<{ line: number; email: string }[]> {
  const input = JSON.stringify(rows.map((r) => ({ line: r.line, managers: r.managerEmails })));
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(line int, managers text[]))
    select i.line, m.email from input i cross join lateral unnest(i.managers) with ordinality as m(email, n)
    where not exists (select 1 from users u where u.tenant_id = ${tenantId} and lower(u.email) = lower(m.email))
    order by i.line, m.n`);
  return rowsOf(res).map((r) => ({ line: Number(r.line), email: String(r.email) }));
}

/**
 * Sets each row's user's managers to the users with its manager emails, in order (every email
 * must name a user, see unknownManagers; the rows' emails must be distinct). Answers the ids of
 * the users whose managers changed.
 */
export async function setManagersByEmail(db: Db, tenantId: string, rows: ManagerRow[]): Promise<string[]> {
  const input = JSON.stringify(rows.map((r) => ({ email: r.email, managers: r.managerEmails })));
  const t = tenantId;
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(email text, managers text[])),
    target as (
      select (select u.id from users u where u.tenant_id = ${t} and lower(u.email) = lower(i.email) limit 1) as id,
        array(
          select (select m.id from users m where m.tenant_id = ${t} and lower(m.email) = lower(e.email) limit 1)
          from unnest(i.managers) with ordinality as e(email, n) order by e.n) as manager_ids
      from input i)
    update users u set manager_ids = g.manager_ids, updated_at = now() from target g
    where u.tenant_id = ${t} and u.id = g.id and u.manager_ids is distinct from g.manager_ids
    returning u.id`);
  return rowsOf(res).map((r) => String(r.id));
}
