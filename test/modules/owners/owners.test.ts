// The owners component behind apps, resources and entitlements: the same answers on all three.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';
import { MISSING, makeApp, makeEntitlement, makeResource } from '../grants/fixtures.ts';

/** How each kind's owner routes are called (C1's shapes differ: path or body, with or without set). */
type Kind = {
  name: string;
  list: string;
  add(userId: string): [string, object | undefined, string];
  remove(userId: string): [string, object | undefined, string];
  set?(userIds: string[]): [string, object];
  missing: string;
};

async function kinds(c: Caller): Promise<Kind[]> {
  const app = await makeApp(c);
  const { type, resource } = await makeResource(c, app.id);
  const ent = await makeEntitlement(c, app.id);
  const a = `/api/v1/apps/${app.id}/owners`;
  const r = `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${resource.id}/owners`;
  const e = `/api/v1/apps/${app.id}/entitlements/${ent.id}/owners`;
  return [
    {
      name: 'app',
      list: a,
      add: (u) => [`${a}/${u}`, undefined, 'user_id'],
      remove: (u) => [`${a}/${u}`, undefined, 'user_id'],
      set: (us) => [a, { userIds: us }],
      missing: `/api/v1/apps/${MISSING}/owners`,
    },
    {
      name: 'resource',
      list: r,
      add: (u) => [r, { userId: u }, 'userId'],
      remove: (u) => [r, { userId: u }, 'userId'],
      missing: `/api/v1/apps/${app.id}/resource_types/${type.id}/resource/${MISSING}/owners`,
    },
    {
      name: 'entitlement',
      list: e,
      add: (u) => [e, { userId: u }, 'userId'],
      remove: (u) => [`${e}/${u}`, undefined, 'user_id'],
      set: (us) => [e, { userIds: us }],
      missing: `/api/v1/apps/${app.id}/entitlements/${MISSING}/owners`,
    },
  ];
}

describe.each(backends)('owners of apps, resources and entitlements on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const ownerIds = async (c: Caller, k: Kind) => {
    const res = await c.get(k.list);
    expect(res.status, k.name).toBe(200);
    return (res.body.list as { id: string }[]).map((u) => u.id).sort();
  };

  it('adds, lists and removes owners; adding twice or removing a non-owner changes nothing', async () => {
    const c = await s.caller();
    const [u1, u2] = [await c.user(), await c.user()];
    for (const k of await kinds(c)) {
      for (const u of [u1, u2, u1]) {
        const [path, body] = k.add(u.id);
        expect((await c.post(path, body)).status, k.name).toBe(200);
      }
      expect(await ownerIds(c, k), k.name).toEqual([u1.id, u2.id].sort());
      const [rm, rmBody] = k.remove(u1.id);
      expect((await c.del(rm, rmBody)).status, k.name).toBe(200);
      expect((await c.del(rm, rmBody)).status, `${k.name} again`).toBe(200);
      expect(await ownerIds(c, k), k.name).toEqual([u2.id]);
    }
  });

  it('answers 400 naming the field for a user id that is no user of the tenant, on add and on remove, changing nothing', async () => {
    const c = await s.caller();
    const other = await s.caller();
    const owner = await c.user();
    const stranger = await other.user();
    for (const k of await kinds(c)) {
      const [path, body] = k.add(owner.id);
      expect((await c.post(path, body)).status).toBe(200);
      for (const id of [MISSING, stranger.id]) {
        for (const [verb, [p, b, field]] of [
          ['add', k.add(id)],
          ['remove', k.remove(id)],
        ] as const) {
          const res = verb === 'add' ? await c.post(p, b) : await c.del(p, b);
          expect(res.status, `${k.name} ${verb}`).toBe(400);
          expect(res.body.code).toBe(3);
          expect(res.body.message, `${k.name} ${verb}`).toBe(`${field}: user "${id}" does not exist`);
        }
      }
      expect(await ownerIds(c, k), k.name).toEqual([owner.id]);
    }
  });

  it('sets owners to exactly the given users; an unknown one refuses the whole set', async () => {
    const c = await s.caller();
    const [u1, u2, u3] = [await c.user(), await c.user(), await c.user()];
    for (const k of (await kinds(c)).filter((x) => x.set)) {
      const set = k.set as NonNullable<Kind['set']>;
      expect((await c.put(...set([u1.id, u2.id]))).status, k.name).toBe(200);
      expect(await ownerIds(c, k)).toEqual([u1.id, u2.id].sort());
      const refused = await c.put(...set([u3.id, MISSING]));
      expect(refused.status, k.name).toBe(400);
      expect(refused.body.message).toBe(`userIds: user "${MISSING}" does not exist`);
      expect(await ownerIds(c, k)).toEqual([u1.id, u2.id].sort());
      expect((await c.put(...set([u3.id]))).status).toBe(200);
      expect(await ownerIds(c, k)).toEqual([u3.id]);
      expect((await c.put(...set([]))).status).toBe(200);
      expect(await ownerIds(c, k)).toEqual([]);
    }
  });

  it('answers 404 for an object that does not exist, on every owner route', async () => {
    const c = await s.caller();
    const u = await c.user();
    for (const k of await kinds(c)) {
      expect((await c.get(k.missing)).status, k.name).toBe(404);
      const [path, body] = k.add(u.id);
      const [rm, rmBody] = k.remove(u.id);
      const swap = (p: string) => p.replace(k.list, k.missing);
      expect((await c.post(swap(path), body)).status, `${k.name} add`).toBe(404);
      expect((await c.del(swap(rm), rmBody)).status, `${k.name} remove`).toBe(404);
      if (k.set) expect((await c.put(swap(k.set([u.id])[0]), { userIds: [u.id] })).status, `${k.name} set`).toBe(404);
    }
  });
});
