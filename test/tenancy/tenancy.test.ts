// Two tenants with the same objects. For every route of the server's own
// openapi.json, tenant B's token with tenant A's ids (in the path or in the body)
// must answer exactly as for ids that never existed, never show A's data, and never
// change A's objects.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorld,
  discoverRoutes,
  fillPath,
  fillPathKinds,
  fullyKnown,
  idFiller,
  type Kind,
  kindOfField,
  kindOfParam,
  label,
  pathWith,
  type RouteOp,
  randomId,
  readEverything,
  sampleBody,
  type World,
} from '../contract/routes.ts';
import { fieldsOf } from '../fuzz/generators.ts';
import { backends, type Caller, type Res, startServer, type TestServer } from '../helpers/server.ts';

const isSearch = (r: RouteOp) => r.method === 'POST' && r.template.startsWith('/api/v1/search/');

function call(c: Caller, r: RouteOp, path: string, body?: unknown): Promise<Res> {
  switch (r.method) {
    case 'GET':
      return c.get(path);
    case 'PUT':
      return c.put(path, body ?? {});
    case 'DELETE':
      return c.del(path, body ?? {});
    default:
      return c.post(path, body ?? {});
  }
}

describe.each(backends)('tenancy on %s', (backend) => {
  let s: TestServer;
  let routes: RouteOp[];
  let A: Caller;
  let B: Caller;
  let a: World;
  let b: World;
  let snapshot: Map<string, { status: number; body: unknown }>;
  const takeSnapshot = () => readEverything(A, routes, a.ids);

  /** The answer for B, and for B with never-existing ids instead of A's, must be alike and show nothing of A. */
  const expectLikeMissing = (what: string, got: Res, missing: Res) => {
    const detail = `${what}\n  with A's ids: ${got.status} ${JSON.stringify(got.body)}\n  with unknown ids: ${missing.status} ${JSON.stringify(missing.body)}`;
    expect(got.status, detail).toBe(missing.status);
    expect(got.body?.code, detail).toBe(missing.body?.code);
    expect(JSON.stringify(got.body) ?? '', detail).not.toContain(a.marker);
  };

  beforeAll(async () => {
    s = await startServer(backend);
    routes = await discoverRoutes(s, { apiOnly: true });
    // Deletes last, so that every other route meets the objects alive.
    routes.sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
    A = await s.caller();
    B = await s.caller();
    const tag = randomBytes(4).toString('hex');
    a = await buildWorld(A, routes, `tenantA${tag}`);
    b = await buildWorld(B, routes, `tenantB${tag}`);
    snapshot = await takeSnapshot();
  });
  afterAll(async () => s?.close());

  it('both tenants hold the same kinds of objects, and each reads its own', async () => {
    expect(Object.keys(a.ids).sort()).toEqual(Object.keys(b.ids).sort());
    expect(a.ids.app && a.ids.user).toBeTruthy();
    for (const r of routes.filter((x) => x.method === 'GET' && x.pathParams.length > 0 && fullyKnown(x, b.ids))) {
      expect(snapshot.get(`GET ${pathWith(r, a.ids)}`)?.status, label(r)).toBe(200);
      expect((await B.get(pathWith(r, b.ids))).status, label(r)).toBe(200);
    }
  });

  /** Path variants: all of A's ids; and B's own ids with one of A's in each position. */
  const pathProbes = (r: RouteOp) => {
    const kinds = fillPathKinds(r);
    const probes: { what: string; path: string; missing: string }[] = [];
    const fill = (pick: (kind: Kind | undefined, i: number) => string) => {
      let i = 0;
      return fillPath(r.template, () => {
        const k = kinds[i];
        return pick(k, i++);
      });
    };
    const allMissing = fill(() => randomId());
    probes.push({ what: `${label(r)}, all of A's ids`, path: fill((k) => (k && a.ids[k]) || randomId()), missing: allMissing });
    kinds.forEach((k, at) => {
      if (kinds.length < 2 || !k || !a.ids[k]) return;
      const bOr = (kind: Kind | undefined) => (kind && b.ids[kind]) || randomId();
      probes.push({
        what: `${label(r)}, B's ids but A's ${k} at position ${at + 1}`,
        path: fill((kind, i) => (i === at ? (a.ids[k] as string) : bOr(kind))),
        missing: fill((kind, i) => (i === at ? randomId() : bOr(kind))),
      });
    });
    return probes;
  };

  it("B reading A's objects by id answers 404 exactly like a never-existing id", async () => {
    const reads = routes.filter((r) => !r.write && r.pathParams.length > 0);
    expect(reads.length).toBeGreaterThan(2);
    for (const r of reads) {
      for (const p of pathProbes(r)) {
        const body = r.method === 'GET' ? undefined : sampleBody(r.body, idFiller(b.ids));
        const got = await call(B, r, p.path, body);
        const missing = await call(B, r, p.missing, body);
        expectLikeMissing(p.what, got, missing);
        if (p.what.endsWith("all of A's ids")) {
          expect(got.status, p.what).toBe(404);
          expect(got.body.code, p.what).toBe(5);
        }
      }
    }
  });

  it("B writing to A's objects by id is refused exactly like a never-existing id", async () => {
    const writes = routes.filter((r) => r.write && r.pathParams.length > 0);
    expect(writes.length).toBeGreaterThan(2);
    for (const r of writes) {
      for (const p of pathProbes(r)) {
        // B's own ids in the body: "make my user an owner of A's app".
        const body = sampleBody(r.body, idFiller(b.ids));
        const got = await call(B, r, p.path, body);
        const missing = await call(B, r, p.missing, body);
        expectLikeMissing(p.what, got, missing);
        if (p.what.endsWith("all of A's ids"))
          expect(got.status, `${p.what}: ${JSON.stringify(got.body)}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("B naming A's ids in a body is treated like naming ids that never existed", async () => {
    let probes = 0;
    for (const r of routes.filter((x) => x.method !== 'GET' && x.body)) {
      const { top, nested } = fieldsOf(r.body);
      const fields = [...top, ...Object.values(nested).flat()].filter((f) => {
        const k = kindOfField(f);
        return k !== undefined && a.ids[k] !== undefined;
      });
      for (const field of new Set(fields)) {
        const kind = kindOfField(field) as Kind;
        const bodyWith = (id: string) =>
          sampleBody(r.body, (f, sch) => (f === field ? idFiller({ [kind]: id }, field)(f, sch) : idFiller(b.ids)(f, sch)));
        const path = pathWith(r, b.ids);
        const got = await call(B, r, path, bodyWith(a.ids[kind] as string));
        const missing = await call(B, r, path, bodyWith(randomId()));
        expectLikeMissing(`${label(r)} with A's ${kind} in ${field}`, got, missing);
        probes++;
      }
    }
    expect(probes).toBeGreaterThan(3);
  });

  it("B's lists and searches show nothing of A", async () => {
    for (const r of routes.filter((x) => !x.write)) {
      const path = pathWith(r, b.ids);
      const res = await call(B, r, path, isSearch(r) ? { pageSize: 100 } : undefined);
      if (fullyKnown(r, b.ids)) expect(res.status, `${label(r)}: ${JSON.stringify(res.body)}`).toBe(200);
      // B never sent any of A's ids here, so none may come back.
      const text = JSON.stringify(res.body) ?? '';
      for (const leak of [a.marker, ...Object.values(a.ids), a.member]) expect(text, label(r)).not.toContain(leak);
    }
  });

  it("A's objects are exactly as they were", async () => {
    const after = await takeSnapshot();
    expect([...after.keys()]).toEqual([...snapshot.keys()]);
    for (const [key, before] of snapshot) {
      const now = after.get(key);
      if (!now) throw new Error(`${key} is gone`);
      expect(now.status, key).toBe(before.status);
      expect(now.body, key).toEqual(before.body);
    }
    // And A still has all of it.
    for (const kind of Object.keys(a.ids) as Kind[]) {
      const r = routes.find((x) => x.method === 'GET' && x.pathParams.length > 0 && fillPathKinds(x).at(-1) === kind);
      if (!r || !fullyKnown(r, a.ids)) continue;
      expect((await A.get(pathWith(r, a.ids))).status, `${kind} via ${label(r)}`).toBe(200);
    }
  });

  it('uses the kinds it thinks it uses', () => {
    // The mapping that all of the above relies on, checked on C1's own names.
    expect(kindOfParam('id', 'apps')).toBe('app');
    expect(kindOfParam('app_resource_type_id', 'resource_types')).toBe('resourceType');
    expect(kindOfParam('app_user_id', 'app_users')).toBe('appUser');
    expect(kindOfParam('identity_user_id', 'users')).toBe('user');
    expect(kindOfField('appEntitlementOwnerIds')).toBe('user');
    expect(kindOfField('appResourceTypeId')).toBe('resourceType');
    expect(kindOfField('excludeAppIds')).toBe('app');
    expect(kindOfField('certifyPolicyId')).toBeUndefined();
  });
});
