// The task actions beyond comment/close/reassign: approve and deny, and C1's TaskActionsService
// (Restart, SkipStep, HardReset, ProcessNow, EscalateToEmergencyAccess and UpdateRequestData).
// Each is one change of one locked task (TasksService.change); the engine does the steps.
import type { Caller } from '../../http/routes.ts';
import { failedPrecondition, invalidArgument, permissionDenied } from '../../lib/errors.ts';
import type { Policy } from '../policies/schemas.ts';
import type { Run, StepInstance } from './engine.ts';
import type { TasksService } from './service.ts';
import { durationSeconds } from './timers.ts';
import { actsOnAll, isApprover, mayClose } from './views.ts';

const note = (run: Run, comment: string | undefined, caller: Caller) => {
  if (comment?.trim())
    run.audit({ comment: { comment: comment.trim(), updatedAt: new Date().toISOString(), updatedBy: caller.userId } });
};

const mustBeOpen = (run: Run) => {
  if (run.row.state !== 'TASK_STATE_OPEN') throw failedPrecondition('task is closed');
};

/** `policyStepId`, when given, must name the current step (a stale one must not act on the next). */
const currentStep = (run: Run, stepId: string | undefined) => {
  mustBeOpen(run);
  const cur = run.current;
  if (!cur) throw failedPrecondition('the task has no current step');
  if (stepId && stepId !== cur.id) throw failedPrecondition(`policyStepId: ${stepId} is not the task's current step`);
  return cur;
};

const adminOnly = (caller: Caller, what: string) => {
  if (!actsOnAll(caller)) throw permissionDenied(`only a Super Administrator or an Access Request Administrator may ${what}`);
};

export class MoreTaskActions {
  constructor(private readonly tasks: TasksService) {}

