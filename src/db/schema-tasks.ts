// Access-request tasks (C1's c1.api.task.v1.Task) and their audit trail. A task keeps its
// policy snapshot (C1's PolicyInstance: the policy, the current step, the steps to come and
// those done) as JSONB in the API's own shape; the columns beside it are what searches filter
// on and what the engine decides by (state, outcome, current approvers). Apps, entitlements
// and users a task names are not foreign keys: a task is a record that outlives them.
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, foreignKey, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { created, ts, updated } from './columns.ts';
import { tenants } from './schema.ts';

export type StoredPolicyInstance = {
  policy?: object;
  current?: Record<string, unknown>;
  next: Record<string, unknown>[];
  history: Record<string, unknown>[];
};

export const tasks = pgTable(
  'tasks',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    /** Per tenant, increasing (task_counters hands them out). */
    numericId: bigint('numeric_id', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    state: text('state').notNull(),
    /** GRANT_OUTCOME_* or REVOKE_OUTCOME_*, once closed. */
    outcome: text('outcome'),
    outcomeAt: ts('outcome_at'),
    appId: text('app_id').notNull(),
    appEntitlementId: text('app_entitlement_id').notNull(),
    identityUserId: text('identity_user_id').notNull(),
    appUserId: text('app_user_id'),
    createdByUserId: text('created_by_user_id'),
    displayName: text('display_name').notNull(),
    description: text('description'),
    origin: text('origin').notNull(),
    emergencyAccess: boolean('emergency_access').notNull().default(false),
    grantDurationSeconds: bigint('grant_duration_seconds', { mode: 'number' }),
    requestData: jsonb('request_data').$type<Record<string, unknown>>(),
    policy: jsonb('policy').$type<StoredPolicyInstance>().notNull(),
    /** The current approval step's approvers, or a manual provision step's provisioners (else empty). */
    stepApproverIds: text('step_approver_ids').array().notNull().default(sql`'{}'::text[]`),
    /** C1's TaskGrantSource / TaskRevokeSource (e.g. {"expired": {...}} for a time revoke). */
    source: jsonb('source').$type<Record<string, unknown>>(),
    /** When the background worker must look at the task next (a wait ends or times out, an escalation is due). */
    dueAt: ts('due_at'),
    /** A worker's claim: set when it takes the task, cleared when its step change commits; an expired one is retaken. */
    leaseUntil: ts('lease_until'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('tasks_numeric_uq').on(t.tenantId, t.numericId),
    index('tasks_subject_idx').on(t.tenantId, t.identityUserId),
    index('tasks_entitlement_idx').on(t.tenantId, t.appEntitlementId),
    index('tasks_approvers_idx').using('gin', t.stepApproverIds),
    // The worker's queue: open tasks with a due time (no tenant first: the worker serves every tenant).
    index('tasks_due_idx').on(t.dueAt).where(sql`${t.state} = 'TASK_STATE_OPEN' and ${t.dueAt} is not null`),
    check('tasks_kind_ck', sql`${t.kind} in ('grant', 'revoke')`),
    check('tasks_state_ck', sql`${t.state} in ('TASK_STATE_OPEN', 'TASK_STATE_CLOSED')`),
    // A closed task has its outcome; an open one has none.
    check('tasks_outcome_ck', sql`(${t.state} = 'TASK_STATE_CLOSED') = (${t.outcome} is not null)`),
    check('tasks_duration_ck', sql`${t.grantDurationSeconds} is null or ${t.grantDurationSeconds} > 0`),
  ],
);

/** The last numeric id handed out in each tenant. */
export const taskCounters = pgTable('task_counters', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  last: bigint('last', { mode: 'number' }).notNull(),
});

/** C1's TaskAuditView entries: one per change of a task, written in the change's transaction. */
export const taskAudits = pgTable(
  'task_audits',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    /** Order of writing (KSUIDs order by second only). */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    taskId: text('task_id').notNull(),
    userId: text('user_id'),
    /** The task's state after the change. */
    state: text('state').notNull(),
    /** The event: one TaskAuditView field and its value, e.g. {"comment": {...}}. */
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    createdAt: created(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('task_audits_task_idx').on(t.tenantId, t.taskId, t.seq),
    foreignKey({
      name: 'task_audits_task_fk',
      columns: [t.tenantId, t.taskId],
      foreignColumns: [tasks.tenantId, tasks.id],
    }),
  ],
);
