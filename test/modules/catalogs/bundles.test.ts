// Bundle catalogs: enrolling requests every entitlement the person lacks (one task each), under the
// entitlements' policies or the catalog's (enrollment behaviours); memberCount counts who holds all
// of them; leaving the bundle does what each unenrollment behaviour says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant, makeApp, makeEntitlement } from '../grants/fixtures.ts';
import { getTask, holders, makePolicy, type Person, person } from '../tasks/fixtures.ts';
import { addEntries, makeCatalog, memberCount } from './fixtures.ts';

type Task = {
  id: string;
  state: string;
  appEntitlementId?: string;
  type: { grant?: { appEntitlementId: string; outcome?: string }; revoke?: { outcome?: string } };
  policy: { policy: { id: string }; current?: { id: string } };
};

describe.each(backends)('bundle catalogs on %s', (backend) => {
  let s: TestServer;
  let approver: Person;
  let accept: string;
  let approval: string;
  beforeAll(async () => {
    s = await startServer(backend);
    approver = await person(s);
    accept = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    approval = await makePolicy(s.admin, { grant: { steps: [{ approval: { users: { userIds: [approver.me.id] } } }] } });
  });
  afterAll(async () => s?.close());

  /** An app with `n` entitlements (the first under an approval, the rest accepted at once) in a new bundle catalog. */
  async function bundle(n: number, catalog: Record<string, unknown> = {}, policies?: string[]) {
    const app = await makeApp(s.admin);
    const ents: string[] = [];
    for (let i = 0; i < n; i++) {
      const grantPolicyId = policies?.[i] ?? (i === 0 ? approval : accept);
      ents.push((await makeEntitlement(s.admin, app.id, { displayName: `B${i}`, grantPolicyId })).id);
    }
    const c = await makeCatalog(s.admin, { published: true, visibleToEveryone: true, requestBundle: true, ...catalog });
    await addEntries(
      s.admin,
      c.id,
      ents.map((id) => ({ appId: app.id, id })),
    );
    return { appId: app.id, ents, catalogId: c.id };
  }

  const enroll = async (c: Person, catalogId: string, body: Record<string, unknown> = {}) => {
    const res = await c.post(`/api/v1/catalogs/${catalogId}/enrollments`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.tasks as Task[];
  };
  const heldBy = async (appId: string, ents: string[], userId: string) => {
    const out: string[] = [];
    for (const id of ents) if ((await holders(s, appId, id)).includes(userId)) out.push(id);
    return out;
  };

  it('enrolling requests each entitlement the person lacks, one task each, under the entitlements’ own policies', async () => {
    const { appId, ents, catalogId } = await bundle(3);
    const alice = await person(s);
    await grant(s.admin, appId, ents[2], [alice.me.id]);
    expect(await memberCount(s.admin, catalogId)).toBe('0');
    const tasks = await enroll(alice, catalogId, { description: 'joining' });
    expect(tasks.map((t) => t.type.grant?.appEntitlementId).sort()).toEqual([ents[0], ents[1]].sort());
    const byEnt = new Map(tasks.map((t) => [t.type.grant?.appEntitlementId, t]));
    // ENFORCE (and UNSPECIFIED): each entitlement's own policy.
    expect(byEnt.get(ents[0])?.state).toBe('TASK_STATE_OPEN');
    expect(byEnt.get(ents[0])?.policy.policy.id).toBe(approval);
    expect(byEnt.get(ents[1])?.type.grant?.outcome).toBe('GRANT_OUTCOME_GRANTED');
    expect(await memberCount(s.admin, catalogId)).toBe('0');
    const open = byEnt.get(ents[0]) as Task;
    const approved = await approver.post(`/api/v1/tasks/${open.id}/action/approve`, { policyStepId: open.policy.current?.id });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(await memberCount(s.admin, catalogId)).toBe('1');
    expect(await heldBy(appId, ents, alice.me.id)).toEqual(ents);
    const again = await alice.post(`/api/v1/catalogs/${catalogId}/enrollments`, {});
    expect(again.status).toBe(409);

    // createRequests: a new entitlement of the bundle is requested for everyone enrolled.
    const extra = await makeEntitlement(s.admin, appId, { displayName: 'Extra', grantPolicyId: accept });
    await addEntries(s.admin, catalogId, [{ appId, id: extra.id }], true);
    expect(await holders(s, appId, extra.id)).toEqual([alice.me.id]);
    expect(await memberCount(s.admin, catalogId)).toBe('1');
  });

  it('BYPASS_ENTITLEMENT_REQUEST_POLICY: the catalog’s policy replaces each entitlement’s own', async () => {
    const { appId, ents, catalogId } = await bundle(
      2,
      { enrollmentBehavior: 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY', grantPolicyId: accept },
      [approval, approval],
    );
    const bob = await person(s);
    const tasks = await enroll(bob, catalogId);
    expect(tasks.map((t) => [t.policy.policy.id, t.type.grant?.outcome])).toEqual([
      [accept, 'GRANT_OUTCOME_GRANTED'],
      [accept, 'GRANT_OUTCOME_GRANTED'],
    ]);
    expect(await heldBy(appId, ents, bob.me.id)).toEqual(ents);
    expect(await memberCount(s.admin, catalogId)).toBe('1');
  });

  it('who may enroll whom; a catalog that is not a bundle is refused', async () => {
    const { catalogId } = await bundle(1);
    const carol = await person(s);
    const stranger = await person(s);
    const refused = await carol.post(`/api/v1/catalogs/${catalogId}/enrollments`, { identityUserId: stranger.me.id });
    expect(refused.status).toBe(403);
    const helpdesk = await person(s, ['helpdesk']);
    expect((await helpdesk.post(`/api/v1/catalogs/${catalogId}/enrollments`, { identityUserId: stranger.me.id })).status).toBe(
      200,
    );
    const plain = await makeCatalog(s.admin, { published: true, visibleToEveryone: true });
    const notBundle = await carol.post(`/api/v1/catalogs/${plain.id}/enrollments`, {});
    expect(notBundle.status).toBe(400);
    expect(notBundle.body.code).toBe(9);
    const hidden = await makeCatalog(s.admin, { requestBundle: true });
    expect((await carol.post(`/api/v1/catalogs/${hidden.id}/enrollments`, {})).status).toBe(404);
    expect((await carol.del(`/api/v1/catalogs/${catalogId}/enrollments/${stranger.me.id}`)).status).toBe(403);
    expect((await carol.del(`/api/v1/catalogs/${catalogId}/enrollments/${carol.me.id}`)).status).toBe(404);
  });

  /** A person enrolled in a fresh bundle of three (all accepted at once), who held the last before enrolling. */
  async function enrolled(unenrollmentBehavior: string, extra: Record<string, unknown> = {}) {
    const b = await bundle(3, { unenrollmentBehavior, ...extra }, [accept, accept, accept]);
    const p = await person(s);
    await grant(s.admin, b.appId, b.ents[2], [p.me.id]);
    await enroll(p, b.catalogId);
    expect(await heldBy(b.appId, b.ents, p.me.id)).toEqual(b.ents);
    return { ...b, p };
  }
  const leave = async (c: Person, catalogId: string) => {
    const res = await c.del(`/api/v1/catalogs/${catalogId}/enrollments/${c.me.id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { revokedEntitlementIds: string[]; tasks: Task[] };
  };

  it('LEAVE_ACCESS_AS_IS (and UNSPECIFIED): leaving revokes nothing', async () => {
    for (const behavior of [
      'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_LEAVE_ACCESS_AS_IS',
      'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED',
    ]) {
      const { appId, ents, catalogId, p } = await enrolled(behavior);
      expect(await leave(p, catalogId)).toEqual({ revokedEntitlementIds: [], tasks: [] });
      expect(await heldBy(appId, ents, p.me.id)).toEqual(ents);
    }
  });

  it('REVOKE_ALL: every entitlement of the bundle goes, also one held before', async () => {
    const { appId, ents, catalogId, p } = await enrolled('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL');
    const out = await leave(p, catalogId);
    expect(out.revokedEntitlementIds.sort()).toEqual([...ents].sort());
    expect(await heldBy(appId, ents, p.me.id)).toEqual([]);
    expect(await memberCount(s.admin, catalogId)).toBe('0');
  });

  it('REVOKE_UNJUSTIFIED: only what the bundle gave and no other bundle of theirs still gives', async () => {
    const { appId, ents, catalogId, p } = await enrolled('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_UNJUSTIFIED');
    // Another bundle they are in also holds ents[1].
    const other = await makeCatalog(s.admin, { published: true, visibleToEveryone: true, requestBundle: true });
    await addEntries(s.admin, other.id, [{ appId, id: ents[1] }]);
    await enroll(p, other.id);
    const out = await leave(p, catalogId);
    expect(out.revokedEntitlementIds).toEqual([ents[0]]);
    expect(await heldBy(appId, ents, p.me.id)).toEqual([ents[1], ents[2]]);
  });

  it('unenrollment ENFORCE: a revoke task each, under the entitlements’ revoke policy', async () => {
    const { appId, ents, catalogId, p } = await enrolled('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL', {
      unenrollmentEntitlementBehavior: 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE',
    });
    const out = await leave(p, catalogId);
    expect(out.revokedEntitlementIds).toEqual([]);
    expect(out.tasks).toHaveLength(3);
    for (const t of out.tasks) {
      expect((await getTask(s.admin, t.id)).type.revoke.outcome).toBe('REVOKE_OUTCOME_REVOKED');
    }
    expect(await heldBy(appId, ents, p.me.id)).toEqual([]);
  });
});
