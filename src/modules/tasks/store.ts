// SQL of tasks and their audits. Only the tasks tables: users, grants and policies are
// asked of their services.
import { and, arrayOverlaps, asc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { preparedReadPerDb } from '../../db/prepared-read.ts';
import { taskAudits, taskCounters, tasks } from '../../db/schema-tasks.ts';
import { inIds, matchesQuery, notInIds, selectOne, selectPage } from '../../db/sql-helpers.ts';

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

export type TaskRow = typeof tasks.$inferSelect;
export type NewTaskRow = typeof tasks.$inferInsert;
export type AuditRow = typeof taskAudits.$inferSelect;
export type NewAuditRow = Omit<typeof taskAudits.$inferInsert, 'seq'>;

/** The tenant's next numeric id: one statement, the counter row serializes concurrent creates. */
export async function nextNumericId(db: Db, tenantId: string): Promise<number> {
  const [row] = await db
    .insert(taskCounters)
    .values({ tenantId, last: 1 })
    .onConflictDoUpdate({ target: taskCounters.tenantId, set: { last: sql`${taskCounters.last} + 1` } })
    .returning({ last: taskCounters.last });
  return row.last;
}

export async function insertTask(db: Db, row: NewTaskRow): Promise<TaskRow> {
  const [out] = await db.insert(tasks).values(row).returning();
  return out;
}

/** By KSUID or numeric id; FOR UPDATE when the engine is about to change it. */
export async function getTask(db: Db, tenantId: string, ref: string, lock = false): Promise<TaskRow | undefined> {
  if (/^[0-9]{1,15}$/.test(ref)) {
    const q = db
      .select()
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.numericId, Number(ref))));
    const [row] = lock ? await q.for('update') : await q;
    return row;
  }
  return selectOne<typeof tasks, TaskRow>(db, tasks, undefined, tenantId, ref, lock);
}

export async function updateTask(db: Db, tenantId: string, id: string, set: Partial<NewTaskRow>): Promise<TaskRow> {
  const [out] = await db
    .update(tasks)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)))
    .returning();
  return out;
}

/** Audit entries, in one statement however many. */
export async function insertAudits(db: Db, rows: NewAuditRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(taskAudits).values(rows);
}

export async function commentCounts(db: Db, tenantId: string, taskIds: string[]): Promise<Map<string, number>> {
  if (taskIds.length === 0) return new Map();
  const rows = await db
    .select({ taskId: taskAudits.taskId, n: sql<number>`count(*)::int` })
    .from(taskAudits)
    .where(and(eq(taskAudits.tenantId, tenantId), inArray(taskAudits.taskId, taskIds), sql`${taskAudits.event} ? 'comment'`))
    .groupBy(taskAudits.taskId);
  return new Map(rows.map((r) => [r.taskId, Number(r.n)]));
}

/** A page of a task's audits in the order they were written; the page key is the seq. */
export async function listAudits(
  db: Db,
  tenantId: string,
  taskId: string,
  ids: string[] | undefined,
  page: { size: number; after?: string },
): Promise<AuditRow[]> {
  return db
    .select()
    .from(taskAudits)
    .where(
      and(
        eq(taskAudits.tenantId, tenantId),
        eq(taskAudits.taskId, taskId),
        page.after === undefined ? undefined : gt(taskAudits.seq, Number(page.after)),
        inIds(taskAudits.id, ids),
      ),
    )
    .orderBy(asc(taskAudits.seq))
    .limit(page.size + 1);
}

export type TaskFilter = {
  states?: string[];
  kinds?: string[];
  approverIds?: string[];
  openerIds?: string[];
  subjectIds?: string[];
  entitlementIds?: string[];
  appIds?: string[];
  createdAfter?: Date;
  createdBefore?: Date;
  emergency?: boolean;
  ids?: string[];
  excludeIds?: string[];
  query?: string;
  /** Closed with one of these outcomes (grant and revoke outcomes together). */
  outcomes?: string[];
  outcomeAfter?: Date;
  outcomeBefore?: Date;
  excludeAppIds?: string[];
  /** Only tasks this user requested, is the subject of, approves or approved (views.ts canRead). */
  visibleTo?: string;
};

