// The access-request engine: runs a task's policy snapshot step by step. Each call works on
// one task row its caller holds FOR UPDATE, inside the caller's transaction, and changes the
// row in memory (`Run.set`, `Run.inst`) and queues audits (`Run.audits`); the service writes
// both before committing, so a step change and its audit land together or not at all.
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { StoredPolicyInstance } from '../../db/schema-tasks.ts';
import { ApiError } from '../../lib/errors.ts';
import type { EntitlementRow } from '../entitlements/service.ts';
import { celEvaluate } from '../policies/cel.ts';
import type { Approval, Policy, PolicyStep } from '../policies/schemas.ts';
import type { PoliciesService } from '../policies/service.ts';
import type { User } from '../users/schemas.ts';
import { type ApproverDeps, resolveApprovers } from './approvers.ts';
import type { NewAuditRow, NewTaskRow, TaskRow } from './store.ts';
import { tick } from './timed.ts';
import { dueAt, durationSeconds, startWait, type WaitState } from './timers.ts';

export type EscalationState = {
  expiresAt?: string;
  alreadyEscalated?: boolean;
  escalationComment?: string;
  reassignToApprovers?: { approverIds?: string[] };
  replacePolicy?: { policyId?: string };
  /** Not answered (C1's instance has no such fields): the SDK's other escalation kinds. */
  cancelTicket?: object;
  skipStep?: object;
};

export type StepInstance = Record<string, unknown> & {
  id: string;
  state: string;
  /** Everyone this approval step was assigned to (stored, not answered: C1's step instance has no such field). */
  approverIds?: string[];
  /** The step's definition, kept to start it again (restart); not answered. */
  step?: PolicyStep;
  approval?: {
    approval?: Approval;
    state: string;
    approved?: Action;
    denied?: Action;
    escalationInstance?: EscalationState;
    skipped?: Skipped;
    restarted?: { oldPolicyStepId: string; restartedAt: string; userId?: string };
  };
  provision?: {
    state: string;
    provision?: object;
    completed?: { userId?: string; completedAt: string };
    skipped?: Skipped;
  };
  wait?: WaitState;
};
type Action = { userId?: string; approvedAt?: string; deniedAt?: string };
type Skipped = { skippedAt: string; userId?: string; newPolicyStepId?: string };

