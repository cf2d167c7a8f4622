// A server killed (SIGKILL) while its background worker runs tasks leaves them resumable: a
// server started again on the same database finishes every one, each exactly once (one grant
// per task, one outcome in each audit trail, exact counts). The tasks wait a second, so they
// all fall due together and the worker is mid-pass when the kill lands; claims the dead server
// held (leases) are taken again when they expire. PGlite on disk, and PostgreSQL when
// TEST_DATABASE_URL is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../helpers/infra.ts';
import { ApiClient, createDatabase, type Seed, seed, spawnServer, tokenFor } from './spawn.ts';

const N = 30;
const base = process.env.TEST_DATABASE_URL;
const cases: { name: string; env: () => Promise<{ env: Record<string, string>; drop(): Promise<void> }> }[] = [
  {
    name: 'pglite',
    env: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-task-kill-'));
      await migratedDataDir(dir);
      return { env: { GATEHOUSE_DATA_DIR: dir }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  ...(base
    ? [
        {
          name: 'postgres',
          env: async () => {
            const db = await createDatabase(base, 'gh_taskkill');
            return { env: { DATABASE_URL: db.url }, drop: db.drop };
          },
        },
      ]
    : []),
];

describe.each(cases)('task worker killed mid-pass on $name', ({ env: makeEnv }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('a restarted server finishes every task exactly once', async () => {
    const made = await makeEnv();
    cleanups.push(made.drop);
    const env = { ...made.env, GATEHOUSE_SWEEP_INTERVAL_MS: '100', GATEHOUSE_TASK_LEASE_MS: '1500' };
    const creds: Seed = await seed(env, N);
    const start = async () => {
      const server = await spawnServer({ env, readyTimeoutMs: 120_000 });
      cleanups.push(async () => void (await server.kill('SIGKILL')));
      return { server, api: new ApiClient(server.url, await tokenFor(server.url, creds.clientId, creds.clientSecret)) };
    };
    const first = await start();
    let api = first.api;
    const ok = async (method: string, p: string, body?: unknown) => {
      const r = await api.call(method, p, body);
      if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const policy = await ok('POST', '/api/v1/policies', {
      displayName: 'wait then grant',
      policyType: 'POLICY_TYPE_GRANT',
      policySteps: { grant: { steps: [{ wait: { duration: { duration: '1s' } } }, { provision: {} }] } },
    });
    const app = (await ok('POST', '/api/v1/apps', { displayName: 'Kill app' })).app;
    const ent = (
      await ok('POST', `/api/v1/apps/${app.id}/entitlements`, { displayName: 'Member', grantPolicyId: policy.policy.id })
    ).appEntitlementView.appEntitlement;
    const taskIds: string[] = [];
    for (const userId of creds.userIds) {
      const t = await ok('POST', '/api/v1/task/grant', { appId: app.id, appEntitlementId: ent.id, identityUserId: userId });
      expect(t.taskView.task.state).toBe('TASK_STATE_OPEN');
      taskIds.push(t.taskView.task.id);
    }
    const closed = async () =>
      (await api.all('POST', '/api/v1/search/tasks', { taskStates: ['TASK_STATE_CLOSED'], applicationIds: [app.id] })).length;
    // Kill as soon as the worker has finished one task (the pass goes on through the others).
    let atKill = 0;
    for (let i = 0; i < 2000 && atKill === 0; i++) atKill = await closed();
    await first.server.kill('SIGKILL');
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N); // the kill landed mid-pass

    const second = await start();
    api = second.api;
    let done = 0;
    for (let i = 0; i < 600 && done < N; i++) {
      done = await closed();
      if (done < N) await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toBe(N);
    for (const id of taskIds) {
      const t = (await ok('GET', `/api/v1/tasks/${id}`)).taskView.task;
      expect(t.type.grant.outcome).toBe('GRANT_OUTCOME_GRANTED');
      expect(t.policy.history.map((h: object) => Object.keys(h).find((k) => k !== 'id' && k !== 'state'))).toEqual([
        'wait',
        'provision',
      ]);
      const audits = (await ok('POST', '/api/v1/task/audits', { taskId: id, pageSize: 100 })).list as object[];
      expect(audits.filter((a) => 'grantOutcome' in a)).toHaveLength(1);
      expect(audits.filter((a) => 'waitStepSuccess' in a)).toHaveLength(1);
    }
    const holders = await api.all('GET', `/api/v1/apps/${app.id}/entitlements/${ent.id}/users`);
    expect(holders).toHaveLength(N);
    const e = (await ok('GET', `/api/v1/apps/${app.id}/entitlements/${ent.id}`)).appEntitlementView.appEntitlement;
    expect(e.grantCount).toBe(String(N));
    expect(second.server.errors()).toEqual([]);
  }, 300_000);
});
