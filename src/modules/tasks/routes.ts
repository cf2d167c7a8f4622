import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandOne, expandPage } from '../../http/expand.ts';
import { operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { pageRequest } from '../../lib/paging.ts';
import {
  CommentRequest,
  CreateGrantTaskRequest,
  CreateRevokeTaskRequest,
  ReassignRequest,
  SearchTasksRequest,
  StepActionRequest,
  type Task,
  TaskActionResponse,
  TaskAuditListRequest,
  TaskAuditListResponse,
  TaskCloseResponse,
  TaskSearchResponse,
  TaskViewResponse,
} from './schemas.ts';
import { fillTask } from './views.ts';

const DOCS = 'See docs/tasks.md.';

export async function taskRoutes(api: Api, core: Core): Promise<void> {
  const tasks = core.services.tasks;
  const tags = ['Task'];
  const taskOp = operations('c1.api.task.v1.TaskService', tags);
  const actionOp = operations('c1.api.task.v1.TaskActionsService', tags);
  // Every description ends with where the whole story is.
  const svc = (name: string, summary: string, description: string) => taskOp(name, summary, `${description} ${DOCS}`);
  const act = (name: string, summary: string, description: string) => actionOp(name, summary, `${description} ${DOCS}`);
  const TaskParams = Type.Object({ task_id: Id });
  const view = async (tenant: string, task: Promise<Task>, paths: readonly string[] | undefined) => {
    const x = await expandOne({ task: await task }, paths, fillTask(core, tenant));
    return { taskView: x.view, expanded: x.expanded };
  };
  /** Action answers: the task view; `ticketActionId` names no separate action record in Gatehouse. */
  const acted = async (tenant: string, task: Promise<Task>, paths: readonly string[] | undefined) => ({
    ...(await view(tenant, task, paths)),
    ticketActionId: '',
  });

  route(
    api,
    'POST',
    '/task/grant',
    {
      ...svc(
        'CreateGrantTask',
        'Request access (create a grant task)',
        'Creates a grant task for `identityUserId` (or the owner of `appUserId`; both may be given if they agree) and ' +
          'runs its policy: the entitlement\'s grant policy, else the app\'s, else the built-in "Default Grant Policy" ' +
          '(the emergency policy when `emergencyAccess` and the entitlement allows it). A user already holding the ' +
          "access gets a task closed as GRANTED at once. `grantDuration` above the entitlement's `durationGrant` is a " +
          '400. Without tasks:request_others a caller may request only for themselves (403).',
      ),
      body: CreateGrantTaskRequest,
      response: TaskViewResponse,
    },
    (tenant, _p, b, caller) => view(tenant, tasks.createGrant(tenant, b, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/task/revoke',
    {
      ...svc(
        'CreateRevokeTask',
        'Request removal of access (create a revoke task)',
        "Creates a revoke task and runs the revoke policy (the entitlement's, the app's, else the built-in \"Default " +
          'Revoke Policy", which removes the grant at once). A user without the access gets a task closed as REVOKED.',
      ),
      body: CreateRevokeTaskRequest,
      response: TaskViewResponse,
    },
    (tenant, _p, b, caller) => view(tenant, tasks.createRevoke(tenant, b, caller), b.expandMask?.paths),
  );

  route(
    api,
    'GET',
    '/tasks/:id',
    {
      ...svc(
        'Get',
        'Get a task',
        'The task by id or `numericId`. 404 when the tenant has none, or when the caller is not its requester, ' +
          'subject or approver and lacks tasks:read. `expanded` is empty (GET takes no expand mask).',
      ),
      params: Type.Object({ id: Id }),
      response: TaskViewResponse,
    },
    (tenant, p, _b, caller) => view(tenant, tasks.get(tenant, p.id, caller), undefined),
  );

  for (const decision of ['approve', 'deny'] as const) {
    route(
      api,
      'POST',
      `/tasks/:task_id/action/${decision}`,
      {
        ...act(
          decision === 'approve' ? 'Approve' : 'Deny',
          decision === 'approve' ? 'Approve the current step' : 'Deny the request',
          `${decision === 'approve' ? 'Approves the current approval step and runs the next steps' : 'Denies the current approval step and closes the task DENIED'}. ` +
            '`policyStepId` must be `task.policy.current.id` (else 400, code 9); the same call repeated answers the ' +
            "task as it is. Only the step's approvers, Super and Access Request Administrators may act (403). A " +
            `step that requires a reason refuses a call without \`comment\` (400).`,
        ),
        params: TaskParams,
        body: StepActionRequest,
        response: TaskActionResponse,
      },
      (tenant, p, b, caller) =>
        acted(tenant, tasks.more.decide(tenant, p.task_id, decision, b.policyStepId, b.comment, caller), b.expandMask?.paths),
    );
  }

  route(
    api,
    'POST',
    '/tasks/:task_id/action/comment',
    {
      ...act(
        'Comment',
        'Comment on a task',
        "Adds `comment` (required) to the task's audit trail; anyone who may see the task may.",
      ),
      params: TaskParams,
      body: CommentRequest,
      response: TaskViewResponse,
    },
    (tenant, p, b, caller) => view(tenant, tasks.comment(tenant, p.task_id, b.comment, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/close',
    {
      ...act(
        'Close',
        'Cancel a task',
        'Closes an open task as CANCELLED (its requester, its subject, Super and Access Request Administrators). A ' +
          'closed task: 400 (code 9).',
      ),
      params: TaskParams,
      body: CommentRequest,
      response: TaskCloseResponse,
    },
    async (tenant, p, b, caller) => ({
      ...(await view(tenant, tasks.close(tenant, p.task_id, b.comment, caller), b.expandMask?.paths)),
      taskActionId: '',
    }),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/reassign',
    {
      ...act(
        'Reassign',
        'Reassign the current approval step',
        'Replaces the approvers of the current approval step (`policyStepId`) by `newStepUserIds` (enabled users of ' +
          "the tenant). Super and Access Request Administrators may; the step's approvers when the approval has " +
          '`allowReassignment` (else 400, code 9), to `allowedReassignees` when set.',
      ),
      params: TaskParams,
      body: ReassignRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) =>
      acted(tenant, tasks.reassign(tenant, p.task_id, b.policyStepId, b.newStepUserIds, b.comment, caller), b.expandMask?.paths),
  );

  searchRoute(
    api,
    '/search/tasks',
    {
      operationId: 'c1.api.task.v1.TaskSearchService.Search',
      tags,
      summary: 'Search tasks',
      description:
        'Tasks matching every filter given: `taskStates`, `taskTypes` (grant, revoke), `assigneesInIds` and ' +
        '`myWorkUserIds` (current approvers), `openerIds`, `subjectIds`, `appEntitlementIds`, `applicationIds`, ' +
        '`createdAfter`/`createdBefore`, `emergencyStatus`, `refs`, `excludeIds`, `query` (display name or ' +
        'description). Callers without tasks:read find only tasks they requested, are the subject of, or approve. ' +
        `C1's other filters are ignored for now. ${DOCS}`,
      body: SearchTasksRequest,
      response: TaskSearchResponse,
    },
    async (tenant, body, page, caller) =>
      expandPage(
        await tasks.search(tenant, body, page, caller).then((p) => ({ ...p, list: p.list.map((task) => ({ task })) })),
        body.expandMask?.paths,
        fillTask(core, tenant),
      ),
  );

  route(
    api,
    'POST',
    '/task/audits',
    {
      operationId: 'c1.api.task.v1.TaskAudit.List',
      tags,
      summary: "A task's audit trail",
      description:
        'Every change of the task (created, policy chosen, step started, approvers delegated, approved, denied, ' +
        `provisioned, commented, closed with its outcome), oldest first, paged; \`refs\` narrows to those ids. A task the caller may not read (or none) has no entries. ${DOCS}`,
      body: TaskAuditListRequest,
      response: TaskAuditListResponse,
    },
    async (tenant, _p, b, caller) =>
      tasks.audits(
        tenant,
        b.taskId,
        b.refs?.map((r) => r.id),
        pageRequest(b.pageSize, b.pageToken, 'pageToken'),
        caller,
      ),
  );
}
