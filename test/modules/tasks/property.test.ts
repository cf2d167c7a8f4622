// Property: random sequences of requests and actions by random people (approvers, the
// requester, an administrator of requests, a stranger; some sent twice at once, some with a
// stale step id) keep the engine's invariants after every call:
// - a CLOSED task never changes again;
// - GRANTED ⇔ the grant exists, and a task that provisioned shows every approval its policy
//   required, each by someone assigned to that step (or an administrator of requests);
// - DENIED or CANCELLED ⇒ that task provisioned nothing;
// - no step is decided by someone not assigned to it;
// - the entitlement's grant count equals its holders.
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { rows } from '../grants/fixtures.ts';
import { appWith, holders, makePolicy, type Person, person } from './fixtures.ts';

type Cmd =
  | { k: 'create'; byAdmin: boolean; subject: number }
  | { k: 'approve' | 'deny' | 'close'; actor: number; task: number; stale: boolean }
  | { k: 'race'; task: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constant('create' as const), byAdmin: fc.boolean(), subject: fc.nat(1) }),
  fc.record({
    k: fc.constantFrom('approve' as const, 'approve' as const, 'deny' as const, 'close' as const),
    actor: fc.nat(5),
    task: fc.nat(7),
    stale: fc.boolean(),
  }),
  fc.record({ k: fc.constant('race' as const), task: fc.nat(7) }),
);

type Stored = { approverIds?: string[]; approval?: { approved?: { userId?: string }; denied?: { userId?: string } } };

describe.each(backends)('task engine properties on %s', (backend) => {
  let s: TestServer;
  let owner: Person;
  let u: Person[];
  let alice: Person;
  let bob: Person;
  let arAdmin: Person;
  let stranger: Person;
  let policyId: string;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = await person(s);
    u = [await person(s), await person(s), await person(s)];
    alice = await person(s);
    bob = await person(s);
    arAdmin = await person(s, ['access_request_admin']);
    stranger = await person(s);
    policyId = await makePolicy(s.admin, {
      grant: {
        steps: [
          { approval: { users: { userIds: [u[0].me.id, u[1].me.id] } } },
          { approval: { users: { userIds: [u[2].me.id] } } },
          { provision: {} },
        ],
      },
    });
  });
  afterAll(async () => s?.close());

  it('random requests and actions keep every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 4, maxLength: 14 }), async (cmds) => {
        const { appId, entId } = await appWith(s, owner, { grantPolicyId: policyId });
        const actors = [u[0], u[1], u[2], alice, arAdmin, stranger];
        const admins = new Set([arAdmin.me.id]);
        const tasks: string[] = [];
        const closed = new Map<string, string>();
        for (const c of cmds) {
          if (c.k === 'create') {
            if (tasks.length >= 5) continue;
            const subject = c.subject === 0 ? alice : bob;
            const by = c.byAdmin ? arAdmin : subject;
            const r = await by.post('/api/v1/task/grant', { appId, appEntitlementId: entId, identityUserId: subject.me.id });
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            tasks.push(r.body.taskView.task.id);
          } else if (tasks.length > 0) {
            const id = tasks[c.task % tasks.length];
            const now = (await s.admin.get(`/api/v1/tasks/${id}`)).body.taskView.task;
            const stepId = c.k !== 'race' && c.stale ? 'stale-step' : (now.policy.current?.id ?? 'none');
            const send = (p: Person, x: string) => p.post(`/api/v1/tasks/${id}/action/${x}`, { policyStepId: stepId });
            const answers =
              c.k === 'race'
                ? await Promise.all([send(u[0], 'approve'), send(u[1], 'approve')])
                : [await send(actors[c.actor], c.k)];
            for (const a of answers) expect([200, 400, 403, 404], JSON.stringify(a.body)).toContain(a.status);
          }
          // Invariants after every call.
          const views = await Promise.all(tasks.map(async (id) => (await s.admin.get(`/api/v1/tasks/${id}`)).body.taskView.task));
          const stored = await rows<{ id: string; policy: { history: Stored[]; current?: Stored } }>(
            s,
            sql`select id, policy from tasks where app_entitlement_id = ${entId}`,
          );
          const held = new Set(await holders(s, appId, entId));
          const grantedPairs = new Set<string>();
          for (const t of views) {
            const { actions: _a, ...stable } = t;
            if (t.state === 'TASK_STATE_CLOSED') {
              const before = closed.get(t.id);
              if (before) expect(JSON.stringify(stable)).toBe(before);
              else closed.set(t.id, JSON.stringify(stable));
            }
            const provisioned = t.policy.history.some((h: { provision?: { completed?: object } }) => h.provision?.completed);
            const outcome = t.type.grant.outcome;
            if (outcome === 'GRANT_OUTCOME_GRANTED') {
              grantedPairs.add(t.userId);
              expect(held.has(t.userId)).toBe(true);
              if (provisioned) {
                const approvals = t.policy.history.filter((h: { approval?: object }) => h.approval);
                expect(approvals).toHaveLength(2);
                for (const a of approvals) expect(a.approval.approved?.userId).toBeTruthy();
              }
            }
            if (outcome === 'GRANT_OUTCOME_DENIED' || outcome === 'GRANT_OUTCOME_CANCELLED') expect(provisioned).toBe(false);
            if (t.state === 'TASK_STATE_OPEN') expect(outcome).toBeUndefined();
          }
          // Who decided each step was assigned to it (or administers requests).
          for (const r of stored) {
            for (const h of [...r.policy.history, ...(r.policy.current ? [r.policy.current] : [])]) {
              const by = h.approval?.approved?.userId ?? h.approval?.denied?.userId;
              if (by) expect(h.approverIds?.includes(by) || admins.has(by), `${by} decided a step of ${r.id}`).toBe(true);
            }
          }
          // GRANTED ⇔ held: the only grants of this entitlement come from its tasks.
          expect([...held].sort()).toEqual([...grantedPairs].sort());
          const ent = (await s.admin.get(`/api/v1/apps/${appId}/entitlements/${entId}`)).body.appEntitlementView.appEntitlement;
          expect(ent.grantCount).toBe(String(held.size));
        }
      }),
      { numRuns: backend === 'pglite' ? 8 : 5 },
    );
  }, 600_000);
});
