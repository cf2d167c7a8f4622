// Shared setup for the task suites: a manual app owned by a person, an entitlement, people
// acting through their own clients, and reads of grants and audits.
import { expect } from 'vitest';
import type { RoleKey } from '../../../src/modules/roles/builtin.ts';
import type { Caller, TestServer } from '../../helpers/server.ts';
import { makeApp, makeEntitlement } from '../grants/fixtures.ts';

export type Person = Caller & { me: { id: string }; credentialId: string };

export async function person(s: TestServer, roles: RoleKey[] = []): Promise<Person> {
  return (await s.callerAs(roles)) as Person;
}

/** A manual app owned by `owner`, with one entitlement (fields as given). */
export async function appWith(
  s: TestServer,
  owner: Person,
  entitlement: Record<string, unknown> = {},
  app: Record<string, unknown> = {},
) {
  const a = await makeApp(s.admin, { owners: [owner.me.id], ...app });
  const ent = await makeEntitlement(s.admin, a.id, entitlement);
  return { appId: a.id, entId: ent.id };
}

export async function requestGrant(c: Caller, body: Record<string, unknown>) {
  const res = await c.post('/api/v1/task/grant', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.taskView.task;
}

export async function getTask(c: Caller, id: string) {
  const res = await c.get(`/api/v1/tasks/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.taskView.task;
}

/** The identity users holding the entitlement now. */
export async function holders(s: TestServer, appId: string, entId: string): Promise<string[]> {
  const res = await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}/users?page_size=100`);
  expect(res.status).toBe(200);
  return res.body.list.map((v: { appUser: { appUser: { identityUserId: string } } }) => v.appUser.appUser.identityUserId).sort();
}

/** The audit events of a task, in order, as their one event key each. */
export async function auditKinds(c: Caller, taskId: string): Promise<string[]> {
  const res = await c.post('/api/v1/task/audits', { taskId, pageSize: 100 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const fixed = new Set(['id', 'ticketId', 'userId', 'created', 'currentState', 'eventType', 'source']);
  return res.body.list.map((a: Record<string, unknown>) => Object.keys(a).find((k) => !fixed.has(k)));
}

export async function makePolicy(c: Caller, policySteps: object, extra: object = {}, type = 'POLICY_TYPE_GRANT') {
  const res = await c.post('/api/v1/policies', { displayName: `P ${Math.random()}`, policyType: type, policySteps, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.policy.id as string;
}
