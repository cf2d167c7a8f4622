// C1's tasks (c1.api.task.v1): requests as C1's SDKs and `cone` send them, answers as C1's
// TaskView with `expanded`. The policy snapshot reuses the policy module's step schemas.
import { type Static, Type } from '@sinclair/typebox';
import { expandMaskOf } from '../../http/expand.ts';
import {
  Expanded,
  Id,
  IdList,
  IdRefs,
  LooseObject,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
} from '../../http/schemas.ts';
import { Approval, Policy, PolicyStep } from '../policies/schemas.ts';

const opt = Type.Optional;
const Comment = Type.String({ maxLength: 4096 });
/** A proto Duration ("3600s"); `cone` sends "" for none. */
const Duration = Type.String({ maxLength: 32, pattern: '^([0-9]{1,12}(\\.[0-9]{1,9})?s)?$' });
/** An id a client may send as "" for none (`cone get` sends `appUserId: ""` when the user has no account yet). */
const OptionalId = Type.String({ maxLength: 64 });

export const TASK_EXPAND_PATHS = [
  'app_id',
  'app_entitlement_id',
  'identity_user_id',
  'created_by_user_id',
  'step_approver_ids',
] as const;
export const TaskExpandMask = expandMaskOf(...TASK_EXPAND_PATHS);

