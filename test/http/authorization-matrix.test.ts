// The authorization matrix: every served operation × every built-in role (and the owner
// relations that widen them), generated from the table the hook enforces
// (src/modules/roles/authorization.ts). Writes are sent with a body that fails validation
// (`[]`): authorization runs first, so an allowed caller gets 400 and nothing changes, and a
// refused one gets 403 (code 7, naming the permission) or 404 (an object they may not see).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import operations from '../../src/http/c1-operations.json' with { type: 'json' };
import { NEWER_SDK_OPERATIONS } from '../../src/http/newer-operations.ts';
import { DEFAULT_GRANT_POLICY } from '../../src/modules/policies/builtin.ts';
import { AUTHORIZATION, isAppAdmin, permissionsOf, type Rule } from '../../src/modules/roles/authorization.ts';
import { BUILTIN_ROLES, type RoleKey, roleByKey, SERVICE_CLIENT_ROLES } from '../../src/modules/roles/builtin.ts';
import { backends, type Caller, type Res, startServer, type TestServer } from '../helpers/server.ts';
import { grant, world } from '../modules/grants/fixtures.ts';

type Op = { method: string; path: string; operationId: string };
type Persona = {
  label: string;
  caller: Caller;
  userId?: string;
  roleIds: string[];
  ownsApp: boolean;
  ownsEntitlement: boolean;
  credentialId?: string;
};
type Outcome = 'allowed' | 'denied' | 'hidden';

/** The served C1 operations, from the app's own OpenAPI document. */
function servedOperations(s: TestServer): Op[] {
  const doc = s.app.swagger() as { paths: Record<string, Record<string, { operationId?: string }>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.operationId?.startsWith('c1.'))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, operationId: op.operationId as string })),
  );
}

/**
 * What the table says for this caller: the same reading of each rule the hook makes, from the
 * persona's known relations (not from the database).
 */
function expected(rule: Rule, p: Persona, pathUser?: string, pathClientOwner?: string): Outcome {
  if (!rule.permission || permissionsOf(p.roleIds).has(rule.permission)) return 'allowed';
  if (!p.userId) return 'denied';
  if (rule.self && pathUser === p.userId) return 'allowed';
  if (rule.entitlementOwner && p.ownsEntitlement) return 'allowed';
  if (rule.appOwner && isAppAdmin(p.roleIds) && p.ownsApp) return 'allowed';
  if (rule.ownClient) {
    if (pathClientOwner === p.userId) return 'allowed';
    return permissionsOf(p.roleIds).has('personal_clients:read_all') ? 'denied' : 'hidden';
  }
  if (rule.narrow) return 'allowed';
  if (rule.self) return 'hidden';
  return 'denied';
}

