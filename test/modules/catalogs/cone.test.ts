// `cone get <alias> --wait -j <reason>` replayed call by call in the order of C1's CLI
// (cmd/cone/get_drop_task.go, runTask and runGet; bodies as pkg/client builds them, nil pointers
// left out): search the request catalog by alias (GrantedStatus ALL, page size 100), introspect,
// check for an existing grant (ListAppUsersForIdentityWithGrant), get the entitlement, list the
// user's app users, create the grant task, then GET the task until CLOSED. A Basic User with a
// personal client asks; their manager (another Basic User's personal client) approves, as `cone
// task approve` does. Then `cone get` again finds the grant and stops before making a task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { makeApp, makeEntitlement } from '../grants/fixtures.ts';
import { holders, makePolicy, type Person, person } from '../tasks/fixtures.ts';

describe.each(backends)('cone get replay on %s', (backend) => {
  let s: TestServer;
  let alice: Person;
  let manager: Person;
  let appId: string;
  let entId: string;
  beforeAll(async () => {
    s = await startServer(backend);
    alice = await person(s);
    manager = await person(s);
    await s.core.services.users.update(s.admin.tenant.id, alice.me.id, { managerIds: [manager.me.id] });
    const managerApproval = await makePolicy(s.admin, { grant: { steps: [{ approval: { manager: {} } }] } });
    appId = (await makeApp(s.admin, { displayName: 'Warehouse' })).id;
    // Made under the app's implicit defaults: in its default catalog, published and visible to everyone.
    entId = (
      await makeEntitlement(s.admin, appId, { displayName: 'Loader', alias: 'warehouse-loader', grantPolicyId: managerApproval })
    ).id;
  });
  afterAll(async () => s?.close());

  /** runTask up to the existing-grant check: what `cone get warehouse-loader` does first. */
  async function findAndCheck() {
    // getEntitlementDetails: SearchEntitlements by alias.
    const found = await alice.post('/api/v1/search/request_catalog/entitlements', {
      entitlementAlias: 'warehouse-loader',
      grantedStatus: 'ALL',
      pageSize: 100,
      includeDeleted: false,
      expandMask: {},
    });
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.list).toHaveLength(1);
    const ent = found.body.list[0].entitlement.appEntitlement;
    expect([ent.appId, ent.id]).toEqual([appId, entId]);
    // AuthIntrospect.
    const me = await alice.get('/api/v1/auth/introspect');
    expect(me.status).toBe(200);
    expect(me.body.userId).toBe(alice.me.id);
    // GetGrantsForIdentity: cone counts bindings with an appEntitlementId.
    const grants = await alice.get(`/api/v1/apps/${ent.appId}/entitlements/${ent.id}/users/${me.body.userId}/grants`);
    expect(grants.status, JSON.stringify(grants.body)).toBe(200);
    const count = grants.body.bindings.filter((b: { appEntitlementId?: string }) => b.appEntitlementId).length;
    return { ent, userId: me.body.userId as string, count, binding: found.body.list[0].appEntitlementUserBindings };
  }

  it('cone get <alias> --wait: request, manager approval, poll until CLOSED; a second cone get finds the grant', async () => {
    const first = await findAndCheck();
    expect(first.count).toBe(0);
    expect(first.binding).toEqual([]);
    // runGet: GetEntitlement (its durationGrant bounds --duration; none here).
    const got = await alice.get(`/api/v1/apps/${appId}/entitlements/${entId}`);
    expect(got.status).toBe(200);
    expect(got.body.appEntitlementView.appEntitlement.durationGrant).toBeUndefined();
    // getAppUserId: ListAppUsersForUser; none yet, so appUserId is "".
    const accounts = await alice.get(`/api/v1/apps/${appId}/users/${first.userId}/app_users`);
    expect(accounts.status).toBe(200);
    expect(accounts.body.list).toEqual([]);
    // CreateGrantTask: no grantDuration and no requestData when not given.
    const created = await alice.post('/api/v1/task/grant', {
      appEntitlementId: entId,
      identityUserId: first.userId,
      appId,
      appUserId: '',
      description: 'need to load trucks',
      emergencyAccess: false,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const taskId = created.body.taskView.task.id;
    expect(created.body.taskView.task.state).toBe('TASK_STATE_OPEN');
    expect(created.body.taskView.task.stepApproverIds).toEqual([manager.me.id]);

    // handleWaitBehavior: GetTask until CLOSED; the manager approves while alice waits.
    let task = (await alice.get(`/api/v1/tasks/${taskId}`)).body.taskView.task;
    expect(task.state).toBe('TASK_STATE_OPEN');
    // cone task approve <id> (manager): GET the task, approve its current step.
    const seen = await manager.get(`/api/v1/tasks/${taskId}`);
    expect(seen.status).toBe(200);
    const approved = await manager.post(`/api/v1/tasks/${taskId}/action/approve`, {
      policyStepId: seen.body.taskView.task.policy.current.id,
      comment: 'ok',
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    for (let i = 0; i < 10 && task.state !== 'TASK_STATE_CLOSED'; i++) {
      const polled = await alice.get(`/api/v1/tasks/${taskId}`);
      expect(polled.status).toBe(200);
      task = polled.body.taskView.task;
    }
    expect(task.state).toBe('TASK_STATE_CLOSED');
    expect(task.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(await holders(s, appId, entId)).toEqual([alice.me.id]);

    // cone get again: the grant is found, so it prints "You already have access" and makes no task.
    const second = await findAndCheck();
    expect(second.count).toBe(1);
    expect(second.binding).toHaveLength(1);
    expect(second.binding[0]).toMatchObject({ appId, appEntitlementId: entId });
    const mine = await alice.post('/api/v1/search/tasks', { pageSize: 100 });
    expect(mine.body.list.map((t: { task: { id: string } }) => t.task.id)).toEqual([taskId]);
  });

  it('cone get for an entitlement in no catalog finds nothing, and a direct request is refused (403)', async () => {
    const hidden = await makeEntitlement(s.admin, appId, {
      displayName: 'Hidden',
      alias: 'warehouse-hidden',
      overrideAccessRequestsDefaults: true,
    });
    const found = await alice.post('/api/v1/search/request_catalog/entitlements', {
      entitlementAlias: 'warehouse-hidden',
      grantedStatus: 'ALL',
      pageSize: 100,
      includeDeleted: false,
      expandMask: {},
    });
    expect(found.status).toBe(200);
    expect(found.body.list).toEqual([]);
    const direct = await alice.post('/api/v1/task/grant', {
      appEntitlementId: hidden.id,
      identityUserId: alice.me.id,
      appId,
      appUserId: '',
      description: 'x',
      emergencyAccess: false,
    });
    expect(direct.status).toBe(403);
    expect(direct.body.code).toBe(7);
  });
});
