// Who approves: each approval kind, self-approval, fallbacks, disabled approvers, delegates, and
// the rule that picks the steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleByKey } from '../../../src/modules/roles/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant, makeResource } from '../grants/fixtures.ts';
import { appWith, auditKinds, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

const approval = (a: object) => ({ grant: { steps: [{ approval: a }, { provision: {} }] } });

describe.each(backends)('task approvers on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let superAdmin: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
    bob = await person(s);
    carol = await person(s);
    superAdmin = await person(s, ['super_admin']);
  });
  afterAll(async () => s?.close());
  const tenant = () => s.admin.tenant.id;

  /** Alice requests an entitlement whose grant policy has this one approval; answers the task. */
  const requestWith = async (a: object, entitlement: Record<string, unknown> = {}, requester: Person = alice) => {
    const policyId = await makePolicy(s.admin, approval(a));
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId, ...entitlement });
    const task = await requestGrant(requester, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    return { task, appId, entId };
  };

  it('users: the listed users, in order', async () => {
    const { task } = await requestWith({ users: { userIds: [bob.me.id, carol.me.id] } });
    expect(task.stepApproverIds).toEqual([bob.me.id, carol.me.id]);
    expect(task.policy.current.approval.approval).toEqual({ users: { userIds: [bob.me.id, carol.me.id] } });
  });

  it("manager: the subject's managers", async () => {
    await s.core.services.users.update(tenant(), alice.me.id, { managerIds: [carol.me.id] });
    try {
      const { task } = await requestWith({ manager: {} });
      expect(task.stepApproverIds).toEqual([carol.me.id]);
    } finally {
      await s.core.services.users.update(tenant(), alice.me.id, { managerIds: [] });
    }
  });

  it('entitlementOwners and resourceOwners: the owners of each', async () => {
    const { task } = await requestWith({ entitlementOwners: {} }, { appEntitlementOwnerIds: [bob.me.id] });
    expect(task.stepApproverIds).toEqual([bob.me.id]);

    const policyId = await makePolicy(s.admin, approval({ resourceOwners: {} }));
    const { appId } = await appWith(s, owner);
    const { type, resource } = await makeResource(s.admin, appId);
    const add = await s.admin.post(`/api/v1/apps/${appId}/resource_types/${type.id}/resource/${resource.id}/owners`, {
      userId: carol.me.id,
    });
    expect(add.status).toBe(200);
    const ent = await s.admin.post(`/api/v1/apps/${appId}/entitlements`, {
      displayName: 'On resource',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
      grantPolicyId: policyId,
    });
    const entId = ent.body.appEntitlementView.appEntitlement.id;
    const t2 = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t2.stepApproverIds).toEqual([carol.me.id]);
  });

  it('self: the subject approves their own request', async () => {
    const { task, appId, entId } = await requestWith({ self: {} });
    expect(task.stepApproverIds).toEqual([alice.me.id]);
    const res = await alice.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: task.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    const held = await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}/users`);
    expect(held.body.list).toHaveLength(1);
  });

  it('group: the holders of the app entitlement named', async () => {
    const { appId, entId: groupId } = await appWith(s, owner);
    await grant(s.admin, appId, groupId, [bob.me.id, carol.me.id]);
    const { task } = await requestWith({ group: { appId, appGroupId: groupId } });
    expect(task.stepApproverIds).toEqual([bob.me.id, carol.me.id].sort());
  });

  it('expression: the user ids the CEL yields', async () => {
    await s.core.services.users.update(tenant(), alice.me.id, { managerIds: [bob.me.id] });
    try {
      const { task } = await requestWith({ expression: { expressions: ['subject.managerIds', `["${carol.me.id}"]`] } });
      expect(task.stepApproverIds).toEqual([bob.me.id, carol.me.id]);
    } finally {
      await s.core.services.users.update(tenant(), alice.me.id, { managerIds: [] });
    }
  });

  it('self-approval off: the requester is not assigned; the fallback users are', async () => {
    const { task } = await requestWith({
      users: { userIds: [alice.me.id] },
    });
    // users has no fallback: Super Administrators are the last resort.
    expect(task.stepApproverIds).toContain(superAdmin.me.id);
    expect(task.stepApproverIds).not.toContain(alice.me.id);

    const { task: t2 } = await requestWith({ self: { fallback: true, fallbackUserIds: [carol.me.id] } }, {}, alice);
    // self is self-approval by definition: the subject approves.
    expect(t2.stepApproverIds).toEqual([alice.me.id]);

    const { task: t3 } = await requestWith(
      { entitlementOwners: { fallback: true, fallbackUserIds: [carol.me.id] } },
      { appEntitlementOwnerIds: [alice.me.id] },
    );
    expect(t3.stepApproverIds).toEqual([carol.me.id]);
    expect(await auditKinds(alice, t3.id)).toContain('policyEvaluationStep');

    const { task: t4 } = await requestWith(
      { entitlementOwners: { allowSelfApproval: true } },
      { appEntitlementOwnerIds: [alice.me.id] },
    );
    expect(t4.stepApproverIds).toEqual([alice.me.id]);
  });

  it('a disabled approver is skipped; a delegate replaces the one who delegated', async () => {
    const dave = await person(s);
    const erin = await person(s);
    const frank = await person(s);
    await s.core.services.users.setStatus(tenant(), dave.me.id, 'DISABLED');
    await s.core.services.users.update(tenant(), frank.me.id, { delegatedUserId: erin.me.id });
    const { task } = await requestWith({ users: { userIds: [dave.me.id, frank.me.id, carol.me.id] } });
    expect(task.stepApproverIds).toEqual([erin.me.id, carol.me.id]);
    expect(await auditKinds(alice, task.id)).toContain('reassignedToDelegate');
    // frank delegated: he is no approver of this step.
    const no = await frank.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: task.policy.current.id });
    expect(no.status).toBe(404);
    const res = await erin.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: task.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
  });

  it('no approver at all: the Super Administrators', async () => {
    const { task } = await requestWith({ manager: {} });
    const supers = await s.core.services.users.enabledIdsWithRole(tenant(), roleByKey.super_admin.id);
    expect(supers).toContain(superAdmin.me.id);
    expect(task.stepApproverIds).toEqual(supers);
  });

  it('rules: the first true CEL condition picks its steps, else the baseline', async () => {
    const policyId = await makePolicy(
      s.admin,
      {
        grant: { steps: [{ approval: { users: { userIds: [bob.me.id] } } }, { provision: {} }] },
        auto: { steps: [{ accept: {} }, { provision: {} }] },
        never: { steps: [{ reject: {} }] },
      },
      {
        rules: [
          { condition: 'subject.department == "nobody"', policyKey: 'never' },
          { condition: `subject.department == "eng" && entitlement.displayName == "Member"`, policyKey: 'auto' },
        ],
      },
    );
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const baseline = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(baseline.stepApproverIds).toEqual([bob.me.id]);
    await s.core.services.users.update(tenant(), carol.me.id, { department: 'eng' });
    const auto = await requestGrant(carol, { appId, appEntitlementId: entId, identityUserId: carol.me.id });
    expect(auto.state).toBe('TASK_STATE_CLOSED');
    expect(auto.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(auto.policy.history.map((h: object) => Object.keys(h).find((k) => k !== 'id' && k !== 'state'))).toEqual([
      'accept',
      'provision',
    ]);
  });

  it('a reject step closes the task DENIED', async () => {
    const policyId = await makePolicy(s.admin, { grant: { steps: [{ reject: { rejectMessage: 'no' } }] } });
    const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
    const t = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');
  });
});