export const GRANT_OUTCOMES = [
  'GRANT_OUTCOME_GRANTED',
  'GRANT_OUTCOME_DENIED',
  'GRANT_OUTCOME_ERROR',
  'GRANT_OUTCOME_CANCELLED',
  'GRANT_OUTCOME_WAIT_TIMED_OUT',
] as const;
export const REVOKE_OUTCOMES = [
  'REVOKE_OUTCOME_REVOKED',
  'REVOKE_OUTCOME_DENIED',
  'REVOKE_OUTCOME_ERROR',
  'REVOKE_OUTCOME_CANCELLED',
  'REVOKE_OUTCOME_WAIT_TIMED_OUT',
] as const;
export const TASK_STATES = ['TASK_STATE_OPEN', 'TASK_STATE_CLOSED'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const CreateGrantTaskRequest = strictObject({
  appId: Id,
  appEntitlementId: Id,
  identityUserId: opt(OptionalId),
  appUserId: opt(OptionalId),
  description: opt(Comment),
  grantDuration: opt(Duration),
  emergencyAccess: opt(Type.Boolean()),
  requestData: opt(LooseObject),
  source: opt(
    strictObject({
      externalUrl: opt(Type.String({ maxLength: 2048 })),
      integrationId: opt(Type.String({ maxLength: 64 })),
      requestId: opt(Type.String({ maxLength: 256 })),
    }),
  ),
  expandMask: opt(TaskExpandMask),
});
export type CreateGrantTaskRequest = Static<typeof CreateGrantTaskRequest>;

export const CreateRevokeTaskRequest = strictObject({
  appId: Id,
  appEntitlementId: Id,
  identityUserId: opt(OptionalId),
  appUserId: opt(OptionalId),
  description: opt(Comment),
  expandMask: opt(TaskExpandMask),
});
export type CreateRevokeTaskRequest = Static<typeof CreateRevokeTaskRequest>;

/** Approve and deny: the step acted on (`task.policy.current.id`) and an optional reason. */
export const StepActionRequest = strictObject({
  policyStepId: Type.String({ maxLength: 64 }),
  comment: opt(Comment),
  expandMask: opt(TaskExpandMask),
});
export type StepActionRequest = Static<typeof StepActionRequest>;

/** Restart, SkipStep, EscalateToEmergencyAccess: the step acted on (optional; when given, the current one). */
export const OptionalStepRequest = strictObject({
  policyStepId: opt(Type.String({ maxLength: 64 })),
  comment: opt(Comment),
  expandMask: opt(TaskExpandMask),
});
/** C1's newer SDKs' UpdateGrantDuration (not in openapi.yaml). */
// The duration's form is checked by the service (400 naming `duration`), as the other fields are first named by the schema.
export const UpdateGrantDurationRequest = strictObject({
  duration: Type.String({ maxLength: 32 }),
  expandMask: opt(TaskExpandMask),
});
export const ProcessNowRequest = strictObject({ expandMask: opt(TaskExpandMask) });
export const UpdateRequestDataRequest = strictObject({ data: opt(LooseObject), expandMask: opt(TaskExpandMask) });

export const CommentRequest = strictObject({ comment: opt(Comment), expandMask: opt(TaskExpandMask) });
export type CommentRequest = Static<typeof CommentRequest>;

export const ReassignRequest = strictObject({
  policyStepId: Type.String({ maxLength: 64 }),
  newStepUserIds: Type.Array(Id, { minItems: 1, maxItems: 100 }),
  comment: opt(Comment),
  expandMask: opt(TaskExpandMask),
});
export type ReassignRequest = Static<typeof ReassignRequest>;

const TaskTypeFilter = strictObject({
  grant: opt(LooseObject),
  revoke: opt(LooseObject),
  certify: opt(LooseObject),
  offboarding: opt(LooseObject),
});

export const SearchTasksRequest = searchRequest({
  taskStates: opt(Type.Array(StringEnum(['TASK_STATE_UNSPECIFIED', ...TASK_STATES]), { maxItems: 3 })),
  taskTypes: opt(Type.Array(TaskTypeFilter, { maxItems: 4 })),
  assigneesInIds: opt(IdList),
  myWorkUserIds: opt(IdList),
  openerIds: opt(IdList),
  subjectIds: opt(IdList),
  appEntitlementIds: opt(IdList),
  applicationIds: opt(IdList),
  createdAfter: opt(Timestamp),
  createdBefore: opt(Timestamp),
  emergencyStatus: opt(StringEnum(['UNSPECIFIED', 'ALL', 'NON_EMERGENCY', 'EMERGENCY'])),
  refs: opt(IdRefs),
  excludeIds: opt(IdList),
  query: opt(SearchText),
  // C1's newer SDKs (sdk-fields.md).
  grantOutcomes: opt(Type.Array(StringEnum(['GRANT_OUTCOME_UNSPECIFIED', ...GRANT_OUTCOMES]), { maxItems: 6 })),
  revokeOutcomes: opt(Type.Array(StringEnum(['REVOKE_OUTCOME_UNSPECIFIED', ...REVOKE_OUTCOMES]), { maxItems: 6 })),
  outcomeAfter: opt(Timestamp),
  outcomeBefore: opt(Timestamp),
  excludeApplicationIds: opt(IdList),
  expandMask: opt(TaskExpandMask),
});
export type SearchTasksRequest = Static<typeof SearchTasksRequest>;

export const TaskAuditListRequest = strictObject({
  // Optional in C1's schema: without it no task is named, so the list is empty.
  taskId: opt(Type.String({ maxLength: 64 })),
  refs: opt(IdRefs),
  pageSize: opt(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
  pageToken: opt(Type.String({ maxLength: 1024 })),
});
export type TaskAuditListRequest = Static<typeof TaskAuditListRequest>;

// ---- answers ----

// No userId when no person decided: a webhook, or a service client.
const ApprovedAction = Type.Object({ userId: opt(Type.String()), approvedAt: Timestamp });
const DeniedAction = Type.Object({ userId: opt(Type.String()), deniedAt: Timestamp });
const SkippedAction = Type.Object({ skippedAt: Timestamp, userId: opt(Type.String()), newPolicyStepId: opt(Type.String()) });
const EscalationInstance = Type.Object({
  expiresAt: opt(Timestamp),
  alreadyEscalated: opt(Type.Boolean()),
  escalationComment: opt(Type.String()),
  reassignToApprovers: opt(Type.Object({ approverIds: opt(Type.Array(Type.String())) })),
  replacePolicy: opt(Type.Object({ policyId: opt(Type.String()) })),
});
const ApprovalInstance = Type.Object({
  approval: opt(Approval),
  state: Type.String(),
  approved: opt(ApprovedAction),
  denied: opt(DeniedAction),
  escalationInstance: opt(EscalationInstance),
  skipped: opt(SkippedAction),
  restarted: opt(Type.Object({ oldPolicyStepId: Type.String(), restartedAt: Timestamp, userId: opt(Type.String()) })),
});
const ProvisionInstance = Type.Object({
  provision: opt(PolicyStep.properties.provision),
  state: Type.String(),
  completed: opt(Type.Object({ userId: opt(Type.String()), completedAt: Timestamp })),
  cancelled: opt(Type.Object({ cancelledByUserId: opt(Type.String()), cancelledAt: Timestamp })),
  skipped: opt(SkippedAction),
  webhookId: opt(Type.String()),
  webhookInstanceId: opt(Type.String()),
});
/** C1's WaitInstance (`until`, the end of a duration wait, is kept but not answered: C1 has no such field). */
const WaitInstance = Type.Object({
  name: opt(Type.String()),
  state: Type.String(),
  startedWaitingAt: opt(Timestamp),
  timeout: opt(Timestamp),
  timeoutDuration: opt(Type.String()),
  condition: opt(Type.Object({ condition: opt(Type.String()) })),
  succeeded: opt(Type.Object({ succeededAt: Timestamp })),
  timedOut: opt(Type.Object({ timedOutAt: Timestamp })),
  skipped: opt(SkippedAction),
  commentOnFirstWait: opt(Type.String()),
  commentOnTimeout: opt(Type.String()),
});
/** C1's PolicyStepInstance: a step of the task, with what happened to it. */
const PolicyStepInstance = Type.Object({
  id: Type.String(),
  state: Type.String(),
  approval: opt(ApprovalInstance),
  provision: opt(ProvisionInstance),
  accept: opt(Type.Object({ acceptMessage: opt(Type.String()) })),
  reject: opt(Type.Object({ rejectMessage: opt(Type.String()) })),
  wait: opt(WaitInstance),
});
const PolicyInstance = Type.Object({
  policy: opt(Policy),
  current: opt(PolicyStepInstance),
  next: Type.Array(PolicyStep),
  history: Type.Array(PolicyStepInstance),
});

const target = {
  appId: Type.String(),
  appEntitlementId: Type.String(),
  identityUserId: Type.String(),
  appUserId: opt(Type.String()),
  outcomeTime: opt(Timestamp),
};

export const Task = Type.Object({
  id: Type.String(),
  numericId: Type.String(),
  displayName: Type.String(),
  description: opt(Type.String()),
  state: Type.String(),
  processing: Type.String(),
  origin: Type.String(),
  emergencyAccess: Type.Boolean(),
  userId: Type.String(),
  createdByUserId: opt(Type.String()),
  stepApproverIds: Type.Array(Type.String()),
  /** C1's newer SDKs: everyone assigned to a step of the task, current or past. */
  approverIds: Type.Array(Type.String()),
  actions: Type.Array(Type.String()),
  commentCount: Type.Integer(),
  data: opt(LooseObject),
  policy: PolicyInstance,
  type: Type.Object({
    grant: opt(
      Type.Object({
        ...target,
        outcome: opt(Type.String()),
        grantDuration: opt(Type.String()),
        source: opt(LooseObject),
      }),
    ),
    revoke: opt(Type.Object({ ...target, outcome: opt(Type.String()), source: opt(LooseObject) })),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Task = Static<typeof Task>;

export const TaskView = Type.Object({
  task: Task,
  appPath: opt(Type.String()),
  entitlementsPath: opt(Type.String()),
  identityUserPath: opt(Type.String()),
  createdByUserPath: opt(Type.String()),
  stepApproversPath: opt(Type.String()),
});
export type TaskView = Static<typeof TaskView>;

export const TaskViewResponse = Type.Object({ taskView: TaskView, expanded: Expanded });
export const TaskActionResponse = Type.Object({ taskView: TaskView, expanded: Expanded, ticketActionId: Type.String() });
/** C1's Close answer names its action `taskActionId`. */
export const TaskCloseResponse = Type.Object({ taskView: TaskView, expanded: Expanded, taskActionId: Type.String() });
export const TaskSearchResponse = Type.Object({ list: Type.Array(TaskView), nextPageToken: Type.String(), expanded: Expanded });

export const TaskAuditView = Type.Object(
  {
    id: Type.String(),
    ticketId: Type.String(),
    userId: opt(Type.String()),
    created: Timestamp,
    currentState: Type.String(),
    eventType: Type.String(),
    source: Type.String(),
  },
  // The event is one of C1's TaskAuditView fields (taskCreated, comment, stateChange, ...): see views.ts.
  { additionalProperties: true },
);
export const TaskAuditListResponse = Type.Object({ list: Type.Array(TaskAuditView), nextPageToken: Type.String() });
