// Task rows as C1's Task and TaskAuditView, who may see and act on a task, the CEL variables
// its policy sees, and its expand mask.
import type { Core } from '../../core.ts';
import type { Fill } from '../../http/expand.ts';
import type { Caller } from '../../http/routes.ts';
import { toEntitlement } from '../entitlements/rows.ts';
import type { EntitlementRow } from '../entitlements/service.ts';
import { permissionsOf } from '../roles/authorization.ts';
import type { User } from '../users/schemas.ts';
import type { StepInstance } from './engine.ts';
import type { Task, TaskView } from './schemas.ts';
import type { AuditRow, TaskRow } from './store.ts';

/** Super and Access Request Administrators may act on every task (and service clients with their roles). */
export const actsOnAll = (caller: Caller): boolean => permissionsOf(caller.roleIds).has('tasks:act_any');

/** Everyone an approval step of the task was ever assigned to (reassigned ones included). */
export const pastApprovers = (row: TaskRow): string[] =>
  [...(row.policy.history as StepInstance[]), row.policy.current as StepInstance | undefined].flatMap(
    (h) => h?.approverIds ?? [],
  );

/** Its requester, subject, current and past approvers, and holders of tasks:read. */
export function canRead(row: TaskRow, caller: Caller): boolean {
  if (permissionsOf(caller.roleIds).has('tasks:read')) return true;
  const me = caller.userId;
  if (!me) return false;
  return (
    row.createdByUserId === me || row.identityUserId === me || row.stepApproverIds.includes(me) || pastApprovers(row).includes(me)
  );
}

export const isApprover = (row: TaskRow, caller: Caller): boolean =>
  !!caller.userId && row.stepApproverIds.includes(caller.userId);

/** May cancel: the requester, the subject, or an administrator of requests. */
export const mayClose = (row: TaskRow, caller: Caller): boolean =>
  actsOnAll(caller) || (!!caller.userId && (row.createdByUserId === caller.userId || row.identityUserId === caller.userId));

/** What the caller may do now (C1's Task.actions); `emergencyOk`: the entitlement has an emergency grant policy. */
export function actionsFor(row: TaskRow, caller: Caller, emergencyOk = false): string[] {
  const out = ['TASK_ACTION_TYPE_COMMENT'];
  if (row.state !== 'TASK_STATE_OPEN') return out;
  const current = row.policy.current as StepInstance | undefined;
  const admin = actsOnAll(caller);
  const assignee = isApprover(row, caller);
  if (current?.approval && (assignee || admin)) {
    out.push('TASK_ACTION_TYPE_APPROVE', 'TASK_ACTION_TYPE_DENY');
    if (admin || current.approval.approval?.allowReassignment) out.push('TASK_ACTION_TYPE_REASSIGN');
  }
  if (mayClose(row, caller)) {
    out.push('TASK_ACTION_TYPE_CLOSE', 'TASK_ACTION_TYPE_UPDATE_REQUEST_DATA');
    if (emergencyOk && row.kind === 'grant' && !row.emergencyAccess) out.push('TASK_ACTION_TYPE_ESCALATE_TO_EMERGENCY_ACCESS');
  }
  if (current && (assignee || admin)) out.push('TASK_ACTION_TYPE_RESTART', 'TASK_ACTION_TYPE_PROCESS_NOW');
  if (admin) {
    if (current) out.push('TASK_ACTION_TYPE_SKIP_STEP');
    if (row.policy.policy) out.push('TASK_ACTION_TYPE_HARD_RESET');
  }
  return out;
}

/** PROCESSING while a worker holds the task's lease, WAITING while open otherwise, DONE once closed. */
function processingOf(row: TaskRow): string {
  if (row.state !== 'TASK_STATE_OPEN') return 'TASK_PROCESSING_TYPE_DONE';
  return row.leaseUntil && row.leaseUntil.getTime() > Date.now()
    ? 'TASK_PROCESSING_TYPE_PROCESSING'
    : 'TASK_PROCESSING_TYPE_WAITING';
}

