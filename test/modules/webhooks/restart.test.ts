// Durability of webhook deliveries across servers: a server stopped between two attempts loses
// nothing (another on the same database finishes the work), two servers on one PostgreSQL
// database never send one instance at once nor twice, and a dead server's claim is taken over
// when its lease runs out. Real cores, apps and sockets; the receiver verifies every delivery.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { type Core, createCore } from '../../../src/core.ts';
import type { Api } from '../../../src/http/types.ts';
import { migratedDataDir, TEST_PGLITE_ENV } from '../../helpers/infra.ts';
import { freshPostgres } from '../../helpers/server.ts';
import { type Receiver, startReceiver } from '../../helpers/webhook-receiver.ts';

const env = {
  ...TEST_PGLITE_ENV,
  GATEHOUSE_TENANT_DOMAIN: 'localhost',
  GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
  GATEHOUSE_WEBHOOK_RETRY_MIN_MS: '50',
  GATEHOUSE_WEBHOOK_RETRY_MAX_MS: '100',
  GATEHOUSE_WEBHOOK_POLL_MS: '20',
};

type Running = { core: Core; app: Api; url: string };

async function start(extra: Record<string, string>): Promise<Running> {
  const core = await createCore(loadConfig({ ...env, ...extra }));
  const app = await buildApp(core);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  core.startWorkers((err) => {
    throw err;
  });
  return { core, app, url };
}

async function stop(r: Running): Promise<void> {
  await r.app.close();
  await r.core.close();
}

const states = async (core: Core, tenantId: string, ids: string[]) =>
  Promise.all(ids.map(async (id) => (await core.services.webhooks.instance(tenantId, id))?.state));

describe('webhook deliveries across a restart', () => {
  let receiver: Receiver | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await receiver?.close();
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const backends = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  it.each(backends)('on %s, a server stopped between attempts loses nothing and another sends nothing twice', async (backend) => {
    let dbEnv: Record<string, string>;
    if (backend === 'postgres') {
      const pgdb = await freshPostgres();
      cleanup.push(pgdb.drop);
      dbEnv = { DATABASE_URL: pgdb.url };
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-webhooks-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      await migratedDataDir(dir);
      dbEnv = { GATEHOUSE_DATA_DIR: dir };
    }
    let current = await start(dbEnv);
    receiver = await startReceiver(() => `${current.url}/auth/v1/jwks`);
    let stopped!: () => void;
    const firstServerGone = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    // Two failures while the first server runs; the next attempt waits until it has stopped.
    receiver.answer = async (_d, n) => {
      if (n <= 2) return { status: 500 };
      await firstServerGone;
      return { status: 200, body: '{}' };
    };
    const tenant = await current.core.services.tenants.ensure('localhost');
    const hook = await current.core.services.webhooks.create(tenant.id, { displayName: 'r', url: receiver.url });
    const inst = await current.core.services.webhooks.test(tenant.id, hook.id);
    await receiver.received(2);
    // Stopping waits for the attempt in flight to be recorded.
    await stop(current);
    // What the database holds between the two servers: the failed attempts, the next one due.
    const between = await createCore(loadConfig({ ...env, ...dbEnv }), { migrate: false });
    expect(await between.services.webhooks.instance(tenant.id, inst.id)).toMatchObject({
      state: 'WEBHOOK_STATE_ERROR',
      attempts: 2,
    });
    await between.close();
    stopped();
    current = await start(dbEnv);
    cleanup.push(() => stop(current));
    await vi.waitFor(async () => expect(await states(current.core, tenant.id, [inst.id])).toEqual(['WEBHOOK_STATE_SUCCESS']), {
      timeout: 20_000,
      interval: 20,
    });
    expect(await current.core.services.webhooks.instance(tenant.id, inst.id)).toMatchObject({ attempts: 3 });
    expect(receiver.deliveries.length).toBe(3);
    for (const d of receiver.deliveries) expect(d.problems).toEqual([]);
    expect(new Set(receiver.deliveries.map((d) => d.body.webhookId))).toEqual(new Set([inst.id]));
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'two servers on one PostgreSQL database send each instance once at a time, and take over a dead claim',
    async () => {
      const pgdb = await freshPostgres();
      cleanup.push(pgdb.drop);
      const dbEnv = { DATABASE_URL: pgdb.url };
      const one = await start(dbEnv);
      cleanup.push(() => stop(one));
      const two = await start(dbEnv);
      cleanup.push(() => stop(two));
      receiver = await startReceiver(`${one.url}/auth/v1/jwks`);
      // Each instance fails once, then succeeds.
      const seen = new Set<string>();
      receiver.answer = (d) => {
        const id = d.body.webhookId as string;
        if (seen.has(id)) return { status: 200, body: '{}' };
        seen.add(id);
        return { status: 503 };
      };
      const svc = one.core.services.webhooks;
      const tenant = await one.core.services.tenants.ensure('localhost');
      const hook = await svc.create(tenant.id, { displayName: 'r', url: receiver.url });
      // A server that claims and dies: its lease (50 ms here) runs out and a live server sends the instance.
      const orphan = await one.core.database.db.transaction(async (tx) => {
        const row = await svc.enqueue(tx, tenant.id, {
          webhookId: hook.id,
          source: { kind: 'test' },
          type: 'c1.webhooks.v1.PayloadTest',
          fields: {},
        });
        await tx.execute(sql`update webhook_instances set lease_owner = 'dead server', lease_until = now() + interval '300 milliseconds',
        state = 'WEBHOOK_STATE_RUNNING' where tenant_id = ${tenant.id} and id = ${row.id}`);
        return row;
      });
      const ids = [orphan.id];
      for (let i = 0; i < 12; i++) ids.push((await (i % 2 ? svc : two.core.services.webhooks).test(tenant.id, hook.id)).id);
      await vi.waitFor(
        async () => expect(new Set(await states(two.core, tenant.id, ids))).toEqual(new Set(['WEBHOOK_STATE_SUCCESS'])),
        {
          timeout: 30_000,
          interval: 50,
        },
      );
      const perInstance = new Map<string, number>();
      for (const d of receiver.deliveries) perInstance.set(d.body.webhookId, (perInstance.get(d.body.webhookId) ?? 0) + 1);
      expect([...perInstance.keys()].sort()).toEqual([...ids].sort());
      expect([...perInstance.values()].every((n) => n === 2)).toBe(true);
      expect(receiver.maxConcurrentPerInstance).toBe(1);
    },
  );
});
