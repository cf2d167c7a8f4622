// Shared setup for the entitlement, app-user and grant suites: an app with a
// resource and entitlements, and the counts checked against the tables themselves.
import { type SQL, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Caller, TestServer } from '../../helpers/server.ts';

export const MISSING = '3MV7rbPadu5c0uz5o5J9hkjTlUF';

export async function makeApp(c: Caller, body: Record<string, unknown> = {}) {
  const res = await c.post('/api/v1/apps', { displayName: 'Custom app', ...body });
  expect(res.status).toBe(200);
  return res.body.app as { id: string; userCount: string; defaultRequestCatalogId: string };
}

export async function makeResource(c: Caller, appId: string, displayName = 'Engineering') {
  const t = await c.post(`/api/v1/apps/${appId}/resource_types`, { displayName: 'Groups', resourceType: 'GROUP' });
  expect(t.status).toBe(200);
  const type = t.body.appResourceType;
  const r = await c.post(`/api/v1/apps/${appId}/resource_types/${type.id}/resources`, { displayName });
  expect(r.status).toBe(200);
  return { type, resource: r.body.appResource as { id: string; grantCount: string; displayName: string } };
}

export async function makeEntitlement(c: Caller, appId: string, body: Record<string, unknown> = {}) {
  const res = await c.post(`/api/v1/apps/${appId}/entitlements`, { displayName: 'Member', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.appEntitlementView.appEntitlement as { id: string; grantCount: string; appResourceId?: string };
}

/** An app with a resource and an entitlement on it. */
export async function world(c: Caller, entitlement: Record<string, unknown> = {}) {
  const app = await makeApp(c);
  const { type, resource } = await makeResource(c, app.id);
  const ent = await makeEntitlement(c, app.id, {
    appResourceTypeId: type.id,
    appResourceId: resource.id,
    slug: 'member',
    ...entitlement,
  });
  return { app, type, resource, ent, base: `/api/v1/apps/${app.id}/entitlements/${ent.id}` };
}

export async function grant(c: Caller, appId: string, entId: string, userIds: string[]) {
  const res = await c.post(`/api/v1/apps/${appId}/entitlements/${entId}/add-manual-user`, { userIds });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** `n` new identity users, all granted the entitlement. */
export async function grantNewUsers(c: Caller, appId: string, entId: string, n: number) {
  const users = [];
  for (let i = 0; i < n; i++) users.push(await c.user());
  await grant(
    c,
    appId,
    entId,
    users.map((u) => u.id),
  );
  return users;
}

/** The account made for an identity user in an app. */
export async function appUserOf(c: Caller, appId: string, userId: string) {
  const res = await c.get(`/api/v1/apps/${appId}/users/${userId}/app_users`);
  expect(res.status).toBe(200);
  return res.body.list[0]?.appUser as { id: string; identityUserId: string } | undefined;
}

/** Waits until the given time has passed (deadlines in tests are about a second away; no assertion on time). */
export async function passed(at: string | number): Promise<void> {
  const t = typeof at === 'string' ? Date.parse(at) : at;
  while (Date.now() <= t + 50) await new Promise((r) => setTimeout(r, 50));
}

/** Rows of a raw query (both drivers answer `{ rows }`). */
export async function rows<T>(s: TestServer, query: SQL): Promise<T[]> {
  const res = (await s.core.database.db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

export async function scalar(s: TestServer, query: SQL): Promise<number> {
  return Number((await rows<{ n: number | string }>(s, query))[0].n);
}

type Counted = { id: string; stored: number; actual: number };

/** Every stored count of the app (counter slots summed, account columns) against COUNT(*) over the grants table. */
export async function expectExactCounts(s: TestServer, tenantId: string, appId: string): Promise<void> {
  const ents = await rows<Counted>(
    s,
    sql`select e.id, (select coalesce(sum(c.grants), 0)::int from grant_count_slots c where c.tenant_id = e.tenant_id
      and c.app_entitlement_id = e.id) as stored, (select count(*)::int from grants g where g.tenant_id = e.tenant_id
      and g.app_entitlement_id = e.id) as actual from app_entitlements e where e.tenant_id = ${tenantId} and e.app_id = ${appId}`,
  );
  for (const r of ents) expect(r.stored, `entitlement ${r.id}`).toBe(r.actual);
  const res = await rows<Counted>(
    s,
    sql`select r.id, (select coalesce(sum(c.grants), 0)::int from grant_count_slots c join app_entitlements e
      on e.tenant_id = c.tenant_id and e.id = c.app_entitlement_id where c.tenant_id = r.tenant_id and e.app_resource_id = r.id) as stored, (select count(*)::int from grants g join app_entitlements e
      on e.tenant_id = g.tenant_id and e.id = g.app_entitlement_id where g.tenant_id = r.tenant_id and e.app_resource_id = r.id)
      as actual from app_resources r where r.tenant_id = ${tenantId} and r.app_id = ${appId}`,
  );
  for (const r of res) expect(r.stored, `resource ${r.id}`).toBe(r.actual);
  const accounts = await rows<Counted>(
    s,
    sql`select u.id, u.grant_count::int as stored, (select count(*)::int from grants g where g.tenant_id = u.tenant_id
      and g.app_user_id = u.id) as actual from app_users u where u.tenant_id = ${tenantId} and u.app_id = ${appId}`,
  );
  for (const r of accounts) expect(r.stored, `app user ${r.id}`).toBe(r.actual);
  const holders = await scalar(
    s,
    sql`select count(distinct app_user_id)::int as n from grants where tenant_id = ${tenantId} and app_id = ${appId}`,
  );
  const userCount = await scalar(
    s,
    sql`select coalesce(sum(users), 0)::int as n from user_count_slots where tenant_id = ${tenantId} and app_id = ${appId}`,
  );
  expect(userCount, 'app userCount').toBe(holders);
}
