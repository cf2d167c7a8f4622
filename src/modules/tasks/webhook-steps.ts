// Policy steps answered by a webhook (C1's approval.webhook and provisionPolicy.webhook). The
// engine hands such steps here (Engine's `webhooks` hook): starting one writes a webhook instance
// in the task's transaction and leaves the step waiting; the receiver's answer (its 2xx body or
// its callback, see docs/webhooks.md) comes back through `apply`, in the transaction that records
// it, with the task locked. An approval webhook approves, denies, reassigns the step to people or
// replaces the remaining steps with another policy's; a provision webhook completes the step or,
// failing, falls back to Gatehouse's own (manual) provisioning.
import { Value } from '@sinclair/typebox/value';
import type { Core } from '../../core.ts';
import { expandOne } from '../../http/expand.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { celEvaluate } from '../policies/cel.ts';
import type { Approval, PolicyStep } from '../policies/schemas.ts';
import type { PoliciesService } from '../policies/service.ts';
import type { UsersService } from '../users/service.ts';
import type { InstanceRow, Outcome, WebhooksService } from '../webhooks/service.ts';
import { type Engine, type Run, type StepInstance, selectSteps } from './engine.ts';
import { TaskViewResponse } from './schemas.ts';
import { fillTask, toTask } from './views.ts';

type Provision = NonNullable<PolicyStep['provision']>;
type Deps = { webhooks: WebhooksService; users: UsersService; policies: PoliciesService };
/** The step of a task a webhook instance answers (stored beside C1's fields, not answered for approvals). */
type WebhookStep = StepInstance & { webhookInstanceId?: string };

const APPROVAL_ACTIONS = ['approve', 'deny', 'reassign', 'replacePolicy'] as const;
const PROVISION_ACTIONS = ['complete', 'errored'] as const;
/** Everything the task view is expanded with in the payload, as GetTask with this expand mask answers. */
const EXPAND = ['app_id', 'app_entitlement_id', 'identity_user_id', 'created_by_user_id', 'step_approver_ids'];

const auditOf = (inst: InstanceRow & { webhookName?: string }) => ({
  webhookId: inst.webhookId,
  webhookInstanceId: inst.id,
  webhookName: inst.webhookName,
  webhookUrl: inst.url,
});

/** The one action of an answer among `names` (besides `version` and `@type`), or a 400 naming the problem. */
function actionOf<K extends string>(
  answer: Record<string, unknown>,
  names: readonly K[],
): { name: K; body: Record<string, unknown> } {
  const present = names.filter((n) => answer[n] !== undefined && answer[n] !== null);
  if (present.length !== 1) throw invalidArgument(`answer: needs exactly one of ${names.join(', ')}`);
  const body = answer[present[0]];
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument(`answer.${present[0]}: must be an object`);
  return { name: present[0], body: body as Record<string, unknown> };
}

export class WebhookSteps {
  constructor(private readonly d: Deps) {}

  /** The payload's fields when an instance is sent: the task view expanded as GetTask answers, as the task is then. */
  async payload(services: Core['services'], tenantId: string, taskId: string, row: Parameters<typeof toTask>[0]) {
    const task = toTask(row, { tenantId, roleIds: [], kind: 'service' } as never, 0);
    const x = await expandOne({ task }, EXPAND, fillTask({ services } as Core, tenantId));
    // What GetTask's answer schema keeps: no stored-only fields (a step's approverIds, webhookInstanceId).
    const answer = Value.Clean(TaskViewResponse, structuredClone({ taskView: x.view, expanded: x.expanded })) as object;
    return { ...answer, ticketId: taskId };
  }

  async startApproval(run: Run, id: string, approval: Approval): Promise<void> {
    const inst = await this.d.webhooks.enqueue(run.tx, run.row.tenantId, {
      webhookId: approval.webhook?.webhookId ?? '',
      source: { kind: 'approvalStep', ticketId: run.row.id },
      type: 'c1.webhooks.v1.PayloadPolicyApprovalStep',
      fields: {},
    });
    const step: WebhookStep = {
      id,
      state: 'POLICY_STEP_STATE_ACTIVE',
      approverIds: [],
      webhookInstanceId: inst.id,
      approval: { approval, state: 'APPROVAL_INSTANCE_STATE_WAITING' },
    };
    run.inst.current = step;
    run.set.stepApproverIds = [];
    run.audit({ webhookApprovalTriggered: auditOf(inst) });
  }

