// Routes of the task actions in more-actions.ts (C1's TaskActionsService: Restart, SkipStep,
// HardReset, ProcessNow, EscalateToEmergencyAccess, UpdateRequestData).
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandOne } from '../../http/expand.ts';
import { operations, route } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import {
  CommentRequest,
  OptionalStepRequest,
  ProcessNowRequest,
  type Task,
  TaskActionResponse,
  TaskViewResponse,
  UpdateGrantDurationRequest,
  UpdateRequestDataRequest,
} from './schemas.ts';
import { fillTask } from './views.ts';

export async function moreTaskActionRoutes(api: Api, core: Core): Promise<void> {
  const more = core.services.tasks.more;
  const actionOp = operations('c1.api.task.v1.TaskActionsService', ['Task']);
  const act = (name: string, summary: string, description: string) =>
    actionOp(name, summary, `${description} See docs/tasks.md.`);
  const params = Type.Object({ task_id: Id });
  const view = async (tenant: string, task: Promise<Task>, paths: readonly string[] | undefined) => {
    const x = await expandOne({ task: await task }, paths, fillTask(core, tenant));
    return { taskView: x.view, expanded: x.expanded };
  };
  /** `ticketActionId` names no separate action record in Gatehouse. */
  const acted = async (tenant: string, task: Promise<Task>, paths: readonly string[] | undefined) => ({
    ...(await view(tenant, task, paths)),
    ticketActionId: '',
  });
  const stepNote = '`policyStepId`, when given, must be the current step (else 400, code 9); a closed task is a 400 (code 9).';

  route(
    api,
    'POST',
    '/tasks/:task_id/action/restart',
    {
      ...act(
        'Restart',
        'Restart the current step',
        `Starts the current step again with a new id: an approval finds its approvers again, a wait starts over. The step's assignees, Super and Access Request Administrators may (else 403). ${stepNote}`,
      ),
      params,
      body: OptionalStepRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) =>
      acted(tenant, more.restart(tenant, p.task_id, b.policyStepId, b.comment, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/skip-step',
    {
      ...act(
        'SkipStep',
        'Skip the current step',
        `Marks the current step skipped and runs the next ones (a skipped manual provision step: Gatehouse records the grant itself). Super and Access Request Administrators only (403). ${stepNote}`,
      ),
      params,
      body: OptionalStepRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) =>
      acted(tenant, more.skipStep(tenant, p.task_id, b.policyStepId, b.comment, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/reset',
    {
      ...act(
        'HardReset',
        'Run the policy again from its first step',
        "Ends the current step and runs the task's policy again from the start (its rules evaluated again). Super and Access Request Administrators only (403); a closed task is a 400 (code 9).",
      ),
      params,
      body: CommentRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) => acted(tenant, more.reset(tenant, p.task_id, b.comment, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/process',
    {
      ...act(
        'ProcessNow',
        'Process the task now',
        "Does now what the background worker does when the task is due: a wait's condition checked again (and its end or timeout), an escalation past its time, a manual provision step whose grant exists. The step's assignees, Super and Access Request Administrators may (403).",
      ),
      params,
      body: ProcessNowRequest,
      response: TaskViewResponse,
    },
    (tenant, p, b, caller) => view(tenant, more.process(tenant, p.task_id, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/escalate',
    {
      ...act(
        'EscalateToEmergencyAccess',
        'Escalate to emergency access',
        "Switches an open grant task to the entitlement's emergency grant policy (run from its first step) and marks it emergency access. Its requester, its subject, Super and Access Request Administrators may (403). The entitlement must allow emergency access and name an emergency grant policy (else 400, code 9).",
      ),
      params,
      body: OptionalStepRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) =>
      acted(tenant, more.escalate(tenant, p.task_id, b.policyStepId, b.comment, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/update-request-data',
    {
      ...act(
        'UpdateRequestData',
        "Replace the task's request data",
        "`data` (required) becomes the task's `data` while it is open. Its requester, its subject, Super and Access Request Administrators may (403).",
      ),
      params,
      body: UpdateRequestDataRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) => acted(tenant, more.updateRequestData(tenant, p.task_id, b.data, caller), b.expandMask?.paths),
  );

  route(
    api,
    'POST',
    '/tasks/:task_id/action/update-grant-duration',
    {
      ...act(
        'UpdateGrantDuration',
        'Change the requested grant duration',
        "C1's newer SDKs' action (not in openapi.yaml): `duration` (a proto Duration, at least 1s) becomes the grant duration an open grant task asks for; above the entitlement's `durationGrant` it is a 400 (C1's text). The current step's assignees, Super and Access Request Administrators may (403); a closed task is a 400 (code 9).",
      ),
      params,
      body: UpdateGrantDurationRequest,
      response: TaskActionResponse,
    },
    (tenant, p, b, caller) => acted(tenant, more.updateGrantDuration(tenant, p.task_id, b.duration, caller), b.expandMask?.paths),
  );
}
