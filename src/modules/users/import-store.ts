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
  /** Managers' emails, in order (to tell whether they change); undefined when the row names none. */
  managerEmails?: string[];
  /** The managers' ids when all are known already; undefined keeps the stored ones (see setManagers). */
  managerIds?: string[];
};

export type BatchOutcome = 'created' | 'updated' | 'unchanged';
export type BatchResult = { outcome: BatchOutcome; id: string };

const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

/**
 * Inserts each row's user, or updates the user with its email (any case) where a value differs;
 * a row whose manager emails differ from the stored managers' counts as updated (its managers are
 * written here when their ids are given, else later by setManagers). The emails must be distinct. One outcome, and the user's id, per row.
 */
export async function upsertUsers(db: Db, tenantId: string, rows: BatchUser[]): Promise<BatchResult[]> {
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
      manager_ids: r.managerIds ?? null,
    })),
  );
  const t = tenantId;
  const res = await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(ord int, id text, email text, display_name text,
        username text, department text, job_title text, employment_status text, employment_type text,
        role_ids text[], managers text[], manager_ids text[])),
    -- The stored user of each row (LIMIT keeps it an index lookup), with its managers' emails when the row names managers.
    cur as (
      select i.ord, c.* from input i cross join lateral (
        select c.id, c.email, c.display_name, c.username, c.department, c.job_title, c.employment_status,
          c.employment_type, c.role_ids, c.manager_ids,
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
        coalesce(i.manager_ids, c.manager_ids, '{}'::text[]) as manager_ids,
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
        employment_status, employment_type, role_ids, manager_ids)
      select ${t}, m.id, m.email, m.display_name, m.username, m.department, m.job_title, m.employment_status,
        m.employment_type, m.role_ids, m.manager_ids
      from todo m order by m.ord
      on conflict (tenant_id, lower(email)) do update set
        display_name = excluded.display_name, username = excluded.username, department = excluded.department,
        job_title = excluded.job_title, employment_status = excluded.employment_status,
        employment_type = excluded.employment_type, role_ids = excluded.role_ids,
        manager_ids = excluded.manager_ids, updated_at = now()
      -- xmax is 0 only on a freshly inserted row version.
      returning lower(u.email) as key, (xmax = 0) as inserted)
    select m.ord, m.id, up.inserted from merged m left join up on up.key = lower(m.email) order by m.ord`);
  return rowsOf(res).map((r) => ({
    id: String(r.id),
    outcome: r.inserted === true ? 'created' : r.inserted === false ? 'updated' : 'unchanged',
  }));
}

/** The ids of the tenant's users with these emails, by lower-cased email (absent: no such user). */
export async function idsByEmail(db: Db, tenantId: string, emails: string[]): Promise<Map<string, string>> {
  const res = await db.execute(sql`
    select lower(e.email) as key, u.id from jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb) as e(email)
    cross join lateral (
      select u.id from users u where u.tenant_id = ${tenantId} and lower(u.email) = lower(e.email) limit 1) u`);
  return new Map(rowsOf(res).map((r) => [String(r.key), String(r.id)]));
}

/** Sets each user's managers (the ids must be distinct); answers the ids of the users whose managers changed. */
export async function setManagers(db: Db, tenantId: string, rows: { id: string; managerIds: string[] }[]): Promise<string[]> {
  const input = JSON.stringify(rows.map((r) => ({ id: r.id, manager_ids: r.managerIds })));
  const res = await db.execute(sql`
    with input as (select * from jsonb_to_recordset(${input}::jsonb) as x(id text, manager_ids text[]))
    update users u set manager_ids = i.manager_ids, updated_at = now()
    from input i
    where u.tenant_id = ${tenantId} and u.id = i.id and u.manager_ids is distinct from i.manager_ids
    returning u.id`);
  return rowsOf(res).map((r) => String(r.id));
}