  /** Approve or deny the current approval step. A replay of a decision already made answers the task as it is. */
  decide(
    tenantId: string,
    ref: string,
    decision: 'approve' | 'deny',
    stepId: string,
    comment: string | undefined,
    caller: Caller,
  ) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      const { row } = run;
      const cur = run.current;
      if (row.state !== 'TASK_STATE_OPEN' || !cur || cur.id !== stepId) {
        const done = (row.policy.history as StepInstance[]).find((h) => h.id === stepId);
        const same = decision === 'approve' ? done?.approval?.approved : done?.approval?.denied;
        if (same && (same.userId === caller.userId || actsOnAll(caller))) return false;
        if (done?.approval) {
          const what = done.approval.approved ? 'approved' : 'denied';
          throw failedPrecondition(`policyStepId: step ${stepId} was already ${what}`);
        }
        throw failedPrecondition(`policyStepId: ${stepId} is not the task's current step`);
      }
      if (!cur.approval) throw failedPrecondition(`policyStepId: step ${stepId} is not an approval step`);
      if (!isApprover(row, caller) && !actsOnAll(caller)) {
        throw permissionDenied(
          `only the step's approvers, a Super Administrator or an Access Request Administrator may ${decision}`,
        );
      }
      const a = cur.approval.approval;
      const needsReason = decision === 'approve' ? a?.requireApprovalReason : a?.requireDenialReason;
      if (needsReason && !comment?.trim()) throw invalidArgument(`comment: this step requires a reason to ${decision}`);
      note(run, comment, caller);
      await this.tasks.engine.decide(run, decision, caller.userId);
      return true;
    });
  }

  /** Starts the current step again (approvers found again, a wait from now): its assignees or administrators. */
  restart(tenantId: string, ref: string, stepId: string | undefined, comment: string | undefined, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      currentStep(run, stepId);
      if (!isApprover(run.row, caller)) adminOnly(caller, 'restart a step');
      note(run, comment, caller);
      await this.tasks.engine.restart(run, caller.userId);
      return true;
    });
  }

  /** Passes over the current step and runs the next: administrators of requests. */
  skipStep(tenantId: string, ref: string, stepId: string | undefined, comment: string | undefined, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      currentStep(run, stepId);
      adminOnly(caller, 'skip a step');
      note(run, comment, caller);
      await this.tasks.engine.skip(run, caller.userId);
      return true;
    });
  }

  /** Runs the task's policy again from its first step (C1's HardReset): administrators of requests. */
  reset(tenantId: string, ref: string, comment: string | undefined, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      mustBeOpen(run);
      adminOnly(caller, 'reset a task');
      const policy = run.inst.policy as Policy | undefined;
      if (!policy) throw failedPrecondition('the task has no policy to run again');
      note(run, comment, caller);
      const old = this.tasks.engine.endCurrent(run);
      run.audit({ hardReset: { oldPolicyStepId: old?.id ?? '' } });
      await this.tasks.engine.runPolicy(run, policy);
      return true;
    });
  }

  /** Does now what the worker would do at the next due time it reaches (a condition checked again, ...). */
  process(tenantId: string, ref: string, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      mustBeOpen(run);
      if (!isApprover(run.row, caller)) adminOnly(caller, 'process a task');
      return this.tasks.engine.tick(run, caller.userId);
    });
  }

  /** Switches an open grant task to the entitlement's emergency grant policy: its requester, subject or administrators. */
  escalate(tenantId: string, ref: string, stepId: string | undefined, comment: string | undefined, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      mustBeOpen(run);
      if (stepId && stepId !== run.current?.id)
        throw failedPrecondition(`policyStepId: ${stepId} is not the task's current step`);
      if (!mayClose(run.row, caller))
        throw permissionDenied('only the requester, the subject or an administrator may escalate a task to emergency access');
      if (run.row.kind !== 'grant') throw failedPrecondition('only a grant task can be escalated to emergency access');
      if (run.row.emergencyAccess) throw failedPrecondition('the task is already an emergency access request');
      const ent = run.ctx?.entitlement;
      if (!ent?.emergencyGrantEnabled) throw failedPrecondition('the entitlement does not allow emergency access');
      if (!ent.emergencyGrantPolicyId) throw failedPrecondition('the entitlement has no emergency grant policy');
      const policy = await this.tasks.policy(run, ent.emergencyGrantPolicyId);
      const oldPolicyId = (run.inst.policy as Policy | undefined)?.id ?? '';
      note(run, comment, caller);
      const old = this.tasks.engine.endCurrent(run);
      run.set.emergencyAccess = true;
      run.audit({ taskEscalated: { oldPolicyId, oldPolicyStepId: old?.id ?? '' } });
      await this.tasks.engine.runPolicy(run, policy);
      return true;
    });
  }

  /**
   * Changes the grant duration an open grant task asks for (C1's newer UpdateGrantDuration): its
   * current step's assignees or administrators; no more than the entitlement's own duration.
   */
  updateGrantDuration(tenantId: string, ref: string, duration: string, caller: Caller) {
    // A proto Duration in JSON: seconds with an `s` (C1's form), checked here rather than by the schema.
    const secs = /^[0-9]{1,12}(\.[0-9]{1,9})?s$/.test(duration) ? durationSeconds(duration) : undefined;
    if (!secs) throw invalidArgument('duration: must be a duration of at least one second ("3600s")');
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      mustBeOpen(run);
      if (run.row.kind !== 'grant') throw failedPrecondition('only a grant task has a grant duration');
      if (!isApprover(run.row, caller)) adminOnly(caller, "change a task's grant duration");
      const cap = run.ctx?.entitlement.durationGrantSeconds;
      if (cap && secs > cap) throw invalidArgument('duration: grant duration must be less than or equal to max provision time');
      run.set.grantDurationSeconds = secs;
      run.audit({ grantDurationUpdated: { duration: `${secs}s` } });
      return true;
    });
  }

  /**
   * Replaces the task's request data while it is open: its requester, subject or administrators.
   * No `data` clears it (`cone` sends an empty body for empty data).
   */
  updateRequestData(tenantId: string, ref: string, data: Record<string, unknown> | undefined, caller: Caller) {
    return this.tasks.change(tenantId, ref, caller, async (run) => {
      mustBeOpen(run);
      if (!mayClose(run.row, caller))
        throw permissionDenied('only the requester, the subject or an administrator may update the request data');
      run.set.requestData = data ?? null;
      run.note(data ? 'request data updated' : 'request data cleared');
      return true;
    });
  }
}
