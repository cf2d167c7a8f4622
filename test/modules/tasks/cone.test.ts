// The calls C1's CLI makes, replayed in its order and with its bodies: `cone get` (introspect,
// the caller's accounts, CreateGrantTask with `appUserId: ""` when they have none, and an empty
// `grantDuration` when none is asked), `cone task approve` / `cone task deny` (GET the task,
// act with `policy.current.id` and `comment`, "" when no --comment), `cone task escalate`
// (an empty body) and `cone drop` (CreateRevokeTask, then GET until CLOSED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWith, holders, makePolicy, type Person, person } from './fixtures.ts';

describe.each(backends)('cone replays on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let alice: Person;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    alice = await person(s);
  });
  afterAll(async () => s?.close());

  it('cone get, cone task approve, cone drop', async () => {
    const { appId, entId } = await appWith(s, owner);
    // cone get --app-id --entitlement-id -j "need it"
    const me = await alice.get('/api/v1/auth/introspect');
    expect(me.status).toBe(200);
    const userId = me.body.userId;
    expect(userId).toBe(alice.me.id);
    const accounts = await alice.get(`/api/v1/apps/${appId}/users/${userId}/app_users`);
    expect(accounts.status).toBe(200);
    expect(accounts.body.list).toEqual([]);
    const created = await alice.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: userId,
      appUserId: '',
      description: 'need it',
      grantDuration: '',
      emergencyAccess: false,
      requestData: null,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const taskId = created.body.taskView.task.id;
    expect(created.body.taskView.task.description).toBe('need it');

    // cone task approve <id> --comment ok (by the app owner)
    const got = await owner.get(`/api/v1/tasks/${taskId}`);
    expect(got.status).toBe(200);
    const approved = await owner.post(`/api/v1/tasks/${taskId}/action/approve`, {
      policyStepId: got.body.taskView.task.policy.current.id,
      comment: 'ok',
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);

    // cone drop --app-id --entitlement-id -j "done" --wait
    const drop = await alice.post('/api/v1/task/revoke', {
      appId,
      appEntitlementId: entId,
      identityUserId: userId,
      description: 'done',
    });
    expect(drop.status, JSON.stringify(drop.body)).toBe(200);
    let task = drop.body.taskView.task;
    for (let i = 0; i < 20 && task.state !== 'TASK_STATE_CLOSED'; i++) {
      task = (await alice.get(`/api/v1/tasks/${task.id}`)).body.taskView.task;
    }
    expect(task.state).toBe('TASK_STATE_CLOSED');
    expect(task.type.revoke.outcome).toBe('REVOKE_OUTCOME_REVOKED');
    expect(await holders(s, appId, entId)).toEqual([]);
  });

  it('cone task deny (without --comment), then cone task escalate on a new request', async () => {
    const emergency = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }, { provision: {} }] } });
    const { appId, entId } = await appWith(s, owner, { emergencyGrantEnabled: true, emergencyGrantPolicyId: emergency });
    const body = {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      appUserId: '',
      grantDuration: '',
      emergencyAccess: false,
    };
    const created = await alice.post('/api/v1/task/grant', { ...body, description: 'need it' });
    expect(created.status).toBe(200);
    const taskId = created.body.taskView.task.id;
    // cone task deny <id>: GET, then deny with the current step and the comment flag's value ("").
    const got = await owner.get(`/api/v1/tasks/${taskId}`);
    const denied = await owner.post(`/api/v1/tasks/${taskId}/action/deny`, {
      comment: '',
      policyStepId: got.body.taskView.task.policy.current.id,
    });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    expect(denied.body.taskView.task).toMatchObject({ state: 'TASK_STATE_CLOSED', numericId: expect.any(String) });
    expect(denied.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');
    expect(denied.body.taskView.task.commentCount).toBe(0);
    expect(await holders(s, appId, entId)).toEqual([]);
    // cone task deny again (--wait reads the task): the same answer, nothing changes.
    const again = await owner.post(`/api/v1/tasks/${taskId}/action/deny`, {
      comment: '',
      policyStepId: got.body.taskView.task.policy.current.id,
    });
    expect(again.status).toBe(200);
    expect(again.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');

    // cone task escalate <id>: EscalateToEmergencyAccess with an empty body.
    const second = await alice.post('/api/v1/task/grant', { ...body, description: 'urgent' });
    const escalated = await alice.post(`/api/v1/tasks/${second.body.taskView.task.id}/action/escalate`, {});
    expect(escalated.status, JSON.stringify(escalated.body)).toBe(200);
    expect(escalated.body.taskView.task).toMatchObject({ emergencyAccess: true, state: 'TASK_STATE_CLOSED' });
    expect(escalated.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
  });
});
