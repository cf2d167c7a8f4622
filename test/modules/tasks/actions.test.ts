// Acting on tasks: step ids, who may act, replays, concurrency, reasons, cancel, comment,
// reassign; and the checks made when a task is requested.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant } from '../grants/fixtures.ts';
import { appWith, auditKinds, getTask, holders, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('task actions on %s', (backend) => {
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

  const open = async (entitlement: Record<string, unknown> = {}) => {
    const { appId, entId } = await appWith(s, owner, entitlement);
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    return { appId, entId, task, step: task.policy.current.id as string };
  };
  const approve = (c: Person, id: string, body: object) => c.post(`/api/v1/tasks/${id}/action/approve`, body);
  /** Rows of a tasks table in the admin's tenant. */
  const count = async (table: string) => {
    const r = await s.core.database.db.execute(
      sql`select count(*)::int as n from ${sql.raw(table)} where tenant_id = ${s.admin.tenant.id}`,
    );
    return Number((r as unknown as { rows: { n: number }[] }).rows[0].n);
  };

  it('a stale or wrong step id is a 400 (code 9); nothing changes', async () => {
    const { task } = await open();
    const before = await auditKinds(alice, task.id);
    for (const policyStepId of ['2aKVLJuZhBf8OXwh0syLNbddjpR', 'nope']) {
      const res = await approve(owner, task.id, { policyStepId });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(9);
      expect(res.body.message).toContain('policyStepId');
    }
    expect(await auditKinds(alice, task.id)).toEqual(before);
    expect((await getTask(alice, task.id)).state).toBe('TASK_STATE_OPEN');
  });

  it('a non-approver who may see the task gets 403; one who may not gets 404', async () => {
    const { task, step } = await open();
    // The requester sees the task but does not approve it.
    const mine = await approve(alice, task.id, { policyStepId: step });
    expect(mine.status).toBe(403);
    expect(mine.body.code).toBe(7);
    const helpdesk = await person(s, ['helpdesk']);
    expect((await approve(helpdesk, task.id, { policyStepId: step })).status).toBe(403);
    expect((await approve(bob, task.id, { policyStepId: step })).status).toBe(404);
    expect((await bob.get(`/api/v1/tasks/${task.id}`)).status).toBe(404);
    // A read-only service client may read tasks but not act.
    const viewer = await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' });
    expect((await viewer.get(`/api/v1/tasks/${task.id}`)).status).toBe(200);
    expect((await approve(viewer as Person, task.id, { policyStepId: step })).status).toBe(403);
    expect((await getTask(alice, task.id)).state).toBe('TASK_STATE_OPEN');
    // An Access Request Administrator may act on any task.
    const ara = await person(s, ['access_request_admin']);
    const res = await approve(ara, task.id, { policyStepId: step });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
  });

  it('approving twice with the same step id answers the same final state and provisions once', async () => {
    const { task, step, appId, entId } = await open();
    const first = await approve(owner, task.id, { policyStepId: step });
    const second = await approve(owner, task.id, { policyStepId: step });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const strip = (t: { actions: unknown; updatedAt: unknown }) => ({ ...t, updatedAt: undefined });
    expect(strip(second.body.taskView.task)).toEqual(strip(first.body.taskView.task));
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    const kinds = await auditKinds(alice, task.id);
    expect(kinds.filter((k) => k === 'approvalInstanceChange')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'grantOutcome')).toHaveLength(1);
    // Denying a step that was approved: 400 code 9.
    const deny = await owner.post(`/api/v1/tasks/${task.id}/action/deny`, { policyStepId: step });
    expect(deny.status).toBe(400);
    expect(deny.body.code).toBe(9);
  });

  it('two approvers at the same instant: one outcome, one grant', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: { steps: [{ approval: { users: { userIds: [owner.me.id, bob.me.id] } } }, { provision: {} }] },
    });
    const { task, step, appId, entId } = await open({ grantPolicyId: policyId });
    const [a, b] = await Promise.all([
      approve(owner, task.id, { policyStepId: step }),
      approve(bob, task.id, { policyStepId: step }),
    ]);
    const statuses = [a.status, b.status].sort();
    // The later one finds the step decided: its own replay (200) is impossible, so 400 code 9.
    expect(statuses).toEqual([200, 400]);
    const loser = a.status === 400 ? a : b;
    expect(loser.body.code).toBe(9);
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
    const kinds = await auditKinds(alice, task.id);
    expect(kinds.filter((k) => k === 'approvalInstanceChange')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'grantOutcome')).toHaveLength(1);
    const final = await getTask(alice, task.id);
    expect(final.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(final.policy.history).toHaveLength(2);
  });

  it('a step that requires a reason refuses an approval or denial without a comment', async () => {
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          { approval: { users: { userIds: [owner.me.id] }, requireApprovalReason: true, requireDenialReason: true } },
          { provision: {} },
        ],
      },
    });
    const { task, step } = await open({ grantPolicyId: policyId });
    for (const action of ['approve', 'deny']) {
      const res = await owner.post(`/api/v1/tasks/${task.id}/action/${action}`, { policyStepId: step, comment: '  ' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain('comment');
    }
    expect((await getTask(alice, task.id)).state).toBe('TASK_STATE_OPEN');
    const res = await owner.post(`/api/v1/tasks/${task.id}/action/deny`, { policyStepId: step, comment: 'not needed' });
    expect(res.status).toBe(200);
    expect(res.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_DENIED');
    expect(res.body.taskView.task.commentCount).toBe(1);
  });

  it('close cancels an open task (requester); comment adds to the trail; reassign changes the approvers', async () => {
    const { task, step } = await open();
    expect((await owner.post(`/api/v1/tasks/${task.id}/action/comment`, { comment: '' })).status).toBe(400);
    const c = await owner.post(`/api/v1/tasks/${task.id}/action/comment`, { comment: 'looking' });
    expect(c.status).toBe(200);
    expect(c.body.taskView.task.commentCount).toBe(1);

    // The default policy's approval does not let its approvers reassign; an administrator of requests may.
    const refused = await owner.post(`/api/v1/tasks/${task.id}/action/reassign`, {
      policyStepId: step,
      newStepUserIds: [bob.me.id],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    const ara = await person(s, ['access_request_admin']);
    const unknown = await ara.post(`/api/v1/tasks/${task.id}/action/reassign`, {
      policyStepId: step,
      newStepUserIds: ['nobody'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('newStepUserIds');
    const r = await ara.post(`/api/v1/tasks/${task.id}/action/reassign`, { policyStepId: step, newStepUserIds: [bob.me.id] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.taskView.task.stepApproverIds).toEqual([bob.me.id]);
    // The owner was assigned before: they still see the task, but may no longer act on the step.
    expect((await approve(owner, task.id, { policyStepId: step })).status).toBe(403);

    expect((await bob.post(`/api/v1/tasks/${task.id}/action/close`, {})).status).toBe(403);
    const closed = await alice.post(`/api/v1/tasks/${task.id}/action/close`, { comment: 'never mind' });
    expect(closed.status).toBe(200);
    expect(closed.body.taskView.task.state).toBe('TASK_STATE_CLOSED');
    expect(closed.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_CANCELLED');
    const again = await alice.post(`/api/v1/tasks/${task.id}/action/close`, {});
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(9);
    expect(await auditKinds(alice, task.id)).toEqual([
      'taskCreated',
      'policyEvaluationStep',
      'policyEvaluationStep',
      'comment',
      'approvalReassigned',
      'comment',
      'stateChange',
      'grantOutcome',
    ]);
  });

  it('an approval that allows reassignment: its approvers may reassign within allowedReassignees, with a reason if required', async () => {
    const carol = await person(s);
    const policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          {
            approval: {
              users: { userIds: [owner.me.id] },
              allowReassignment: true,
              allowedReassignees: [carol.me.id],
              requireReassignmentReason: true,
            },
          },
          { provision: {} },
        ],
      },
    });
    const { task, step } = await open({ grantPolicyId: policyId });
    expect((await getTask(owner, task.id)).actions).toContain('TASK_ACTION_TYPE_REASSIGN');
    const reassign = (body: object) => owner.post(`/api/v1/tasks/${task.id}/action/reassign`, { policyStepId: step, ...body });
    const noReason = await reassign({ newStepUserIds: [carol.me.id] });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toContain('comment');
    const outside = await reassign({ newStepUserIds: [bob.me.id], comment: 'away' });
    expect(outside.status).toBe(400);
    expect(outside.body.message).toContain('allowedReassignees');
    const ok = await reassign({ newStepUserIds: [carol.me.id], comment: 'away' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.taskView.task.stepApproverIds).toEqual([carol.me.id]);
    const done = await carol.post(`/api/v1/tasks/${task.id}/action/approve`, { policyStepId: step });
    expect(done.body.taskView.task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
  });

  it('duration: above the entitlement cap is refused with C1 text; within it sets the grant end', async () => {
    const { appId, entId } = await appWith(s, owner, { durationGrant: '3600s' });
    const res = await alice.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      grantDuration: '7200s',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('grant duration must be less than or equal to max provision time');
    const task = await requestGrant(alice, {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      grantDuration: '1800s',
    });
    expect(task.type.grant.grantDuration).toBe('1800s');
    const done = await approve(owner, task.id, { policyStepId: task.policy.current.id });
    expect(done.status).toBe(200);
    const b = await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}/users`);
    const end = Date.parse(b.body.list[0].appEntitlementUserBindingDeprovisionAt);
    expect(end - Date.now()).toBeGreaterThan(1700_000);
    expect(end - Date.now()).toBeLessThanOrEqual(1800_000);
  });

  it('a request for access the user already has closes GRANTED at once, without a second grant', async () => {
    const { appId, entId } = await appWith(s, owner);
    await grant(s.admin, appId, entId, [alice.me.id]);
    const task = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(task.state).toBe('TASK_STATE_CLOSED');
    expect(task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(task.policy.history).toEqual([]);
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
  });

  it('requests: bad input is a 400 naming the field, unknown things 404, others only with the permission', async () => {
    const { appId, entId } = await appWith(s, owner);
    const bad: [object, string][] = [
      [[], ''],
      [{ appEntitlementId: entId, identityUserId: alice.me.id }, 'appId'],
      [{ appId, appEntitlementId: entId, identityUserId: alice.me.id, grantDuration: 'soon' }, 'grantDuration'],
      [{ appId, appEntitlementId: entId, identityUserId: alice.me.id, emergencyAccess: 'yes' }, 'emergencyAccess'],
    ];
    for (const [body, field] of bad) {
      const res = await s.admin.post('/api/v1/task/grant', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(field);
    }
    const noSubject = await s.admin.post('/api/v1/task/grant', { appId, appEntitlementId: entId });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.message).toContain('identityUserId');
    const unknownApp = await s.admin.post('/api/v1/task/grant', {
      appId: '2aKVLJuZhBf8OXwh0syLNbddjpR',
      appEntitlementId: entId,
      identityUserId: alice.me.id,
    });
    expect(unknownApp.status).toBe(404);
    const emergency = await s.admin.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      emergencyAccess: true,
    });
    expect(emergency.status).toBe(400);
    expect(emergency.body.code).toBe(9);
    // For someone else: 403 without tasks:request_others; a Helpdesk user may.
    const forBob = { appId, appEntitlementId: entId, identityUserId: bob.me.id };
    expect((await alice.post('/api/v1/task/grant', forBob)).status).toBe(403);
    const helpdesk = await person(s, ['helpdesk']);
    const t = await requestGrant(helpdesk, forBob);
    expect(t.createdByUserId).toBe(helpdesk.me.id);
    expect(t.userId).toBe(bob.me.id);
    // appUserId alone names the subject by their account; with identityUserId both must agree.
    await grant(s.admin, appId, entId, [bob.me.id]);
    const account = (await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}/users`)).body.list[0].appUser.appUser.id;
    const both = await s.admin.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      appUserId: account,
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('appUserId');
    const byAccount = await s.admin.post('/api/v1/task/revoke', {
      appId,
      appEntitlementId: entId,
      appUserId: account,
      identityUserId: bob.me.id,
    });
    expect(byAccount.status, JSON.stringify(byAccount.body)).toBe(200);
    expect(byAccount.body.taskView.task.type.revoke.outcome).toBe('REVOKE_OUTCOME_REVOKED');
  });

  it('a failed request writes nothing', async () => {
    const { appId, entId } = await appWith(s, owner, { durationGrant: '60s' });
    const before = [await count('tasks'), await count('task_audits'), await count('task_counters')];
    const res = await alice.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      grantDuration: '61s',
    });
    expect(res.status).toBe(400);
    expect([await count('tasks'), await count('task_audits'), await count('task_counters')]).toEqual(before);
    // The numeric ids stay consecutive: the refused request took none.
    const a = await requestGrant(alice, { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    const b = await requestGrant(bob, { appId, appEntitlementId: entId, identityUserId: bob.me.id });
    expect(Number(b.numericId)).toBe(Number(a.numericId) + 1);
  });
});
