// Which policy a task runs (entitlement, app, built-in, emergency), distinct approvers across
// steps, and a task whose app went away before it was provisioned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWith, auditKinds, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('task policy selection on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
    bob = await person(s);
    carol = await person(s);
  });
  afterAll(async () => s?.close());

  const usersStep = (ids: string[], extra: object = {}) => ({ approval: { users: { userIds: ids, ...extra } } });

  it("the entitlement's policy, else the app's, else the built-in; emergency access its own", async () => {
    const appPolicy = await makePolicy(s.admin, { grant: { steps: [usersStep([bob.me.id]), { provision: {} }] } });
    const entPolicy = await makePolicy(s.admin, { grant: { steps: [usersStep([carol.me.id]), { provision: {} }] } });
    const emergencyPolicy = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }, { provision: {} }] } });
    const { appId, entId } = await appWith(s, owner, {}, { grantPolicyId: appPolicy });
    const fromApp = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(fromApp.policy.policy.id).toBe(appPolicy);
    expect(fromApp.stepApproverIds).toEqual([bob.me.id]);

    const ent2 = await s.admin.post(`/api/v1/apps/${appId}/entitlements`, {
      displayName: 'Break glass',
      grantPolicyId: entPolicy,
      emergencyGrantEnabled: true,
      emergencyGrantPolicyId: emergencyPolicy,
    });
    const ent2Id = ent2.body.appEntitlementView.appEntitlement.id;
    const fromEnt = await requestGrant(alice, { appId, appEntitlementId: ent2Id, identityUserId: alice.me.id });
    expect(fromEnt.policy.policy.id).toBe(entPolicy);
    expect(fromEnt.stepApproverIds).toEqual([carol.me.id]);
    const urgent = await requestGrant(bob, { appId, appEntitlementId: ent2Id, identityUserId: bob.me.id, emergencyAccess: true });
    expect(urgent.policy.policy.id).toBe(emergencyPolicy);
    expect(urgent.emergencyAccess).toBe(true);
    expect(urgent.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');

    const plain = await appWith(s, owner);
    const builtin = await requestGrant(alice, { appId: plain.appId, appEntitlementId: plain.entId, identityUserId: alice.me.id });
    expect(builtin.policy.policy.id).toBe(DEFAULT_GRANT_POLICY.id);
  });

  it('requireDistinctApprovers: who approved an earlier step is not assigned again', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          usersStep([bob.me.id, carol.me.id]),
          usersStep([bob.me.id, carol.me.id], { requireDistinctApprovers: true }),
          { provision: {} },
        ],
      },
    });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const first = await bob.post(`/api/v1/tasks/${t.id}/action/approve`, { policyStepId: t.policy.current.id });
    expect(first.status).toBe(200);
    const mid = first.body.taskView.task;
    expect(mid.state).toBe('TASK_STATE_OPEN');
    expect(mid.stepApproverIds).toEqual([carol.me.id]);
    expect(mid.policy.current.id).not.toBe(t.policy.current.id);
    // Bob approved the first step and may still read the task, but not act on this one.
    const again = await bob.post(`/api/v1/tasks/${t.id}/action/approve`, { policyStepId: mid.policy.current.id });
    expect(again.status).toBe(403);
    const last = await carol.post(`/api/v1/tasks/${t.id}/action/approve`, { policyStepId: mid.policy.current.id });
    expect(last.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
  });

  it('a task whose app was deleted before provisioning closes in ERROR', async () => {
    const { appId, entId } = await appWith(s, owner);
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect((await s.admin.del(`/api/v1/apps/${appId}`)).status).toBe(200);
    const res = await owner.post(`/api/v1/tasks/${t.id}/action/approve`, { policyStepId: t.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_ERROR');
    expect(await auditKinds(alice, t.id)).toContain('provisionError');
  });
});
