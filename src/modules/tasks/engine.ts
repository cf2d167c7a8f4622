// The access-request engine: runs a task's policy snapshot step by step. Each call works on
// one task row its caller holds FOR UPDATE, inside the caller's transaction, and changes the
// row in memory (`Run.set`, `Run.inst`) and queues audits (`Run.audits`); the service writes
// both before committing, so a step change and its audit land together or not at all.
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { StoredPolicyInstance } from '../../db/schema-tasks.ts';
import { ApiError } from '../../lib/errors.ts';
import type { EntitlementRow } from '../entitlements/service.ts';
import type { celEvaluate } from '../policies/cel.ts';
import type { Approval, Policy, PolicyStep } from '../policies/schemas.ts';
import type { User } from '../users/schemas.ts';
import { type ApproverDeps, resolveApprovers } from './approvers.ts';
import type { NewAuditRow, NewTaskRow, TaskRow } from './store.ts';

export type StepInstance = Record<string, unknown> & {
  id: string;
  state: string;
  /** Everyone this approval step was assigned to (stored, not answered: C1's step instance has no such field). */
  approverIds?: string[];
  approval?: { approval?: Approval; state: string; approved?: Action; denied?: Action };
  provision?: { state: string; completed?: { userId?: string; completedAt: string } };
};
type Action = { userId?: string; approvedAt?: string; deniedAt?: string };

export type Outcome = 'done' | 'denied' | 'cancelled' | 'error';
const OUTCOMES: Record<string, Record<Outcome, string>> = {
  grant: {
    done: 'GRANT_OUTCOME_GRANTED',
    denied: 'GRANT_OUTCOME_DENIED',
    cancelled: 'GRANT_OUTCOME_CANCELLED',
    error: 'GRANT_OUTCOME_ERROR',
  },
  revoke: {
    done: 'REVOKE_OUTCOME_REVOKED',
    denied: 'REVOKE_OUTCOME_DENIED',
    cancelled: 'REVOKE_OUTCOME_CANCELLED',
    error: 'REVOKE_OUTCOME_ERROR',
  },
};

/** One change of one task: the row as read, what to set, the snapshot being changed, the audits to write. */
export class Run {
  readonly set: Partial<NewTaskRow> = {};
  readonly audits: NewAuditRow[] = [];
  readonly inst: StoredPolicyInstance;

  constructor(
    readonly tx: Db,
    readonly row: TaskRow,
    /** Who acts (undefined: Gatehouse itself, or a service client). */
    readonly actorId: string | undefined,
    readonly ctx: { entitlement: EntitlementRow; subject: User; celVars: Parameters<typeof celEvaluate>[1] } | undefined,
  ) {
    this.inst = structuredClone(row.policy);
  }

  get state(): string {
    return this.set.state ?? this.row.state;
  }

  get current(): StepInstance | undefined {
    return this.inst.current as StepInstance | undefined;
  }

  audit(event: Record<string, unknown>, userId = this.actorId): void {
    this.audits.push({ tenantId: this.row.tenantId, id: newId(), taskId: this.row.id, userId, state: this.state, event });
  }

  note(stepComment: string): void {
    this.audit({ policyEvaluationStep: { stepComment } });
  }

  /** The row to store: the fields set plus the snapshot. */
  changes(): Partial<NewTaskRow> {
    return { ...this.set, policy: this.inst };
  }
}

/** The steps of the policy that apply: the first rule whose condition holds, else the baseline. */
export function selectSteps(
  policy: Policy,
  kind: string,
  evaluate: (text: string) => ReturnType<typeof celEvaluate>,
): { key: string; steps: PolicyStep[]; notes: string[] } {
  const notes: string[] = [];
  const all = (policy.policySteps ?? {}) as Record<string, { steps?: PolicyStep[] }>;
  for (const rule of policy.rules ?? []) {
    if (!rule.condition || !rule.policyKey || !all[rule.policyKey]) continue;
    const r = evaluate(rule.condition);
    if (r.error !== undefined) notes.push(`rule "${rule.condition}" failed: ${r.error}; treated as false`);
    else if (r.value === true) return { key: rule.policyKey, steps: all[rule.policyKey].steps ?? [], notes };
  }
  return { key: kind, steps: all[kind]?.steps ?? [], notes };
}

export type Provisioner = (run: Run) => Promise<void>;

/** Steps a webhook answers (webhook-steps.ts): the engine hands them over and the step waits. */
export type WebhookStarter = {
  startApproval(run: Run, id: string, approval: Approval): Promise<void>;
  startProvision(run: Run, provision: NonNullable<PolicyStep['provision']>, id: string): Promise<void>;
};

export class Engine {
  constructor(
    private readonly deps: ApproverDeps,
    /** Grants or revokes the task's access (the provision step). */
    private readonly provision: Provisioner,
    private readonly webhooks?: WebhookStarter,
  ) {}

  /** Runs steps from the current one until a step waits (an approval) or the task closes. */
  async advance(run: Run): Promise<void> {
    while (run.state === 'TASK_STATE_OPEN') {
      if (run.current) return; // an approval waits for its approvers
      if (!run.ctx) {
        // The entitlement or the subject was deleted since the request: nothing can be provisioned.
        run.audit({ provisionError: { error: 'the entitlement or the user of this task no longer exists' } });
        this.close(run, 'error');
        return;
      }
      const step = run.inst.next.shift() as PolicyStep | undefined;
      if (!step) {
        // A policy that ends without a provision step still means "approved": provision now.
        run.note('no steps left: provisioning');
        await this.provisionStep(run, {});
        return;
      }
      await this.start(run, step);
    }
  }

