// The owner routes of apps, entitlements and resources treat the same input the same
// way: adding or removing an id that is no user of the tenant is a 400 naming it (and
// changes nothing); removing a user who is not an owner is a 200 that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../helpers/server.ts';

const NOBODY = '3MV7rbPadu5c0uz5o5J9hkjTlUF';

type OwnerRoutes = {
  name: string;
  list: string;
  add: (userId: string) => Promise<{ status: number; body: { message?: string } }>;
  remove: (userId: string) => Promise<{ status: number; body: { message?: string } }>;
};

describe.each(backends)('owner routes on %s', (backend) => {
  let s: TestServer;
  let c: Caller;
  let routes: OwnerRoutes[];
  beforeAll(async () => {
    s = await startServer(backend);
    c = await s.caller();
    const app = (await c.post('/api/v1/apps', { displayName: 'Owned' })).body.app;
    const type = (await c.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'T', resourceType: 'ROLE' })).body
      .appResourceType;
    const res = (await c.post(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources`, { displayName: 'R' })).body
      .appResource;
    const ent = (await c.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'E' })).body.appEntitlementView
      .appEntitlement;
    const appOwners = `/api/v1/apps/${app.id}/owners`;
    const entOwners = `/api/v1/apps/${app.id}/entitlements/${ent.id}/owners`;
    const resOwners = `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${res.id}/owners`;
    routes = [
      {
        name: 'app',
        list: appOwners,
        add: (u) => c.post(`${appOwners}/${u}`),
        remove: (u) => c.del(`${appOwners}/${u}`),
      },
      {
        name: 'entitlement',
        list: entOwners,
        add: (u) => c.post(entOwners, { userId: u }),
        remove: (u) => c.del(`${entOwners}/${u}`),
      },
      {
        name: 'resource',
        list: resOwners,
        add: (u) => c.post(resOwners, { userId: u }),
        remove: (u) => c.del(resOwners, { userId: u }),
      },
    ];
  });
  afterAll(async () => s?.close());

  const owners = async (r: OwnerRoutes) => (await c.get(r.list)).body.list.map((u: { id: string }) => u.id).sort();

  it('answers adding and removing an id that is no user of the tenant alike: a 400 naming it, nothing changed', async () => {
    const foreign = await (await s.caller()).user();
    for (const r of routes) {
      const owner = await c.user();
      expect((await r.add(owner.id)).status, r.name).toBe(200);
      for (const id of [NOBODY, foreign.id]) {
        for (const [what, call] of [
          ['add', r.add],
          ['remove', r.remove],
        ] as const) {
          const res = await call(id);
          expect(res.status, `${r.name} ${what} ${id}`).toBe(400);
          expect(res.body.message, `${r.name} ${what}`).toContain(id);
        }
      }
      expect(await owners(r), r.name).toEqual([owner.id]);
    }
  });

  it('removes a user who is not an owner with a 200 that changes nothing', async () => {
    for (const r of routes) {
      const [owner, other] = [await c.user(), await c.user()];
      expect((await r.add(owner.id)).status).toBe(200);
      const before = await owners(r);
      const res = await r.remove(other.id);
      expect(res.status, `${r.name}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body).toEqual({});
      expect(await owners(r), r.name).toEqual(before);
      expect((await r.remove(owner.id)).status).toBe(200);
      expect(await owners(r)).not.toContain(owner.id);
    }
  });
});
