import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWith, auditKinds, getTask, holders, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('grant tasks on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
  });
  afterAll(async () => s?.close());

  it('default grant policy: the app owner approves, the grant exists, outcome GRANTED, audits in order', async () => {
    const { appId, entId } = await appWith(s, owner);
    const task = await requestGrant(alice, {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      description: 'need it',
    });
    expect(task).toMatchObject({
      state: 'TASK_STATE_OPEN',
      origin: 'TASK_ORIGIN_API',
      processing: 'TASK_PROCESSING_TYPE_WAITING',
      userId: alice.me.id,
      createdByUserId: alice.me.id,
      stepApproverIds: [owner.me.id],
      actions: ['TASK_ACTION_TYPE_COMMENT', 'TASK_ACTION_TYPE_CLOSE', 'TASK_ACTION_TYPE_UPDATE_REQUEST_DATA'],
      type: { grant: { appId, appEntitlementId: entId, identityUserId: alice.me.id } },
    });
    expect(task.policy.policy.id).toBe(DEFAULT_GRANT_POLICY.id);
    expect(task.policy.current.approval.approval).toEqual({ appOwners: {} });
    expect(task.policy.next).toEqual([{ provision: {} }]);
    expect(task.type.grant.outcome).toBeUndefined();
    expect(await holders(s, appId, entId)).toEqual([]);

    // `cone task approve`: GET the task, approve with policy.current.id; by numeric id too.
    const seen = await getTask(owner, task.numericId);
    expect(seen.id).toBe(task.id);
    expect(seen.actions).toContain('TASK_ACTION_TYPE_APPROVE');
    const res = await owner.post(`/api/v1/tasks/${task.id}/action/approve`, {
      policyStepId: seen.policy.current.id,
      comment: 'ok',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = res.body.taskView.task;
    expect(done).toMatchObject({ state: 'TASK_STATE_CLOSED', processing: 'TASK_PROCESSING_TYPE_DONE', stepApproverIds: [] });
    expect(done.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(done.type.grant.appUserId).toBeTruthy();
    expect(done.policy.current).toBeUndefined();
    expect(
      done.policy.history.map((h: { approval?: object; provision?: object }) =>
        Object.keys(h).filter((k) => k !== 'id' && k !== 'state'),
      ),
    ).toEqual([['approval'], ['provision']]);
    expect(done.policy.history[0].approval.approved.userId).toBe(owner.me.id);
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    expect(done.commentCount).toBe(1);
    expect(await auditKinds(alice, task.id)).toEqual([
      'taskCreated',
      'policyEvaluationStep',
      'policyEvaluationStep',
      'comment',
      'approvalInstanceChange',
      'policyEvaluationStep',
      'stateChange',
      'grantOutcome',
    ]);
  });

  it('deny closes the task DENIED and grants nothing', async () => {
    const { appId, entId } = await appWith(s, owner);
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const res = await owner.post(`/api/v1/tasks/${task.id}/action/deny`, { policyStepId: task.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.state).toBe('TASK_STATE_CLOSED');
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');
    expect(res.body.taskView.task.policy.history[0].approval.denied.userId).toBe(owner.me.id);
    expect(await holders(s, appId, entId)).toEqual([]);
    expect((await auditKinds(alice, task.id)).slice(-3)).toEqual(['approvalInstanceChange', 'stateChange', 'grantOutcome']);
  });
});
