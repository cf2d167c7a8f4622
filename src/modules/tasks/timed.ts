// The engine's timed work (engine.tick): a wait whose condition holds or whose time came passes,
// one past its timeout closes the task WAIT_TIMED_OUT, an approval past its escalation time
// escalates, a manual provision step whose grant exists completes.
import { ApiError } from '../../lib/errors.ts';
import { celEvaluate } from '../policies/cel.ts';
import type { Policy } from '../policies/schemas.ts';
import type { Engine, EngineDeps, EscalationState, Run, StepInstance } from './engine.ts';

const now = () => new Date().toISOString();

/**
 * The background worker's step (also ProcessNow): a wait whose condition holds or whose time
 * came passes, one past its timeout closes the task WAIT_TIMED_OUT, an approval past its
 * escalation time escalates, a manual provision step whose grant exists completes.
 * Answers whether anything changed.
 */
export async function tick(engine: Engine, deps: EngineDeps, run: Run, actorId?: string): Promise<boolean> {
  if (run.state !== 'TASK_STATE_OPEN') return false;
  const cur = run.current;
  if (!cur) {
    await engine.advance(run);
    return true;
  }
  const t = Date.now();
  if (cur.wait) {
    const w = cur.wait;
    let ok = !!w.until && t >= Date.parse(w.until);
    if (w.condition?.condition && run.ctx) {
      const r = celEvaluate(w.condition.condition, run.ctx.celVars);
      ok = r.error === undefined && r.value === true;
    } else if (!w.condition?.condition && !w.until) ok = true;
    if (ok) {
      w.state = 'WAIT_INSTANCE_STATE_COMPLETED';
      w.succeeded = { succeededAt: now() };
      run.audit(
        { waitStepSuccess: { stepId: cur.id, condition: w.condition?.condition ?? '', succeededAt: w.succeeded.succeededAt } },
        undefined,
      );
      engine.endCurrent(run);
      await engine.advance(run);
      return true;
    }
    if (w.timeout && t >= Date.parse(w.timeout)) {
      w.state = 'WAIT_INSTANCE_STATE_TIMED_OUT';
      w.timedOut = { timedOutAt: now() };
      run.audit(
        { waitStepTimedOut: { stepId: cur.id, condition: w.condition?.condition ?? '', timedOutAt: w.timedOut.timedOutAt } },
        undefined,
      );
      if (w.commentOnTimeout) run.audit({ comment: { comment: w.commentOnTimeout, updatedAt: now() } }, undefined);
      engine.close(run, 'timedOut');
      return true;
    }
    return false;
  }
  const esc = cur.approval?.escalationInstance;
  if (esc && !esc.alreadyEscalated && esc.expiresAt && t >= Date.parse(esc.expiresAt)) {
    await escalate(engine, deps, run, cur, esc);
    return true;
  }
  if (cur.provision?.state === 'PROVISION_INSTANCE_STATE_WAITING') {
    const held = await deps.grants.heldBy(
      run.row.tenantId,
      run.row.appId,
      run.row.appEntitlementId,
      run.row.identityUserId,
      run.tx,
    );
    if (held) {
      completeManual(engine, run, held, actorId);
      return true;
    }
  }
  return false;
}

/** A manual provision step done: someone granted the access (add-manual-user); the task closes GRANTED. */
function completeManual(engine: Engine, run: Run, appUserId: string, userId: string | undefined): void {
  run.set.appUserId = appUserId;
  engine.endCurrent(run, (cur) => {
    if (cur.provision) cur.provision.completed = { userId, completedAt: now() };
  });
  run.note(`provisioned manually${userId ? ` by ${userId}` : ''}: grant recorded`);
  engine.close(run, 'done');
}

/** The approval's SLA passed: reassign, replace the policy, cancel or skip as its escalation says. */
async function escalate(engine: Engine, deps: EngineDeps, run: Run, cur: StepInstance, esc: EscalationState): Promise<void> {
  esc.alreadyEscalated = true;
  const what = esc.reassignToApprovers
    ? 'reassigned'
    : esc.replacePolicy?.policyId
      ? 'policy replaced'
      : esc.cancelTicket
        ? 'task cancelled'
        : esc.skipStep
          ? 'step skipped'
          : 'no action';
  run.audit({ slaEscalation: { message: `approval not decided by ${esc.expiresAt}: ${what}` } }, undefined);
  if (esc.escalationComment) run.audit({ comment: { comment: esc.escalationComment, updatedAt: now() } }, undefined);
  if (esc.reassignToApprovers) {
    const r = await engine.resolve(run, { users: { userIds: esc.reassignToApprovers.approverIds ?? [] } });
    run.audit({ approvalReassigned: { oldPolicyStepId: cur.id, newPolicyStepId: cur.id } }, undefined);
    for (const n of r.notes) run.note(n);
    run.set.stepApproverIds = r.approverIds;
    cur.approverIds = [...new Set([...(cur.approverIds ?? []), ...r.approverIds])];
  } else if (esc.replacePolicy?.policyId) {
    const policy = await deps.policies.get(run.row.tenantId, esc.replacePolicy.policyId, run.tx).catch((err) => {
      if (err instanceof ApiError) return undefined;
      throw err;
    });
    if (!policy) {
      // Deleted since the policy was written: the step keeps waiting for its approvers.
      run.note(`escalation policy ${esc.replacePolicy.policyId} no longer exists: the step keeps its approvers`);
      return;
    }
    const oldPolicyId = (run.inst.policy as Policy | undefined)?.id ?? '';
    engine.endCurrent(run);
    run.audit({ policyChanged: { oldPolicyId, newPolicyId: policy.id } }, undefined);
    await engine.runPolicy(run, policy);
  } else if (esc.cancelTicket) {
    engine.close(run, 'cancelled');
  } else if (esc.skipStep) {
    await engine.skip(run, undefined);
  }
}
