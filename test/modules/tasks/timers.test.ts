// The engine's timed work, run by the background worker (core.sweep's task-engine job): wait
// steps (duration, condition, timeout), approval escalation (reassign, replace the policy, not
// without escalationEnabled), manual provisioning completed by add-manual-user, and the time
// revoke recorded when a time-bound grant ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { passed } from '../grants/fixtures.ts';
import { appWith, auditKinds, getTask, holders, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('task timers on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
    bob = await person(s);
  });
  afterAll(async () => s?.close());

  const sweep = async () => expect(await s.core.sweep()).toEqual([]);
  const usersStep = (ids: string[], extra: object = {}) => ({ approval: { users: { userIds: ids }, ...extra } });

  it('a duration wait holds the task until its time, then the worker runs the next steps', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: { steps: [{ wait: { name: 'cool-off', duration: { duration: '3s' }, timeoutDuration: '60s' } }, { provision: {} }] },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.state).toBe('TASK_STATE_OPEN');
    expect(t.policy.current.wait).toMatchObject({
      name: 'cool-off',
      state: 'WAIT_INSTANCE_STATE_WAITING',
      timeoutDuration: '60s',
    });
    expect(t.policy.current.wait.until).toBeUndefined(); // kept, not answered
    const end = Date.parse(t.policy.current.wait.startedWaitingAt) + 3000;
    // Before the end (when this machine is not too slow to be there still), the worker leaves it waiting.
    if (Date.now() < end - 1000) {
      await sweep();
      expect((await getTask(alice, t.id)).state).toBe('TASK_STATE_OPEN');
      expect(await holders(s, appId, entId)).toEqual([]);
    }
    await passed(end);
    await sweep();
    const done = await getTask(alice, t.id);
    expect(done.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(done.policy.history[0].wait).toMatchObject({ state: 'WAIT_INSTANCE_STATE_COMPLETED' });
    expect(done.policy.history[0].wait.succeeded.succeededAt).toBeTruthy();
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    const kinds = await auditKinds(alice, t.id);
    expect(kinds.indexOf('waitStepWaiting')).toBeLessThan(kinds.indexOf('waitStepSuccess'));
  });

  it('a wait that times out closes the task WAIT_TIMED_OUT with its timeout comment; nothing is granted', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          {
            wait: {
              condition: { condition: 'subject.department == "never-this"' },
              timeoutDuration: '3s',
              commentOnFirstWait: 'waiting for HR',
              commentOnTimeout: 'gave up',
            },
          },
          { provision: {} },
        ],
      },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.policy.current.wait.condition.condition).toBe('subject.department == "never-this"');
    if (Date.now() < Date.parse(t.policy.current.wait.timeout) - 1000) {
      await sweep(); // the condition is false and the timeout not reached
      expect((await getTask(alice, t.id)).state).toBe('TASK_STATE_OPEN');
    }
    await passed(t.policy.current.wait.timeout);
    await sweep();
    const done = await getTask(alice, t.id);
    expect(done.type.grant.outcome).toBe('GRANT_OUTCOME_WAIT_TIMED_OUT');
    expect(done.policy.history[0].wait.state).toBe('WAIT_INSTANCE_STATE_TIMED_OUT');
    expect(done.policy.history[0].wait.timedOut.timedOutAt).toBeTruthy();
    expect(done.commentCount).toBe(2);
    expect(await holders(s, appId, entId)).toEqual([]);
    expect((await auditKinds(alice, t.id)).slice(-4)).toEqual(['waitStepTimedOut', 'comment', 'stateChange', 'grantOutcome']);
  });

  it('a wait whose condition already holds passes at once', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: { steps: [{ wait: { condition: { condition: `subject.id == "${alice.me.id}"` } } }, { provision: {} }] },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(t.policy.history[0].wait.state).toBe('WAIT_INSTANCE_STATE_COMPLETED');
  });

  it('escalation: past its expiration an undecided approval goes to reassignToApprovers, once', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          usersStep([owner.me.id], {
            escalationEnabled: true,
            escalation: {
              expiration: '1',
              escalationComment: 'owner is away',
              reassignToApprovers: { approverIds: [bob.me.id] },
            },
          }),
          { provision: {} },
        ],
      },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const esc = t.policy.current.approval.escalationInstance;
    expect(esc).toMatchObject({ alreadyEscalated: false, escalationComment: 'owner is away' });
    await passed(esc.expiresAt);
    await sweep();
    const moved = await getTask(bob, t.id);
    expect(moved.stepApproverIds).toEqual([bob.me.id]);
    expect(moved.policy.current.approval.escalationInstance.alreadyEscalated).toBe(true);
    expect(moved.actions).toContain('TASK_ACTION_TYPE_APPROVE');
    const kinds = await auditKinds(alice, t.id);
    expect(kinds).toContain('slaEscalation');
    expect(kinds).toContain('approvalReassigned');
    await sweep(); // escalates once only
    expect(await auditKinds(alice, t.id)).toEqual(kinds);
    const res = await bob.post(`/api/v1/tasks/${t.id}/action/approve`, { policyStepId: moved.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
  });

  it('escalation: replacePolicy runs the other policy from its first step', async () => {
    const other = await makePolicy(s.admin, { grant: { steps: [usersStep([bob.me.id]), { provision: {} }] } });
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          usersStep([owner.me.id], {
            escalationEnabled: true,
            escalation: { expiration: '1', replacePolicy: { policyId: other } },
          }),
          { provision: {} },
        ],
      },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    await passed(t.policy.current.approval.escalationInstance.expiresAt);
    await sweep();
    const moved = await getTask(alice, t.id);
    expect(moved.policy.policy.id).toBe(other);
    expect(moved.stepApproverIds).toEqual([bob.me.id]);
    expect(moved.policy.history).toHaveLength(1);
    expect(await auditKinds(alice, t.id)).toContain('policyChanged');
  });

  it('without escalationEnabled an escalation is kept but never runs', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [usersStep([owner.me.id], { escalation: { expiration: '1', reassignToApprovers: { approverIds: [bob.me.id] } } })],
      },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.policy.current.approval.escalationInstance).toBeUndefined();
    await passed(Date.parse(t.createdAt) + 1000);
    await sweep();
    expect((await getTask(alice, t.id)).stepApproverIds).toEqual([owner.me.id]);
  });

  /** A grant policy whose one step is manual provisioning by bob. */
  const manualProvisionPolicy = () =>
    makePolicy(s.admin, {
      grant: {
        steps: [{ provision: { provisionPolicy: { manual: { instructions: 'add in the console', userIds: [bob.me.id] } } } }],
      },
    });

  it('manual provisioning: the task waits for a provisioner; add-manual-user completes it GRANTED', async () => {
    const policyId = await manualProvisionPolicy();
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.state).toBe('TASK_STATE_OPEN');
    expect(t.stepApproverIds).toEqual([bob.me.id]);
    expect(t.policy.current.provision.state).toBe('PROVISION_INSTANCE_STATE_WAITING');
    const seen = await getTask(bob, t.id); // the provisioner may read it
    expect(seen.actions).not.toContain('TASK_ACTION_TYPE_APPROVE');
    await sweep();
    expect((await getTask(alice, t.id)).state).toBe('TASK_STATE_OPEN');
    const add = await s.admin.post(`/api/v1/apps/${appId}/entitlements/${entId}/add-manual-user`, { userIds: [alice.me.id] });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    const done = await getTask(alice, t.id);
    expect(done.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(done.type.grant.appUserId).toBeTruthy();
    expect(done.policy.history[0].provision.completed.completedAt).toBeTruthy();
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
  });

  it('manual provisioning: one add-manual-user for several users completes each of their waiting tasks, and only theirs', async () => {
    const policyId = await manualProvisionPolicy();
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const forAlice = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const forOwner = await requestGrant(owner, { appId, appEntitlementId: entId, identityUserId: owner.me.id });
    const other = await appWith(s, owner, { grantPolicyId: policyId });
    const elsewhere = await requestGrant(alice, {
      appId: other.appId,
      appEntitlementId: other.entId,
      identityUserId: alice.me.id,
    });
    for (const t of [forAlice, forOwner, elsewhere])
      expect(t.policy.current.provision.state).toBe('PROVISION_INSTANCE_STATE_WAITING');
    // Bob has no task waiting: granted all the same, nothing else changes.
    const add = await s.admin.post(`/api/v1/apps/${appId}/entitlements/${entId}/add-manual-user`, {
      userIds: [bob.me.id, owner.me.id, alice.me.id],
    });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    expect((await getTask(alice, forAlice.id)).type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect((await getTask(owner, forOwner.id)).type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    const untouched = await getTask(alice, elsewhere.id);
    expect(untouched.state).toBe('TASK_STATE_OPEN');
    expect(untouched.policy.current.provision.state).toBe('PROVISION_INSTANCE_STATE_WAITING');
    expect((await holders(s, appId, entId)).sort()).toEqual([alice.me.id, bob.me.id, owner.me.id].sort());
  });

  it('TIME_REVOKE: when a time-bound grant ends, the sweep records a closed revoke task with source.expired', async () => {
    const policyId = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }, { provision: {} }] } });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const g = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id, grantDuration: '1s' });
    expect(g.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    await passed(Date.parse(g.type.grant.outcomeTime) + 1000);
    await sweep();
    expect(await holders(s, appId, entId)).toEqual([]);
    const found = await s.admin.post('/api/v1/search/tasks', { subjectIds: [alice.me.id], appEntitlementIds: [entId] });
    expect(found.status).toBe(200);
    const revokes = found.body.list
      .map((v: { task: { type: { revoke?: object } } }) => v.task)
      .filter((x: { type: { revoke?: object } }) => x.type.revoke);
    expect(revokes).toHaveLength(1);
    const r = revokes[0];
    expect(r).toMatchObject({
      state: 'TASK_STATE_CLOSED',
      origin: 'TASK_ORIGIN_TIME_REVOKE',
      userId: alice.me.id,
      type: { revoke: { appId, appEntitlementId: entId, identityUserId: alice.me.id, outcome: 'REVOKE_OUTCOME_REVOKED' } },
    });
    expect(Date.parse(r.type.revoke.source.expired.expiredAt)).toBeLessThanOrEqual(Date.parse(r.createdAt));
    expect(r.createdByUserId).toBeUndefined();
    expect(await auditKinds(s.admin, r.id)).toEqual(['taskCreated', 'policyEvaluationStep', 'stateChange', 'revokeOutcome']);
    await sweep(); // once only
    const again = await s.admin.post('/api/v1/search/tasks', { subjectIds: [alice.me.id], appEntitlementIds: [entId] });
    expect(again.body.list).toHaveLength(found.body.list.length);
  });
});