export function listTasks(db: Db, tenantId: string, f: TaskFilter, page: { size: number; after?: string }): Promise<TaskRow[]> {
  const conds: (SQL | undefined)[] = [
    inIds(tasks.state, f.states),
    inIds(tasks.kind, f.kinds),
    f.approverIds?.length ? arrayOverlaps(tasks.stepApproverIds, f.approverIds) : undefined,
    inIds(tasks.createdByUserId, f.openerIds),
    inIds(tasks.identityUserId, f.subjectIds),
    inIds(tasks.appEntitlementId, f.entitlementIds),
    inIds(tasks.appId, f.appIds),
    f.createdAfter ? gte(tasks.createdAt, f.createdAfter) : undefined,
    f.createdBefore ? lt(tasks.createdAt, f.createdBefore) : undefined,
    f.emergency === undefined ? undefined : eq(tasks.emergencyAccess, f.emergency),
    inIds(tasks.id, f.ids),
    notInIds(tasks.id, f.excludeIds),
    matchesQuery(f.query, [tasks.displayName, tasks.description]),
    inIds(tasks.outcome, f.outcomes),
    f.outcomeAfter ? gte(tasks.outcomeAt, f.outcomeAfter) : undefined,
    f.outcomeBefore ? lt(tasks.outcomeAt, f.outcomeBefore) : undefined,
    notInIds(tasks.appId, f.excludeAppIds),
    f.visibleTo
      ? or(
          eq(tasks.createdByUserId, f.visibleTo),
          eq(tasks.identityUserId, f.visibleTo),
          arrayOverlaps(tasks.stepApproverIds, [f.visibleTo]),
          // Past approvers: a step assigned to them before (engine.ts StepInstance.approverIds).
          sql`${tasks.policy} -> 'history' @> ${JSON.stringify([{ approverIds: [f.visibleTo] }])}::jsonb`,
          sql`${tasks.policy} -> 'current' -> 'approverIds' @> ${JSON.stringify([f.visibleTo])}::jsonb`,
        )
      : undefined,
  ];
  return selectPage<typeof tasks, TaskRow>(db, tasks, undefined, tenantId, page, ...conds);
}

/** Many tasks in one statement (time revokes of a sweep batch). */
export async function insertTasks(db: Db, rows: NewTaskRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(tasks).values(rows);
}

/** `n` consecutive numeric ids of the tenant in one statement; answers the first. */
export async function reserveNumericIds(db: Db, tenantId: string, n: number): Promise<number> {
  const [row] = await db
    .insert(taskCounters)
    .values({ tenantId, last: n })
    .onConflictDoUpdate({ target: taskCounters.tenantId, set: { last: sql`${taskCounters.last} + ${n}` } })
    .returning({ last: taskCounters.last });
  return row.last - n + 1;
}

/**
 * The worker's claim: up to `limit` open tasks due by `before` that no live lease holds, leased
 * for `leaseMs`. SKIP LOCKED: servers sharing the database take different tasks; a lease left by a
 * server that died expires and the task is taken again.
 */
export async function claimDue(db: Db, limit: number, leaseMs: number, before: Date) {
  const res = await db.execute(sql`
    update tasks t set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
    where (t.tenant_id, t.id) in (
      select c.tenant_id, c.id from tasks c
      where c.state = 'TASK_STATE_OPEN' and c.due_at is not null and c.due_at <= ${before.toISOString()}::timestamptz
        and (c.lease_until is null or c.lease_until < now())
      order by c.due_at limit ${limit}
      for update skip locked)
    returning t.tenant_id, t.id`);
  return rowsOf<{ tenant_id: string; id: string }>(res).map((r) => ({ tenantId: r.tenant_id, id: r.id }));
}

/** The open tasks of these users for the entitlement that wait for its manual provisioning. */
const waitingManualSelection = { id: tasks.id };
const waitingManualRead = preparedReadPerDb<{ id: string }>('gatehouse_tasks_waiting_manual', waitingManualSelection, (db) =>
  db
    .select(waitingManualSelection)
    .from(tasks)
    .where(
      and(
        eq(tasks.tenantId, sql.placeholder('tenantId')),
        eq(tasks.state, 'TASK_STATE_OPEN'),
        eq(tasks.appEntitlementId, sql.placeholder('entitlementId')),
        // One statement for any number of users: an array parameter, not a list of them.
        sql`${tasks.identityUserId} = any(${sql.placeholder('userIds')}::text[])`,
        sql`${tasks.policy} -> 'current' -> 'provision' ->> 'state' = 'PROVISION_INSTANCE_STATE_WAITING'`,
      ),
    )
    .orderBy(asc(tasks.id))
    .$dynamic(),
);

/**
 * Read after every add-manual-user (the tasks it may complete): prepared once per database
 * handle, so PostgreSQL neither parses nor plans it each time.
 */
export async function waitingManual(db: Db, tenantId: string, entitlementId: string, userIds: string[]): Promise<string[]> {
  const rows = await waitingManualRead(db, { tenantId, entitlementId, userIds });
  return rows.map((r) => r.id);
}
