// Policy steps answered by webhooks, end to end: an access request whose approval step a webhook
// decides (at once, or later through the callback), reassigns or leaves to administrators when its
// answer is bad, and a provision step a webhook completes or, failing, leaves to manual provisioning.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { type Receiver, startReceiver } from '../../helpers/webhook-receiver.ts';
import { appWith, auditKinds, getTask, holders, makePolicy, type Person, person, requestGrant } from '../tasks/fixtures.ts';

const FAST = {
  GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
  GATEHOUSE_WEBHOOK_RETRY_MIN_MS: '10',
  GATEHOUSE_WEBHOOK_RETRY_MAX_MS: '30',
  GATEHOUSE_WEBHOOK_POLL_MS: '50',
};

describe.each(backends)('webhook policy steps on %s', (backend) => {
  let s: TestServer;
  let r: Receiver;
  let owner: Person;
  let alice: Person;
  beforeAll(async () => {
    s = await startServer(backend, FAST);
    s.core.startWorkers((err) => {
      throw err;
    });
    owner = await person(s, ['app_admin']);
    alice = await person(s);
  });
  afterEach(async () => r?.close());
  afterAll(async () => s?.close());

  /** A receiver, a webhook to it and an app whose grant policy has `steps` (WEBHOOK stands for the webhook's id). */
  async function setUp(steps: (webhookId: string) => object[]) {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    const hook = (await s.admin.post('/api/v1/webhooks', { displayName: 'Approver bot', url: r.url })).body.webhook;
    const policyId = await makePolicy(s.admin, { grant: { steps: steps(hook.id) } });
    const { appId, entId } = await appWith(s, owner, {}, { grantPolicyId: policyId });
    return { hook, appId, entId };
  }
  const untilTask = (id: string, check: (t: Awaited<ReturnType<typeof getTask>>) => void) =>
    vi.waitFor(async () => check(await getTask(s.admin, id)), { timeout: 20_000, interval: 30 });

  it('an approval step decided by a webhook: the payload is the task as GetTask answers it, the answer approves', async () => {
    const { hook, appId, entId } = await setUp((id) => [{ approval: { webhook: { webhookId: id } } }, { provision: {} }]);
    r.answer = () => ({ status: 200, body: JSON.stringify({ version: 'v1', approve: { comment: 'looks fine' } }) });
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(task.state).toBe('TASK_STATE_OPEN');
    expect(task.policy.current.approval.state).toBe('APPROVAL_INSTANCE_STATE_WAITING');
    expect(task.stepApproverIds).toEqual([]);
    const [d] = await r.received(1);
    expect(d.problems).toEqual([]);
    expect(d.headers['webhook-event']).toBe('c1.webhooks.v1.PayloadPolicyApprovalStep');
    const p = d.body.payload;
    expect(p['@type']).toBe('type.googleapis.com/c1.webhooks.v1.PayloadPolicyApprovalStep');
    expect(p.taskView.task).toMatchObject({
      id: task.id,
      state: 'TASK_STATE_OPEN',
      type: { grant: { appId, appEntitlementId: entId } },
    });
    expect(p.taskView.task.policy.current).toEqual(task.policy.current);
    expect(p.ticketId).toBe(task.id);
    const types = p.expanded.map((x: { '@type': string }) => x['@type']);
    expect(types).toEqual(
      expect.arrayContaining([
        'type.googleapis.com/c1.api.app.v1.App',
        'type.googleapis.com/c1.api.app.v1.AppEntitlement',
        'type.googleapis.com/c1.api.user.v1.User',
      ]),
    );
    await untilTask(task.id, (t) => expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED'));
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    const kinds = await auditKinds(s.admin, task.id);
    expect(kinds).toEqual(
      expect.arrayContaining(['webhookApprovalTriggered', 'webhookApprovalSuccess', 'comment', 'approvalInstanceChange']),
    );
    const audits = (await s.admin.post('/api/v1/task/audits', { taskId: task.id, pageSize: 100 })).body.list;
    const triggered = audits.find((a: Record<string, unknown>) => a.webhookApprovalTriggered).webhookApprovalTriggered;
    expect(triggered).toMatchObject({
      webhookId: hook.id,
      webhookName: 'Approver bot',
      webhookUrl: r.url,
      webhookInstanceId: d.body.webhookId,
    });
  });

  it('a 202 and a later callback that denies', async () => {
    const { appId, entId } = await setUp((id) => [{ approval: { webhook: { webhookId: id } } }, { provision: {} }]);
    r.answer = () => ({ status: 202 });
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const [d] = await r.received(1);
    const instanceId = d.body.webhookId as string;
    await vi.waitFor(
      async () =>
        expect((await s.core.services.webhooks.instance(s.admin.tenant.id, instanceId))?.state).toBe(
          'WEBHOOK_STATE_WAITING_CALLBACK',
        ),
      {
        timeout: 20_000,
        interval: 20,
      },
    );
    expect((await getTask(s.admin, task.id)).state).toBe('TASK_STATE_OPEN');
    const path = new URL(d.body.callbackUrl).pathname;
    const post = (body: unknown) =>
      s.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // An answer the step cannot take: a 400 naming it, and nothing changes.
    const bad = await post({ approve: {}, deny: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('answer');
    expect((await post({ deny: { comment: 'not for you' } })).status).toBe(200);
    const t = await getTask(s.admin, task.id);
    expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');
    expect(await holders(s, appId, entId)).toEqual([]);
    expect((await post({ approve: {} })).status).toBe(404);
  });

  it('an answer that reassigns the step to a person, who then approves', async () => {
    const { appId, entId } = await setUp((id) => [{ approval: { webhook: { webhookId: id } } }, { provision: {} }]);
    r.answer = () => ({ status: 200, body: JSON.stringify({ reassign: { newStepUserIds: [owner.me.id] } }) });
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    await untilTask(task.id, (t) => expect(t.stepApproverIds).toEqual([owner.me.id]));
    const step = (await getTask(s.admin, task.id)).policy.current.id;
    const res = await owner.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: step });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
  });

  it("an answer that replaces the policy runs the other policy's steps", async () => {
    const other = await makePolicy(s.admin, { grant: { steps: [{ reject: { rejectMessage: 'by the replacement' } }] } });
    const { appId, entId } = await setUp((id) => [{ approval: { webhook: { webhookId: id } } }, { provision: {} }]);
    r.answer = () => ({ status: 200, body: JSON.stringify({ replacePolicy: { policyId: other } }) });
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    await untilTask(task.id, (t) => expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED'));
    expect((await getTask(s.admin, task.id)).policy.history.map((h: { reject?: object }) => Boolean(h.reject))).toEqual([
      false,
      true,
    ]);
  });

  it('a bad answer ends the instance and leaves the step to administrators', async () => {
    const { appId, entId } = await setUp((id) => [{ approval: { webhook: { webhookId: id } } }, { provision: {} }]);
    r.answer = () => ({ status: 200, body: '{"maybe":true}' });
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const [d] = await r.received(1);
    await vi.waitFor(
      async () =>
        expect((await s.core.services.webhooks.instance(s.admin.tenant.id, d.body.webhookId))?.state).toBe(
          'WEBHOOK_STATE_FATAL_ERROR',
        ),
      {
        timeout: 20_000,
        interval: 20,
      },
    );
    expect(await auditKinds(s.admin, task.id)).toContain('webhookApprovalBadResponse');
    const t = await getTask(s.admin, task.id);
    expect(t.state).toBe('TASK_STATE_OPEN');
    const res = await s.admin.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: t.policy.current.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    expect(r.deliveries.length).toBe(1);
  });

  it('a provision step a webhook completes, and one that fails and falls back to manual provisioning', async () => {
    const { appId, entId } = await setUp((id) => [{ provision: { provisionPolicy: { webhook: { webhookId: id } } } }]);
    r.answer = (d) => (d.body.payload.taskView.task.id === first.id ? { status: 200, body: '{"complete":{}}' } : { status: 410 });
    const first = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(first.policy.current.provision).toMatchObject({
      state: 'PROVISION_INSTANCE_STATE_WEBHOOK_WAITING',
      webhookInstanceId: expect.any(String),
    });
    const [d] = await r.received(1);
    expect(d.body.payload['@type']).toBe('type.googleapis.com/c1.webhooks.v1.PayloadProvisionStep');
    await untilTask(first.id, (t) => expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED'));
    expect(await auditKinds(s.admin, first.id)).toEqual(expect.arrayContaining(['webhookTriggered', 'webhookSuccess']));

    const bob = await person(s);
    const second = await requestGrant(bob, { appId, appEntitlementId: entId, identityUserId: bob.me.id });
    await untilTask(second.id, (t) => expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED'));
    expect(await holders(s, appId, entId)).toEqual([alice.me.id, bob.me.id].sort());
    const audits = (await s.admin.post('/api/v1/task/audits', { taskId: second.id, pageSize: 100 })).body.list;
    const notes = audits.flatMap(
      (a: { policyEvaluationStep?: { stepComment: string } }) => a.policyEvaluationStep?.stepComment ?? [],
    );
    expect(notes.some((n: string) => n.includes('falling back to manual provisioning'))).toBe(true);
  });
});