describe.each(backends)('authorization matrix on %s', (backend) => {
  let s: TestServer;
  let personas: Persona[];
  let ops: Op[];
  const ids: Record<string, string> = {};
  /** Whose personal client `ids.client` is. */
  let clientOwner: string;

  beforeAll(async () => {
    s = await startServer(backend);
    ops = servedOperations(s);
    const roleKeys = BUILTIN_ROLES.map((r) => r.key);
    const people = await Promise.all(roleKeys.map((k) => s.callerAs(k === 'basic_user' ? [] : [k])));
    const appAdminOwner = await s.callerAs(['app_admin']);
    const basicAppOwner = await s.callerAs([]);
    const entitlementOwner = await s.callerAs([]);
    const other = await s.callerAs([]);

    const { app, type, resource, ent } = await world(s.admin);
    for (const owner of [appAdminOwner, basicAppOwner]) {
      expect((await s.admin.post(`/api/v1/apps/${app.id}/owners/${owner.me.id}`, {})).status).toBe(200);
    }
    const own = await s.admin.post(`/api/v1/apps/${app.id}/entitlements/${ent.id}/owners`, {
      userId: entitlementOwner.me.id,
    });
    expect(own.status).toBe(200);
    await grant(s.admin, app.id, ent.id, [other.me.id]);
    const appUser = (await s.admin.get(`/api/v1/apps/${app.id}/users/${other.me.id}/app_users`)).body.list[0].appUser;
    Object.assign(ids, {
      app: app.id,
      type: type.id,
      resource: resource.id,
      ent: ent.id,
      user: other.me.id,
      appUser: appUser.id,
      client: other.credentialId,
      role: roleByKey.basic_user.id,
      // Published and visible to everyone: every caller sees it (who sees what: test/modules/catalogs/).
      catalog: app.defaultRequestCatalogId,
    });
    clientOwner = other.me.id;
    // A task every person approves (so each may read it; who reads what is tested in test/modules/tasks/).
    const everyone = [...people, appAdminOwner, basicAppOwner, entitlementOwner].map((c) => c.me.id);
    const policy = await s.admin.post('/api/v1/policies', {
      displayName: 'Everyone approves',
      policyType: 'POLICY_TYPE_GRANT',
      policySteps: { grant: { steps: [{ approval: { users: { userIds: everyone } } }] } },
    });
    const requested = await s.admin.post(`/api/v1/apps/${app.id}/entitlements`, {
      displayName: 'Requested',
      grantPolicyId: policy.body.policy.id,
    });
    const task = await s.admin.post('/api/v1/task/grant', {
      appId: app.id,
      appEntitlementId: requested.body.appEntitlementView.appEntitlement.id,
      identityUserId: other.me.id,
    });
    expect(task.status, JSON.stringify(task.body)).toBe(200);
    ids.task = task.body.taskView.task.id;
    // Made last: an app with a connector refuses manual writes (the matrix writes nothing: bodies are invalid).
    const connector = await s.admin.post(`/api/v1/apps/${app.id}/connectors/create`, {});
    expect(connector.status).toBe(200);
    ids.connector = connector.body.connectorView.connector.id;
    const credential = await s.admin.post(`/api/v1/apps/${app.id}/connectors/${ids.connector}/credentials`, {});
    expect(credential.status).toBe(200);
    ids.credential = credential.body.credential.id;
    expect((await s.admin.post('/api/v1/directories', { appId: app.id })).status).toBe(200);
    const webhook = await s.admin.post('/api/v1/webhooks', { displayName: 'Matrix', url: 'https://hooks.example.com/matrix' });
    expect(webhook.status).toBe(200);
    ids.webhook = webhook.body.webhook.id;

    const person = (label: string, c: Awaited<ReturnType<TestServer['callerAs']>>, roleIds: string[], rel = {}) => ({
      label,
      caller: c,
      userId: c.me.id,
      roleIds,
      ownsApp: false,
      ownsEntitlement: false,
      credentialId: c.credentialId,
      ...rel,
    });
    const withBasic = (k: RoleKey) => [...new Set([roleByKey.basic_user.id, roleByKey[k].id])];
    personas = [
      {
        label: 'service client admin',
        caller: s.admin,
        roleIds: [SERVICE_CLIENT_ROLES.admin],
        ownsApp: false,
        ownsEntitlement: false,
      },
      {
        label: 'service client read-only',
        caller: await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' }),
        roleIds: [SERVICE_CLIENT_ROLES['read-only']],
        ownsApp: false,
        ownsEntitlement: false,
      },
      ...roleKeys.map((k, i) => person(roleByKey[k].displayName, people[i], withBasic(k))),
      person('Application Administrator owning the app', appAdminOwner, withBasic('app_admin'), { ownsApp: true }),
      person('Basic User owning the app', basicAppOwner, withBasic('basic_user'), { ownsApp: true }),
      person('Basic User owning the entitlement', entitlementOwner, withBasic('basic_user'), { ownsEntitlement: true }),
    ];
  });
  afterAll(async () => s?.close());

  /** The operation's path with fixture ids; `user`/`client` override the user or personal client it names. */
  function pathOf(op: Op, o: { user?: string; client?: string } = {}): string {
    const byName: Record<string, string> = {
      app_id: ids.app,
      app_user_app_id: ids.app,
      resource_type_id: ids.type,
      app_resource_type_id: ids.type,
      resource_id: ids.resource,
      app_resource_id: ids.resource,
      entitlement_id: ids.ent,
      app_entitlement_id: ids.ent,
      app_user_id: ids.appUser,
      user_id: o.user ?? ids.user,
      identity_user_id: o.user ?? ids.user,
      role_id: ids.role,
      task_id: ids.task,
      connector_id: ids.connector,
      catalog_id: ids.catalog,
      connector_app_id: ids.app,
    };
    const idOf = (path: string) => {
      if (path.startsWith('/api/v1/users/')) return o.user ?? ids.user;
      if (path.startsWith('/api/v1/iam/personal_clients/')) return o.client ?? ids.client;
      if (path.includes('/resources/{id}')) return ids.resource;
      if (path.includes('/resource_types/{id}')) return ids.type;
      if (path.includes('/entitlements/{id}')) return ids.ent;
      if (path.includes('/connectors/{id}')) return ids.connector;
      if (path.includes('/credentials/{id}')) return ids.credential;
      if (path.startsWith('/api/v1/policies/')) return DEFAULT_GRANT_POLICY.id;
      if (path.startsWith('/api/v1/tasks/')) return ids.task;
      if (path.startsWith('/api/v1/catalogs/')) return ids.catalog;
      if (path.startsWith('/api/v1/webhooks/')) return ids.webhook;
      return ids.app;
    };
    return op.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => (name === 'id' ? idOf(op.path) : byName[name]));
  }

  async function call(p: Persona, op: Op, path: string): Promise<Res> {
    if (op.method === 'GET') return p.caller.get(path);
    // An invalid body: allowed callers stop at validation, so nothing is written.
    return s.fetch(path, {
      method: op.method,
      headers: { authorization: `Bearer ${p.caller.token}`, 'content-type': 'application/json' },
      body: '[]',
    });
  }

  function check(res: Res, outcome: Outcome, op: Op, rule: Rule, label: string): void {
    const what = `${label}: ${op.method} ${op.path} (${op.operationId}) → ${JSON.stringify(res.body)}`;
    if (outcome === 'allowed') {
      expect(res.status, what).toBe(op.method === 'GET' ? 200 : 400);
      if (op.method !== 'GET') expect(res.body.code, what).toBe(3);
    } else if (outcome === 'denied') {
      expect(res.status, what).toBe(403);
      expect(res.body.code, what).toBe(7);
      expect(res.body.message, what).toContain(`missing permission ${rule.permission}`);
    } else {
      expect(res.status, what).toBe(404);
      expect(res.body.code, what).toBe(5);
    }
  }

  it('has one rule for every served operation, and each rule names a C1 operation', () => {
    const served = ops.map((o) => o.operationId);
    expect(served.filter((op) => !AUTHORIZATION[op])).toEqual([]);
    const known = new Set(operations.map((o) => o.operationId));
    // Gatehouse's own operations (`gatehouse.*`, e.g. the sync upload) are not C1's.
    // Nor are the operations of C1's newer SDKs that its document lacks (src/http/newer-operations.ts).
    const theirs = (op: string) => known.has(op) || op.startsWith('gatehouse.') || NEWER_SDK_OPERATIONS.has(op);
    expect(Object.keys(AUTHORIZATION).filter((op) => !theirs(op))).toEqual([]);
  });

  // Every operation × every persona, one request each: it grows with the API (about a minute alone on 2 cores).
  it('answers every served operation to every role and relation as the table says', async () => {
    const counts: Record<Outcome, number> = { allowed: 0, denied: 0, hidden: 0 };
    for (const op of ops) {
      const rule = AUTHORIZATION[op.operationId];
      for (const p of personas) {
        const variants: Array<{ user?: string; client?: string; clientOwner?: string }> = [{ clientOwner }];
        if (rule.self && p.userId) variants.push({ user: p.userId, clientOwner });
        if (rule.ownClient && p.credentialId) variants.push({ client: p.credentialId, clientOwner: p.userId });
        for (const v of variants) {
          const path = pathOf(op, v);
          const pathUser = rule.self ? (v.user ?? ids.user) : undefined;
          const outcome = expected(rule, p, pathUser, v.clientOwner);
          counts[outcome]++;
          check(await call(p, op, path), outcome, op, rule, p.label);
        }
      }
    }
    // The matrix exercises all three outcomes (a table that allowed everything would fail here).
    expect(counts.allowed).toBeGreaterThan(0);
    expect(counts.denied).toBeGreaterThan(100);
    expect(counts.hidden).toBeGreaterThan(0);
  }, 300_000);
});
