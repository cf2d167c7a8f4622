// Restart, SkipStep, HardReset, ProcessNow, EscalateToEmergencyAccess and UpdateRequestData:
// each one's effect, who may, and its errors (a failed action changes nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWith, auditKinds, getTask, holders, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('more task actions on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let arAdmin: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
    bob = await person(s);
    arAdmin = await person(s, ['access_request_admin']);
  });
  afterAll(async () => s?.close());

  const usersStep = (ids: string[]) => ({ approval: { users: { userIds: ids } } });
  const action = (c: Person | TestServer['admin'], id: string, x: string, body: object = {}) =>
    c.post(`/api/v1/tasks/${id}/action/${x}`, body);
  /** A grant task waiting for bob, then owner, then provision. */
  async function twoSteps() {
    const policyId = await makePolicy(s.admin, {
      grant: { steps: [usersStep([bob.me.id]), usersStep([owner.me.id]), { provision: {} }] },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    return { appId, entId, t };
  }

  it('restart: the current step starts again with a new id and its approvers; assignees and administrators only', async () => {
    const { t } = await twoSteps();
    const step = t.policy.current.id;
    expect((await action(alice, t.id, 'restart', { policyStepId: step })).status).toBe(403);
    expect((await action(bob, t.id, 'restart', { policyStepId: 'stale' })).body.code).toBe(9);
    expect((await getTask(alice, t.id)).policy.current.id).toBe(step);
    const res = await action(bob, t.id, 'restart', { policyStepId: step, comment: 'again' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = res.body.taskView.task;
    expect(after.policy.current.id).not.toBe(step);
    expect(after.stepApproverIds).toEqual([bob.me.id]);
    expect(after.policy.history[0].approval.restarted).toMatchObject({ oldPolicyStepId: step, userId: bob.me.id });
    expect(res.body.ticketActionId).toBe('');
    expect(await auditKinds(alice, t.id)).toContain('taskRestarted');
  });

  it('skip-step: an administrator of requests passes over the step; others 403', async () => {
    const { appId, entId, t } = await twoSteps();
    const me = await getTask(arAdmin, t.id);
    expect(me.actions).toEqual(expect.arrayContaining(['TASK_ACTION_TYPE_SKIP_STEP', 'TASK_ACTION_TYPE_HARD_RESET']));
    expect((await getTask(bob, t.id)).actions).not.toContain('TASK_ACTION_TYPE_SKIP_STEP');
    expect((await action(bob, t.id, 'skip-step', { policyStepId: t.policy.current.id })).status).toBe(403);
    const res = await action(arAdmin, t.id, 'skip-step', { policyStepId: t.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = res.body.taskView.task;
    expect(after.policy.history[0].approval.skipped.userId).toBe(arAdmin.me.id);
    expect(after.stepApproverIds).toEqual([owner.me.id]);
    expect(await auditKinds(alice, t.id)).toContain('stepSkipped');
    const last = await action(s.admin, t.id, 'skip-step', {});
    expect(last.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    expect((await action(s.admin, t.id, 'skip-step', {})).body.code).toBe(9);
  });

  it('reset: the policy runs again from its first step; administrators only; closed 400', async () => {
    const { t } = await twoSteps();
    await action(bob, t.id, 'approve', { policyStepId: t.policy.current.id });
    expect((await getTask(alice, t.id)).stepApproverIds).toEqual([owner.me.id]);
    expect((await action(owner, t.id, 'reset', {})).status).toBe(403);
    const res = await action(arAdmin, t.id, 'reset', { comment: 'start over' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = res.body.taskView.task;
    expect(after.stepApproverIds).toEqual([bob.me.id]);
    expect(after.policy.next).toHaveLength(2);
    // The snapshot's policy keeps all its steps (the engine consumes a copy of them).
    expect(after.policy.policy.policySteps.grant.steps).toHaveLength(3);
    expect(await auditKinds(alice, t.id)).toContain('hardReset');
    await action(alice, t.id, 'close', {});
    expect((await action(arAdmin, t.id, 'reset', {})).body.code).toBe(9);
  });

  it('process: a wait condition is checked again now; without change the task is as it was', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: { steps: [{ wait: { condition: { condition: 'entitlement.description == "open"' } } }, { provision: {} }] },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId, description: 'closed' });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.state).toBe('TASK_STATE_OPEN');
    expect((await action(alice, t.id, 'process')).status).toBe(403);
    const same = await action(arAdmin, t.id, 'process');
    expect(same.status).toBe(200);
    expect(same.body.taskView.task.updatedAt).toBe(t.updatedAt);
    const upd = await s.admin.post(`/api/v1/apps/${appId}/entitlements/${entId}`, {
      entitlement: { description: 'open' },
      updateMask: 'description',
    });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    const res = await action(arAdmin, t.id, 'process');
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(res.body.taskView.task.policy.history[0].wait.succeeded).toBeTruthy();
  });

  it('escalate: the requester switches to the emergency grant policy; refused without one', async () => {
    const emergency = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }, { provision: {} }] } });
    const normal = await makePolicy(s.admin, { grant: { steps: [usersStep([owner.me.id]), { provision: {} }] } });
    const { appId, entId } = await appWith(s, owner, {
      grantPolicyId: normal,
      emergencyGrantEnabled: true,
      emergencyGrantPolicyId: emergency,
    });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.actions).toContain('TASK_ACTION_TYPE_ESCALATE_TO_EMERGENCY_ACCESS');
    expect((await action(owner, t.id, 'escalate', {})).status).toBe(403);
    expect((await action(alice, t.id, 'escalate', { policyStepId: 'stale' })).body.code).toBe(9);
    const res = await action(alice, t.id, 'escalate', { policyStepId: t.policy.current.id, comment: 'outage' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = res.body.taskView.task;
    expect(after).toMatchObject({ emergencyAccess: true, state: 'TASK_STATE_CLOSED' });
    expect(after.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(after.policy.policy.id).toBe(emergency);
    expect(await auditKinds(alice, t.id)).toContain('taskEscalated');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);

    const plain = await appWith(s, owner);
    const t2 = await requestGrant(alice, { appId: plain.appId, appEntitlementId: plain.entId, identityUserId: alice.me.id });
    expect(t2.actions).not.toContain('TASK_ACTION_TYPE_ESCALATE_TO_EMERGENCY_ACCESS');
    const no = await action(alice, t2.id, 'escalate', {});
    expect(no.status).toBe(400);
    expect(no.body.code).toBe(9);
    expect((await getTask(alice, t2.id)).emergencyAccess).toBe(false);
  });

  it('update-request-data: the requester replaces `data` while open (none clears it); others 403; closed 400', async () => {
    const { t } = await twoSteps();
    expect((await action(alice, t.id, 'update-request-data', { data: 'text' })).status).toBe(400);
    expect((await action(bob, t.id, 'update-request-data', { data: { x: 1 } })).status).toBe(403);
    const res = await action(alice, t.id, 'update-request-data', { data: { reason: 'project x', days: 3 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.data).toEqual({ reason: 'project x', days: 3 });
    expect((await getTask(alice, t.id)).data).toEqual({ reason: 'project x', days: 3 });
    const cleared = await action(alice, t.id, 'update-request-data', {});
    expect(cleared.status).toBe(200);
    expect(cleared.body.taskView.task.data).toBeUndefined();
    await action(alice, t.id, 'close', {});
    expect((await action(alice, t.id, 'update-request-data', { data: { y: 2 } })).body.code).toBe(9);
  });

  it('update-grant-duration: an approver changes the requested duration, within the cap; the grant ends then', async () => {
    const policyId = await makePolicy(s.admin, { grant: { steps: [usersStep([bob.me.id]), { provision: {} }] } });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId, durationGrant: '7200s' });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id, grantDuration: '3600s' });
    expect((await action(alice, t.id, 'update-grant-duration', { duration: '60s' })).status).toBe(403);
    const over = await action(bob, t.id, 'update-grant-duration', { duration: '9000s' });
    expect(over.body.message).toBe('duration: grant duration must be less than or equal to max provision time');
    expect((await action(bob, t.id, 'update-grant-duration', { duration: '0s' })).status).toBe(400);
    const res = await action(bob, t.id, 'update-grant-duration', { duration: '600s' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.grantDuration).toBe('600s');
    expect(await auditKinds(alice, t.id)).toContain('grantDurationUpdated');
    const done = await action(bob, t.id, 'approve', { policyStepId: t.policy.current.id });
    expect(done.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    const grants = await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}/users`);
    const until = Date.parse(grants.body.list[0].appEntitlementUserBindingDeprovisionAt);
    const asked = until - Date.parse(done.body.taskView.task.type.grant.outcomeTime);
    expect(asked).toBeGreaterThan(590_000);
    expect(asked).toBeLessThanOrEqual(601_000);
    expect((await action(bob, t.id, 'update-grant-duration', { duration: '60s' })).body.code).toBe(9);
  });

  it('a task the caller may not see answers 404 to every action', async () => {
    const { t } = await twoSteps();
    const stranger = await person(s);
    for (const x of ['restart', 'skip-step', 'reset', 'process', 'escalate', 'update-request-data', 'update-grant-duration']) {
      const res = await action(stranger, t.id, x, x === 'update-grant-duration' ? { duration: '60s' } : {});
      expect(res.status, x).toBe(404);
    }
  });
});