  private async start(run: Run, step: PolicyStep): Promise<void> {
    const id = newId();
    if (step.approval?.webhook && this.webhooks) return this.webhooks.startApproval(run, id, step.approval);
    if (step.approval) {
      await this.startApproval(run, id, step.approval);
    } else if (step.accept) {
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE', accept: step.accept });
      run.note(`accepted by policy${step.accept.acceptMessage ? `: ${step.accept.acceptMessage}` : ''}`);
      run.audit({ approvalAutoAcceptedByPolicy: {} });
    } else if (step.reject) {
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE', reject: step.reject });
      run.note(`rejected by policy${step.reject.rejectMessage ? `: ${step.reject.rejectMessage}` : ''}`);
      this.close(run, 'denied');
    } else if (step.provision) {
      await this.provisionStep(run, step.provision, id);
    } else if (step.wait) {
      // Waits are not run yet: recorded as skipped (C1's WaitInstance) and passed over.
      const w = step.wait;
      run.inst.history.push({
        id,
        state: 'POLICY_STEP_STATE_DONE',
        wait: {
          name: w.name,
          state: 'WAIT_INSTANCE_STATE_COMPLETED',
          skipped: { skippedAt: new Date().toISOString() },
          commentOnFirstWait: w.commentOnFirstWait,
          commentOnTimeout: w.commentOnTimeout,
          timeoutDuration: w.timeoutDuration,
        },
      });
      run.note('wait steps are not run by Gatehouse yet: skipped');
    } else {
      // Kinds the policies module refuses on write (form, action): nothing to run.
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE' });
      run.note(`${Object.keys(step)[0] ?? 'empty'} steps are not run by Gatehouse: skipped`);
    }
  }

  private async startApproval(run: Run, id: string, approval: Approval): Promise<void> {
    const earlier = run.inst.history.map((h) => (h as StepInstance).approval?.approved?.userId).filter((u): u is string => !!u);
    const r = await resolveApprovers(this.deps, approval, {
      tx: run.tx,
      tenantId: run.row.tenantId,
      appId: run.row.appId,
      ...(run.ctx as NonNullable<Run['ctx']>),
      requesterId: run.row.createdByUserId ?? undefined,
      earlierApproverIds: earlier,
    });
    run.inst.current = {
      id,
      state: 'POLICY_STEP_STATE_ACTIVE',
      approverIds: r.approverIds,
      approval: { approval, state: 'APPROVAL_INSTANCE_STATE_WAITING' },
    };
    run.set.stepApproverIds = r.approverIds;
    run.note(`approval step started; approvers: ${r.approverIds.join(', ') || 'none'}`);
    for (const n of r.notes) run.note(n);
    for (const d of r.delegated) {
      run.audit({ reassignedToDelegate: { originalAssigneeUserId: d.from, delegatedAssigneeUserId: d.to } });
    }
  }

  async provisionStep(run: Run, provision: NonNullable<PolicyStep['provision']>, id = newId()): Promise<void> {
    if (provision.provisionPolicy?.webhook && this.webhooks) return this.webhooks.startProvision(run, provision, id);
    const instance: StepInstance = { id, state: 'POLICY_STEP_STATE_DONE', provision: { state: 'PROVISION_INSTANCE_STATE_DONE' } };
    try {
      await this.provision(run);
    } catch (err) {
      // An API error (the app or entitlement changed since the request) ends the task in error;
      // anything else is a fault and aborts the transaction.
      if (!(err instanceof ApiError)) throw err;
      run.inst.history.push({ ...instance, provision: { ...instance.provision, provision } } as StepInstance);
      run.audit({ provisionError: { error: err.message } });
      this.close(run, 'error');
      return;
    }
    instance.provision = {
      state: 'PROVISION_INSTANCE_STATE_DONE',
      completed: { completedAt: new Date().toISOString() },
      ...(Object.keys(provision).length ? { provision } : {}),
    } as StepInstance['provision'];
    run.inst.history.push(instance);
    run.note(run.row.kind === 'grant' ? 'provisioned: grant recorded' : 'deprovisioned: grant removed');
    this.close(run, 'done');
  }

  /** Closes the task with this outcome; the active step, if any, ends. */
  close(run: Run, outcome: Outcome): void {
    const cur = run.current;
    if (cur) {
      cur.state = 'POLICY_STEP_STATE_DONE';
      if (cur.approval) cur.approval.state = 'APPROVAL_INSTANCE_STATE_DONE';
      run.inst.history.push(cur);
      run.inst.current = undefined;
    }
    const code = OUTCOMES[run.row.kind][outcome];
    run.set.state = 'TASK_STATE_CLOSED';
    run.set.outcome = code;
    run.set.outcomeAt = new Date();
    run.set.stepApproverIds = [];
    run.audit({ stateChange: { previousState: 'TASK_STATE_OPEN' } });
    run.audit(run.row.kind === 'grant' ? { grantOutcome: { outcome: code } } : { revokeOutcome: { outcome: code } });
  }

  /** Records the current approval's decision and moves on. */
  async decide(run: Run, decision: 'approve' | 'deny', userId: string | undefined): Promise<void> {
    const cur = run.current as StepInstance & { approval: NonNullable<StepInstance['approval']> };
    const at = new Date().toISOString();
    if (decision === 'approve') cur.approval.approved = { userId, approvedAt: at };
    else cur.approval.denied = { userId, deniedAt: at };
    cur.approval.state = 'APPROVAL_INSTANCE_STATE_DONE';
    cur.state = 'POLICY_STEP_STATE_DONE';
    run.audit({ approvalInstanceChange: { instance: cur.approval } });
    if (decision === 'deny') {
      this.close(run, 'denied');
      return;
    }
    run.inst.history.push(cur);
    run.inst.current = undefined;
    run.set.stepApproverIds = [];
    await this.advance(run);
  }
}
