import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { users } from '../../db/schema.ts';
import { inIds, matchesQuery, notInIds, selectByIds, selectOne, selectPage } from '../../db/sql-helpers.ts';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

export type UserFilter = {
  query?: string;
  email?: string;
  ids?: string[];
  excludeIds?: string[];
  statuses?: string[];
  /** Users with any of these managers. */
  managerIds?: string[];
  departments?: string[];
  jobTitles?: string[];
  /** Users who are (true) or are not (false) some user's delegate. */
  isDelegate?: boolean;
  /** Users whose delegate is one of these. */
  delegatedUserIds?: string[];
  /** Users who have (true) or have no (false) delegate. */
  hasDelegate?: boolean;
  origins?: string[];
  excludeOrigins?: string[];
};

/** Whether the user is the delegate of some user of the same tenant. */
function delegateOfSomeone(isDelegate: boolean | undefined) {
  if (isDelegate === undefined) return undefined;
  const q = sql`exists (select 1 from users as d where d.tenant_id = ${users.tenantId} and d.delegated_user_id = ${users.id})`;
  return isDelegate ? q : sql`not ${q}`;
}

export async function insertUser(db: Db, row: NewUserRow): Promise<UserRow> {
  const [out] = await db.insert(users).values(row).returning();
  return out;
}

export async function updateUser(db: Db, tenantId: string, id: string, set: Partial<NewUserRow>): Promise<UserRow> {
  const [out] = await db
    .update(users)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(users.tenantId, tenantId), eq(users.id, id)))
    .returning();
  return out;
}

/** The user; with `lock`, held FOR UPDATE until the transaction ends. */
export function getUser(db: Db, tenantId: string, id: string, lock = false): Promise<UserRow | undefined> {
  return selectOne(db, users, undefined, tenantId, id, lock);
}

export function getUsers(db: Db, tenantId: string, ids: string[]): Promise<UserRow[]> {
  return selectByIds(db, users, undefined, tenantId, ids);
}

export async function getUserByEmail(db: Db, tenantId: string, email: string, lock = false): Promise<UserRow | undefined> {
  const q = db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), sql`lower(${users.email}) = lower(${email})`));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

export async function listUsers(
  db: Db,
  tenantId: string,
  filter: UserFilter,
  page: { size: number; after?: string },
): Promise<UserRow[]> {
  return selectPage(
    db,
    users,
    undefined,
    tenantId,
    page,
    matchesQuery(filter.query, [users.email, users.displayName, users.username]),
    filter.email ? sql`lower(${users.email}) = lower(${filter.email})` : undefined,
    inIds(users.id, filter.ids),
    notInIds(users.id, filter.excludeIds),
    inIds(users.status, filter.statuses),
    filter.managerIds?.length
      ? sql`${users.managerIds} && array[${sql.join(
          filter.managerIds.map((id) => sql`${id}`),
          sql`, `,
        )}]::text[]`
      : undefined,
    inIds(users.department, filter.departments),
    inIds(users.jobTitle, filter.jobTitles),
    delegateOfSomeone(filter.isDelegate),
    inIds(users.delegatedUserId, filter.delegatedUserIds),
    filter.hasDelegate === undefined
      ? undefined
      : filter.hasDelegate
        ? isNotNull(users.delegatedUserId)
        : isNull(users.delegatedUserId),
    inIds(users.origin, filter.origins),
    notInIds(users.origin, filter.excludeOrigins),
  );
}

/** Ids of the tenant's enabled users holding this role (the access-request engine's last-resort approvers). */
export async function enabledIdsWithRole(db: Db, tenantId: string, roleId: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.status, 'ENABLED'), sql`${roleId} = any(${users.roleIds})`))
    .orderBy(users.id);
  return rows.map((r) => r.id);
}