export type Outcome = 'done' | 'denied' | 'cancelled' | 'error' | 'timedOut';
const OUTCOMES: Record<string, Record<Outcome, string>> = {
  grant: {
    done: 'GRANT_OUTCOME_GRANTED',
    denied: 'GRANT_OUTCOME_DENIED',
    cancelled: 'GRANT_OUTCOME_CANCELLED',
    error: 'GRANT_OUTCOME_ERROR',
    timedOut: 'GRANT_OUTCOME_WAIT_TIMED_OUT',
  },
  revoke: {
    done: 'REVOKE_OUTCOME_REVOKED',
    denied: 'REVOKE_OUTCOME_DENIED',
    cancelled: 'REVOKE_OUTCOME_CANCELLED',
    error: 'REVOKE_OUTCOME_ERROR',
    timedOut: 'REVOKE_OUTCOME_WAIT_TIMED_OUT',
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

  /** The row to store: the fields set, the snapshot, and when the worker must look again. */
  changes(): Partial<NewTaskRow> {
    const open = this.state === 'TASK_STATE_OPEN';
    return { ...this.set, policy: this.inst, dueAt: open ? dueAt(this.inst, new Date()) : null };
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
export type EngineDeps = ApproverDeps & { policies: PoliciesService };

const now = () => new Date().toISOString();

/** Steps a webhook answers (webhook-steps.ts): the engine hands them over and the step waits. */
export type WebhookStarter = {
  startApproval(run: Run, id: string, approval: Approval): Promise<void>;
  startProvision(run: Run, provision: NonNullable<PolicyStep['provision']>, id: string): Promise<void>;
};

export class Engine {
  constructor(
    private readonly deps: EngineDeps,
    /** Grants or revokes the task's access (the provision step). */
    private readonly provision: Provisioner,
    private readonly webhooks?: WebhookStarter,
  ) {}

  /** Runs steps from the current one until a step waits (an approval, a wait, a manual provision) or the task closes. */
  async advance(run: Run): Promise<void> {
    while (run.state === 'TASK_STATE_OPEN') {
      if (run.current) return; // the current step waits for people or time
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
      await this.startApproval(run, id, step);
    } else if (step.accept) {
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE', accept: step.accept });
      run.note(`accepted by policy${step.accept.acceptMessage ? `: ${step.accept.acceptMessage}` : ''}`);
      run.audit({ approvalAutoAcceptedByPolicy: {} });
    } else if (step.reject) {
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE', reject: step.reject });
      run.note(`rejected by policy${step.reject.rejectMessage ? `: ${step.reject.rejectMessage}` : ''}`);
      this.close(run, 'denied');
    } else if (step.provision) {
      const manual = step.provision.provisionPolicy?.manual;
      if (run.row.kind === 'grant' && manual?.userIds?.length) await this.startManual(run, id, step, manual.userIds);
      else await this.provisionStep(run, step.provision, id);
    } else if (step.wait) {
      const wait = startWait(step.wait, new Date());
      run.inst.current = { id, state: 'POLICY_STEP_STATE_ACTIVE', step, wait };
      const condition = wait.condition?.condition ?? '';
      run.audit({ waitStepWaiting: { stepId: id, condition } });
      if (wait.commentOnFirstWait) run.audit({ comment: { comment: wait.commentOnFirstWait, updatedAt: now() } }, undefined);
      // A condition already true (or a zero-length wait) passes at once.
      await this.tick(run);
    } else {
      // Kinds the policies module refuses on write (form, action): nothing to run.
      run.inst.history.push({ id, state: 'POLICY_STEP_STATE_DONE' });
      run.note(`${Object.keys(step)[0] ?? 'empty'} steps are not run by Gatehouse: skipped`);
    }
  }

  private async startApproval(run: Run, id: string, step: PolicyStep): Promise<void> {
    const approval = step.approval as Approval;
    const r = await this.resolve(run, approval);
    const esc = approval.escalation;
    const secs = durationSeconds(esc?.expiration ? `${esc.expiration}s` : undefined);
    const escalationInstance: EscalationState | undefined =
      approval.escalationEnabled && esc && secs
        ? {
            expiresAt: new Date(Date.now() + secs * 1000).toISOString(),
            alreadyEscalated: false,
            escalationComment: esc.escalationComment,
            reassignToApprovers: esc.reassignToApprovers,
            replacePolicy: esc.replacePolicy,
            cancelTicket: esc.cancelTicket,
            skipStep: esc.skipStep,
          }
        : undefined;
    run.inst.current = {
      id,
      state: 'POLICY_STEP_STATE_ACTIVE',
      approverIds: r.approverIds,
      step,
      approval: { approval, state: 'APPROVAL_INSTANCE_STATE_WAITING', ...(escalationInstance ? { escalationInstance } : {}) },
    };
    run.set.stepApproverIds = r.approverIds;
    run.note(`approval step started; approvers: ${r.approverIds.join(', ') || 'none'}`);
    for (const n of r.notes) run.note(n);
    for (const d of r.delegated) {
      run.audit({ reassignedToDelegate: { originalAssigneeUserId: d.from, delegatedAssigneeUserId: d.to } });
    }
  }

  resolve(run: Run, approval: Approval) {
    const earlier = run.inst.history.map((h) => (h as StepInstance).approval?.approved?.userId).filter((u): u is string => !!u);
    return resolveApprovers(this.deps, approval, {
      tx: run.tx,
      tenantId: run.row.tenantId,
      appId: run.row.appId,
      ...(run.ctx as NonNullable<Run['ctx']>),
      requesterId: run.row.createdByUserId ?? undefined,
      earlierApproverIds: earlier,
    });
  }

  /** A manual provision step: waits until one of its provisioners grants the access (add-manual-user). */
  private async startManual(run: Run, id: string, step: PolicyStep, userIds: string[]): Promise<void> {
    // The provisioners are found as a `users` approval's approvers are (enabled, delegates, else Super Administrators).
    const r = await this.resolve(run, { users: { userIds, allowSelfApproval: true } });
    run.inst.current = {
      id,
      state: 'POLICY_STEP_STATE_ACTIVE',
      approverIds: r.approverIds,
      step,
      provision: { state: 'PROVISION_INSTANCE_STATE_WAITING', provision: step.provision },
    };
    run.set.stepApproverIds = r.approverIds;
    run.note(`manual provisioning: waiting for ${r.approverIds.join(', ') || 'nobody'} to grant the access`);
    for (const n of r.notes) run.note(n);
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
      completed: { completedAt: now() },
      ...(Object.keys(provision).length ? { provision } : {}),
    } as StepInstance['provision'];
    run.inst.history.push(instance);
    run.note(run.row.kind === 'grant' ? 'provisioned: grant recorded' : 'deprovisioned: grant removed');
    this.close(run, 'done');
  }

  /** Ends the current step (marked by `mark`) and moves it to the history. */
  endCurrent(run: Run, mark?: (cur: StepInstance) => void): StepInstance | undefined {
    const cur = run.current;
    if (!cur) return undefined;
    cur.state = 'POLICY_STEP_STATE_DONE';
    if (cur.approval) cur.approval.state = 'APPROVAL_INSTANCE_STATE_DONE';
    if (cur.wait && cur.wait.state === 'WAIT_INSTANCE_STATE_WAITING') cur.wait.state = 'WAIT_INSTANCE_STATE_COMPLETED';
    if (cur.provision && cur.provision.state !== 'PROVISION_INSTANCE_STATE_DONE')
      cur.provision.state = 'PROVISION_INSTANCE_STATE_DONE';
    mark?.(cur);
    run.inst.history.push(cur);
    run.inst.current = undefined;
    run.set.stepApproverIds = [];
    return cur;
  }

  /** Closes the task with this outcome; the active step, if any, ends. */
  close(run: Run, outcome: Outcome): void {
    this.endCurrent(run);
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
    const at = now();
    if (decision === 'approve') cur.approval.approved = { userId, approvedAt: at };
    else cur.approval.denied = { userId, deniedAt: at };
    cur.approval.state = 'APPROVAL_INSTANCE_STATE_DONE';
    run.audit({ approvalInstanceChange: { instance: cur.approval } });
    if (decision === 'deny') {
      this.close(run, 'denied');
      return;
    }
    this.endCurrent(run);
    await this.advance(run);
  }

  /** Skips the current step (an administrator's SkipStep, or an escalation's skipStep) and runs the next. */
  async skip(run: Run, userId: string | undefined): Promise<void> {
    const skipped: Skipped = { skippedAt: now(), userId };
    this.endCurrent(run, (cur) => {
      if (cur.approval) cur.approval.skipped = skipped;
      else if (cur.provision) cur.provision.skipped = skipped;
      else if (cur.wait) cur.wait.skipped = skipped;
    });
    run.audit({ stepSkipped: { skippedBy: userId ?? '' } });
    await this.advance(run);
  }

  /** Starts the current step again with a new id (Restart): approvers found again, a wait from now. */
  async restart(run: Run, userId: string | undefined): Promise<void> {
    const old = this.endCurrent(run, (cur) => {
      if (cur.approval) cur.approval.restarted = { oldPolicyStepId: cur.id, restartedAt: now(), userId };
    });
    if (!old) return;
    // Steps started before definitions were kept: rebuilt from their instance.
    const def = old.step ?? (old.approval ? { approval: old.approval.approval } : { provision: old.provision?.provision ?? {} });
    run.audit({ taskRestarted: { oldPolicyStepId: old.id } });
    run.inst.next.unshift(def as PolicyStep);
    await this.advance(run);
  }

  /** The task runs `policy` from its first step (an escalation's replacePolicy, emergency access, HardReset). */
  async runPolicy(run: Run, policy: Policy): Promise<void> {
    const vars = run.ctx?.celVars;
    const chosen = selectSteps(policy, run.row.kind, (text) =>
      vars ? celEvaluate(text, vars) : { error: 'the task has no subject or entitlement' },
    );
    run.inst.policy = policy;
    run.inst.next = structuredClone(chosen.steps); // the snapshot's policy keeps its own steps
    run.note(`policy "${policy.displayName}" (${policy.id}), steps "${chosen.key}"`);
    for (const n of chosen.notes) run.note(n);
    await this.advance(run);
  }

  /** The background worker's step (also ProcessNow): timed.ts. Answers whether anything changed. */
  tick(run: Run, actorId?: string): Promise<boolean> {
    return tick(this, this.deps, run, actorId);
  }
}
