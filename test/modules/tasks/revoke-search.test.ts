// Revoke tasks (`cone drop`), task search, the audit list, and expand masks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant } from '../grants/fixtures.ts';
import { appWith, getTask, holders, makePolicy, type Person, person, requestGrant } from './fixtures.ts';

describe.each(backends)('revoke tasks, search and audits on %s', (backend) => {
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

  it('`cone drop`: a revoke task removes the grant; polling GET finds it CLOSED and REVOKED', async () => {
    const { appId, entId } = await appWith(s, owner);
    await grant(s.admin, appId, entId, [alice.me.id, bob.me.id]);
    const res = await alice.post('/api/v1/task/revoke', { appId, appEntitlementId: entId, identityUserId: alice.me.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const created = res.body.taskView.task;
    expect(created.policy.policy.id).toBe(DEFAULT_REVOKE_POLICY.id);
    let task = created;
    for (let i = 0; i < 10 && task.state !== 'TASK_STATE_CLOSED'; i++) task = await getTask(alice, created.id);
    expect(task.state).toBe('TASK_STATE_CLOSED');
    expect(task.type.revoke).toMatchObject({
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      outcome: 'REVOKE_OUTCOME_REVOKED',
    });
    expect(await holders(s, appId, entId)).toEqual([bob.me.id]);
    // A disabled user may not be granted access, but may have it revoked.
    const { appId: app2, entId: ent2 } = await appWith(s, owner);
    const dan = await s.admin.user();
    await grant(s.admin, app2, ent2, [dan.id]);
    await s.core.services.users.setStatus(s.admin.tenant.id, dan.id, 'DISABLED');
    const other = await s.admin.post(`/api/v1/apps/${app2}/entitlements`, { displayName: 'Other' });
    const ent3 = other.body.appEntitlementView.appEntitlement.id;
    const refused = await s.admin.post('/api/v1/task/grant', { appId: app2, appEntitlementId: ent3, identityUserId: dan.id });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    const gone = await s.admin.post('/api/v1/task/revoke', { appId: app2, appEntitlementId: ent2, identityUserId: dan.id });
    expect(gone.body.taskView.task.type.revoke.outcome).toBe('REVOKE_OUTCOME_REVOKED');
    expect(await holders(s, app2, ent2)).toEqual([]);
  });

  it('a revoke policy with an approval waits for it; deny keeps the grant', async () => {
    const policyId = await makePolicy(
      s.admin,
      { revoke: { steps: [{ approval: { users: { userIds: [owner.me.id] } } }, { provision: {} }] } },
      {},
      'POLICY_TYPE_REVOKE',
    );
    const { appId, entId } = await appWith(s, owner, { revokePolicyId: policyId });
    await grant(s.admin, appId, entId, [alice.me.id]);
    const t = (await alice.post('/api/v1/task/revoke', { appId, appEntitlementId: entId, identityUserId: alice.me.id })).body
      .taskView.task;
    expect(t.state).toBe('TASK_STATE_OPEN');
    expect(t.stepApproverIds).toEqual([owner.me.id]);
    const res = await owner.post(`/api/v1/tasks/${t.id}/action/deny`, { policyStepId: t.policy.current.id });
    expect(res.body.taskView.task.type.revoke.outcome).toBe('REVOKE_OUTCOME_DENIED');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);
  });

  it('search: filters, narrowing to what the caller may see, paging; audits page in order', async () => {
    const { appId, entId } = await appWith(s, owner);
    const a = await requestGrant(alice, {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      description: 'quarterly report',
    });
    const b = await requestGrant(bob, { appId, appEntitlementId: entId, identityUserId: bob.me.id });
    const approved = await owner.post(`/api/v1/tasks/${b.id}/action/approve`, { policyStepId: b.policy.current.id });
    expect(approved.status).toBe(200);
    const ids = async (c: Person | typeof s.admin, body: object) => {
      const res = await c.post('/api/v1/search/tasks', { applicationIds: [appId], ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list.map((v: { task: { id: string } }) => v.task.id);
    };
    expect(await ids(s.admin, {})).toEqual([a.id, b.id]);
    expect(await ids(s.admin, { taskStates: ['TASK_STATE_OPEN'] })).toEqual([a.id]);
    expect(await ids(s.admin, { taskStates: ['TASK_STATE_CLOSED'] })).toEqual([b.id]);
    expect(await ids(s.admin, { taskTypes: [{ revoke: {} }] })).toEqual([]);
    expect(await ids(s.admin, { taskTypes: [{ grant: {} }] })).toEqual([a.id, b.id]);
    expect(await ids(s.admin, { assigneesInIds: [owner.me.id] })).toEqual([a.id]);
    expect(await ids(s.admin, { myWorkUserIds: [owner.me.id] })).toEqual([a.id]);
    expect(await ids(s.admin, { openerIds: [bob.me.id] })).toEqual([b.id]);
    expect(await ids(s.admin, { subjectIds: [alice.me.id] })).toEqual([a.id]);
    expect(await ids(s.admin, { appEntitlementIds: [entId] })).toEqual([a.id, b.id]);
    expect(await ids(s.admin, { query: 'QUARTERLY' })).toEqual([a.id]);
    expect(await ids(s.admin, { refs: [{ id: b.id }] })).toEqual([b.id]);
    expect(await ids(s.admin, { excludeIds: [b.id] })).toEqual([a.id]);
    expect(await ids(s.admin, { emergencyStatus: 'EMERGENCY' })).toEqual([]);
    expect(await ids(s.admin, { emergencyStatus: 'NON_EMERGENCY' })).toEqual([a.id, b.id]);
    expect(await ids(s.admin, { createdAfter: '2000-01-01T00:00:00Z', createdBefore: '2001-01-01T00:00:00Z' })).toEqual([]);
    // C1's newer SDKs' filters: outcomes, their time, apps left out.
    expect(await ids(s.admin, { grantOutcomes: ['GRANT_OUTCOME_GRANTED'] })).toEqual([b.id]);
    expect(await ids(s.admin, { grantOutcomes: ['GRANT_OUTCOME_DENIED'], revokeOutcomes: ['REVOKE_OUTCOME_REVOKED'] })).toEqual(
      [],
    );
    expect(await ids(s.admin, { outcomeAfter: '2000-01-01T00:00:00Z' })).toEqual([b.id]);
    expect(await ids(s.admin, { outcomeBefore: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect(await ids(s.admin, { excludeApplicationIds: [appId] })).toEqual([]);
    expect((await s.admin.post('/api/v1/search/tasks', { grantOutcomes: ['GRANTED'] })).status).toBe(400);
    // A Basic User finds only their own; the owner finds what they approved and approve.
    expect(await ids(alice, {})).toEqual([a.id]);
    expect(await ids(owner, {})).toEqual([a.id, b.id]);
    // C1's paging: a size under 10 gives 10; the last page's token is empty.
    const page1 = await s.admin.post('/api/v1/search/tasks', { applicationIds: [appId], pageSize: 1 });
    expect(page1.body.list).toHaveLength(2);
    expect(page1.body.nextPageToken).toBe('');
    const bad = await s.admin.post('/api/v1/search/tasks', { taskStates: ['OPEN'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('taskStates');
    expect((await s.admin.post('/api/v1/search/tasks', [])).status).toBe(400);

    // Audits: in order, paged, refs narrow; someone who may not see the task gets 404.
    const all = await s.admin.post('/api/v1/task/audits', { taskId: b.id });
    expect(all.status).toBe(200);
    expect(all.body.list.every((x: { ticketId: string }) => x.ticketId === b.id)).toBe(true);
    expect(all.body.list[0].taskCreated).toEqual({});
    expect(all.body.list.at(-1).grantOutcome).toEqual({ outcome: 'GRANT_OUTCOME_GRANTED' });
    expect(all.body.list.at(-1).currentState).toBe('TASK_STATE_CLOSED');
    const one = await s.admin.post('/api/v1/task/audits', { taskId: b.id, refs: [{ id: all.body.list[1].id }] });
    expect(one.body.list.map((x: { id: string }) => x.id)).toEqual([all.body.list[1].id]);
    // Someone who may not see the task finds no entries, as for a task that does not exist.
    expect((await alice.post('/api/v1/task/audits', { taskId: b.id })).body).toEqual({ list: [], nextPageToken: '' });
    expect((await s.admin.post('/api/v1/task/audits', { taskId: 'nope' })).body).toEqual({ list: [], nextPageToken: '' });
    expect((await s.admin.post('/api/v1/task/audits', {})).body).toEqual({ list: [], nextPageToken: '' });
    expect((await s.admin.post('/api/v1/task/audits', { taskId: 7 })).status).toBe(400);

    // Paging: eleven comments make more than a page of ten.
    for (let i = 0; i < 11; i++)
      expect((await alice.post(`/api/v1/tasks/${a.id}/action/comment`, { comment: `c${i}` })).status).toBe(200);
    const p1 = await alice.post('/api/v1/task/audits', { taskId: a.id, pageSize: 10 });
    expect(p1.body.list).toHaveLength(10);
    const p2 = await alice.post('/api/v1/task/audits', { taskId: a.id, pageSize: 10, pageToken: p1.body.nextPageToken });
    const comments = [...p1.body.list, ...p2.body.list].filter((x) => x.comment).map((x) => x.comment.comment);
    expect(comments).toEqual(Array.from({ length: 11 }, (_, i) => `c${i}`));
    expect(p2.body.nextPageToken).toBe('');
    expect((await getTask(alice, a.id)).commentCount).toBe(11);
  });

  it('expand: app, entitlement, subject, requester and approvers each once in `expanded`', async () => {
    const { appId, entId } = await appWith(s, owner);
    const res = await alice.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      expandMask: { paths: ['*'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const v = res.body.taskView;
    const at = (path: string) => res.body.expanded[Number(/\[(\d+)\]/.exec(path)?.[1])];
    expect(at(v.appPath)).toMatchObject({ '@type': 'type.googleapis.com/c1.api.app.v1.App', id: appId });
    expect(at(v.entitlementsPath)).toMatchObject({ '@type': 'type.googleapis.com/c1.api.app.v1.AppEntitlement', id: entId });
    expect(at(v.identityUserPath)).toMatchObject({ id: alice.me.id });
    expect(v.createdByUserPath).toBe(v.identityUserPath);
    expect(at(v.stepApproversPath)).toMatchObject({ id: owner.me.id });
    expect(res.body.expanded).toHaveLength(4);
    const bad = await alice.post('/api/v1/task/grant', {
      appId,
      appEntitlementId: entId,
      identityUserId: alice.me.id,
      expandMask: { paths: ['nope'] },
    });
    expect(bad.status).toBe(400);
  });
});