  async startProvision(run: Run, provision: Provision, id: string): Promise<void> {
    const webhookId = provision.provisionPolicy?.webhook?.webhookId ?? '';
    const inst = await this.d.webhooks.enqueue(run.tx, run.row.tenantId, {
      webhookId,
      source: { kind: 'provisionStep', ticketId: run.row.id },
      type: 'c1.webhooks.v1.PayloadProvisionStep',
      fields: {},
    });
    const step: WebhookStep = {
      id,
      state: 'POLICY_STEP_STATE_ACTIVE',
      webhookInstanceId: inst.id,
      provision: { state: 'PROVISION_INSTANCE_STATE_WEBHOOK_WAITING', webhookId, webhookInstanceId: inst.id, provision } as never,
    };
    run.inst.current = step;
    run.audit({ webhookTriggered: auditOf(inst) });
  }

  /**
   * What a webhook's answer does to the task whose Run this is. False when the instance no longer
   * answers the task's current step (closed, decided by a person meanwhile): nothing changes.
   */
  async apply(run: Run, engine: Engine, inst: InstanceRow, outcome: Outcome): Promise<boolean> {
    const cur = run.current as WebhookStep | undefined;
    if (run.state !== 'TASK_STATE_OPEN' || !cur || cur.webhookInstanceId !== inst.id) return false;
    if (cur.provision) return this.provisionOutcome(run, engine, cur, inst, outcome);
    if ('failed' in outcome) {
      // The step stays with the administrators of requests (tasks:act_any), who may approve or deny it.
      run.audit({ webhookApprovalBadResponse: { ...auditOf(inst), error: outcome.failed } });
      return true;
    }
    const { name, body } = actionOf(outcome.answer, APPROVAL_ACTIONS);
    const comment = typeof body.comment === 'string' && body.comment.trim() ? body.comment.trim() : undefined;
    run.audit({ webhookApprovalSuccess: auditOf(inst) });
    if (comment) run.audit({ comment: { comment, updatedAt: new Date().toISOString() } });
    if (name === 'approve' || name === 'deny') {
      await engine.decide(run, name, undefined);
    } else if (name === 'reassign') {
      const ids = body.newStepUserIds;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
        throw invalidArgument('answer.reassign.newStepUserIds: at least one user id is needed');
      }
      const users = await this.d.users.requireAll(run.row.tenantId, ids as string[], 'answer.reassign.newStepUserIds', run.tx);
      const off = users.find((u) => u.status !== 'ENABLED');
      if (off) throw invalidArgument(`answer.reassign.newStepUserIds: user "${off.id}" is not enabled`);
      cur.approverIds = users.map((u) => u.id);
      run.set.stepApproverIds = cur.approverIds;
      run.audit({ approvalReassigned: { oldPolicyStepId: cur.id, newPolicyStepId: cur.id } });
    } else {
      const policyId = body.policyId;
      if (typeof policyId !== 'string' || !policyId) throw invalidArgument('answer.replacePolicy.policyId: is required');
      const policy = await this.d.policies.get(run.row.tenantId, policyId, run.tx).catch(() => {
        throw invalidArgument(`answer.replacePolicy.policyId: policy "${policyId}" does not exist`);
      });
      const vars = run.ctx?.celVars;
      const chosen = selectSteps(policy, run.row.kind, (text) => (vars ? celEvaluate(text, vars) : { error: 'no task context' }));
      // The webhook's step ends without a decision; the other policy's steps replace the rest.
      cur.state = 'POLICY_STEP_STATE_DONE';
      if (cur.approval) cur.approval.state = 'APPROVAL_INSTANCE_STATE_DONE';
      run.inst.history.push(cur);
      run.inst.current = undefined;
      run.inst.next = chosen.steps;
      run.set.stepApproverIds = [];
      run.note(
        `the webhook replaced the remaining steps with policy "${policy.displayName}" (${policy.id}), steps "${chosen.key}"`,
      );
      await engine.advance(run);
    }
    return true;
  }

  private async provisionOutcome(run: Run, engine: Engine, cur: WebhookStep, inst: InstanceRow, outcome: Outcome) {
    const failed = 'failed' in outcome ? outcome.failed : undefined;
    const action =
      failed === undefined ? actionOf((outcome as { answer: Record<string, unknown> }).answer, PROVISION_ACTIONS) : undefined;
    const provision = (cur.provision as { provision?: Provision } | undefined)?.provision ?? {};
    run.inst.current = undefined;
    if (action?.name === 'complete') {
      run.audit({ webhookSuccess: auditOf(inst) });
      // Completed by the receiver: Gatehouse records the grant (or its removal) as for any provision step.
      await engine.provisionStep(run, { ...provision, provisionPolicy: undefined }, cur.id);
      return true;
    }
    const why = failed ?? String(action?.body.comment ?? 'the webhook reported an error');
    run.note(`provisioning by webhook failed (${why}): falling back to manual provisioning`);
    await engine.provisionStep(run, { ...provision, provisionPolicy: { manual: {} } }, cur.id);
    return true;
  }
}