export function toTask(row: TaskRow, caller: Caller, commentCount: number, emergencyOk = false): Task {
  const target = {
    appId: row.appId,
    appEntitlementId: row.appEntitlementId,
    identityUserId: row.identityUserId,
    appUserId: row.appUserId ?? undefined,
    outcome: row.outcome ?? undefined,
    outcomeTime: row.outcomeAt?.toISOString(),
    source: row.source ?? undefined,
  };
  const p = row.policy;
  return {
    id: row.id,
    numericId: String(row.numericId),
    displayName: row.displayName,
    description: row.description ?? undefined,
    state: row.state,
    processing: processingOf(row),
    origin: row.origin,
    emergencyAccess: row.emergencyAccess,
    userId: row.identityUserId,
    createdByUserId: row.createdByUserId ?? undefined,
    stepApproverIds: row.stepApproverIds,
    approverIds: [...new Set(pastApprovers(row))],
    actions: actionsFor(row, caller, emergencyOk),
    commentCount,
    data: row.requestData ?? undefined,
    policy: { policy: p.policy, current: p.current, next: p.next, history: p.history } as Task['policy'],
    type:
      row.kind === 'grant'
        ? {
            grant: {
              ...target,
              grantDuration: row.grantDurationSeconds ? `${row.grantDurationSeconds}s` : undefined,
            },
          }
        : { revoke: target },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toAudit(row: AuditRow) {
  return {
    id: row.id,
    ticketId: row.taskId,
    userId: row.userId ?? undefined,
    created: row.createdAt.toISOString(),
    currentState: row.state,
    eventType: 'TASK_AUDIT_EVENT_TYPE_NEUTRAL',
    source: 'SOURCE_C1',
    ...row.event,
  };
}

/** The CEL variables a task's policy sees (docs/policies.md): every declared field bound. */
export function celVars(
  task: {
    id: string;
    numericId: number;
    displayName: string;
    origin: string;
    emergencyAccess: boolean;
    createdByUserId?: string | null;
    description?: string | null;
    createdAt: Date;
  },
  subject: User,
  managers: User[],
  entitlement: EntitlementRow,
) {
  const e = toEntitlement(entitlement);
  const person = (u: User) => ({
    id: u.id,
    email: u.email ?? '',
    displayName: u.displayName ?? '',
    username: u.username ?? '',
    department: u.department ?? '',
    jobTitle: u.jobTitle ?? '',
    employmentStatus: u.employmentStatus ?? '',
    employmentType: u.employmentType ?? '',
    status: u.status,
    origin: u.origin,
    managerIds: u.managerIds ?? [],
    delegatedUserId: u.delegatedUserId ?? '',
    roleIds: u.roleIds,
    employeeIds: u.employeeIds,
    profile: {},
  });
  return {
    subject: { ...person(subject), managers: managers.map(person) },
    entitlement: {
      id: e.id,
      appId: e.appId,
      appResourceTypeId: e.appResourceTypeId ?? '',
      appResourceId: e.appResourceId ?? '',
      displayName: e.displayName ?? '',
      description: e.description ?? '',
      slug: e.slug ?? '',
      alias: e.alias ?? '',
      purpose: e.purpose ?? '',
      durationGrant: e.durationGrant ?? '',
      emergencyGrantEnabled: e.emergencyGrantEnabled ?? false,
      riskLevelValueId: e.riskLevelValueId ?? '',
      complianceFrameworkValueIds: e.complianceFrameworkValueIds ?? [],
    },
    task: {
      id: task.id,
      numericId: BigInt(task.numericId),
      displayName: task.displayName,
      origin: task.origin,
      isEmergency: task.emergencyAccess,
      requestorId: task.createdByUserId ?? '',
      justification: task.description ?? '',
      createdAt: task.createdAt.toISOString(),
    },
  };
}

/** Fills a task view's paths as the expand mask asks. */
export function fillTask(core: Core, tenantId: string): Fill<TaskView> {
  const { apps, entitlements, users } = core.services;
  const user = (id: string) => () => users.get(tenantId, id);
  return async (view, x) => {
    const t = view.task;
    const target = t.type.grant ?? t.type.revoke;
    if (!target) return;
    if (x.wants('app_id'))
      view.appPath = await x.pathOf('c1.api.app.v1.App', target.appId, () => apps.get(tenantId, target.appId));
    if (x.wants('app_entitlement_id')) {
      view.entitlementsPath = await x.pathOf(
        'c1.api.app.v1.AppEntitlement',
        target.appEntitlementId,
        async () => (await entitlements.get(tenantId, target.appId, target.appEntitlementId)).appEntitlement,
      );
    }
    if (x.wants('identity_user_id')) {
      view.identityUserPath = await x.pathOf('c1.api.user.v1.User', target.identityUserId, user(target.identityUserId));
    }
    if (x.wants('created_by_user_id') && t.createdByUserId) {
      view.createdByUserPath = await x.pathOf('c1.api.user.v1.User', t.createdByUserId, user(t.createdByUserId));
    }
    if (x.wants('step_approver_ids') && t.stepApproverIds.length > 0) {
      // C1 points the path at the first approver; every approver is in `expanded`.
      const paths = [];
      for (const id of t.stepApproverIds) paths.push(await x.pathOf('c1.api.user.v1.User', id, user(id)));
      view.stepApproversPath = paths[0];
    }
  };
}
