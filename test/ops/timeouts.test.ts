// A stuck query or handler answers 503 UNAVAILABLE (code 14) instead of hanging,
// and the server is healthy again afterwards.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unavailableError } from '../../src/http/timeouts.ts';
import { ApiError, Code } from '../../src/lib/errors.ts';
import { type Backend, backends, startServer, type TestServer } from '../helpers/server.ts';
import { stuckApp } from '../helpers/stuck-app.ts';

const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe('unavailableError', () => {
  it('maps timeouts and connection failures, wrapped or not, and nothing else', () => {
    const wrap = (cause: unknown) => Object.assign(new Error('Failed query'), { cause });
    const codes = (e: unknown) => unavailableError(e)?.code;
    expect(codes({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe(Code.UNAVAILABLE);
    expect(codes(wrap({ code: '57014' }))).toBe(Code.UNAVAILABLE);
    expect(codes(wrap(new Error('timeout exceeded when trying to connect')))).toBe(Code.UNAVAILABLE);
    expect(codes(wrap(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))).toBe(Code.UNAVAILABLE);
    expect(codes({ code: '08006' })).toBe(Code.UNAVAILABLE);
    expect(codes({ code: '57P01' })).toBe(Code.UNAVAILABLE);
    expect(codes(new Error('Connection terminated unexpectedly'))).toBe(Code.UNAVAILABLE);
    expect(unavailableError(wrap({ code: '23505' }))).toBeUndefined();
    expect(unavailableError(new Error('boom'))).toBeUndefined();
    expect(unavailableError(new ApiError(Code.NOT_FOUND, 'x'))).toBeUndefined();
  });
});

// One core per backend with a 500 ms request timeout, for the two blocks below (a core of its own
// costs a database open): 500 ms is short of a sync upload (seconds), with room for the setup
// requests on a busy machine (a route's first request also compiles its schemas).
const servers = new Map<Backend, Promise<TestServer>>();
function timeoutServer(backend: Backend): Promise<TestServer> {
  let s = servers.get(backend);
  if (!s) {
    s = startServer(backend, { GATEHOUSE_REQUEST_TIMEOUT_MS: '500' });
    servers.set(backend, s);
  }
  return s;
}
afterAll(async () => {
  for (const s of servers.values()) await (await s).close();
});

describe.each(backends)('request timeout on %s', (backend) => {
  it('answers 503 code 14 when a handler takes too long, then keeps serving', async () => {
    const { app, url, release } = await stuckApp((await timeoutServer(backend)).core);
    try {
      const res = await fetch(`${url}/test/stuck`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ code: 14, message: expect.stringContaining('timed out'), details: [] });
      release();
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // A fast request is untouched by the timer.
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      release();
      await app.close();
    }
  });
});

describe.each(backends)('sync routes on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await timeoutServer(backend);
  });

  it('are held to GATEHOUSE_SYNC_TIMEOUT_MS, not the request timeout: an upload longer than it succeeds', async () => {
    const appId = (await s.admin.post('/api/v1/apps', { displayName: 'Slow sync' })).body.app.id;
    const connectorId = (await s.admin.post(`/api/v1/apps/${appId}/connectors/create`, {})).body.connectorView.connector.id;
    const file = new Uint8Array(readFileSync(new URL('../../../shared/baton/samples/expanded.c1z', import.meta.url)));
    const started = performance.now();
    const res = await s.fetch(`/api/v1/apps/${appId}/connectors/${connectorId}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.admin.token}`, 'content-type': 'application/octet-stream' },
      body: file,
    });
    const took = performance.now() - started;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Only meaningful when the upload outlasted the request timeout (it takes seconds here).
    expect(took).toBeGreaterThan(500);
    const again = await s.admin.post(`/api/v1/apps/${appId}/connectors/${connectorId}/force_sync`, {});
    expect(again.status).toBe(200);
  });
});

describe.skipIf(!hasPostgres)('statement timeout on postgres', () => {
  let s: TestServer;
  let locker: pg.Client;
  beforeAll(async () => {
    s = await startServer('postgres', { GATEHOUSE_STATEMENT_TIMEOUT_MS: '500', GATEHOUSE_REQUEST_TIMEOUT_MS: '20000' });
    locker = new pg.Client({ connectionString: s.core.config.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await s?.close();
  });

  it('a query blocked by a row lock answers 503 code 14; afterwards the same update works', async () => {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Locked' })).body.app;
    await locker.query('begin');
    await locker.query('select id from apps where id = $1 for update', [app.id]);
    try {
      const res = await s.admin.post(`/api/v1/apps/${app.id}`, { app: { displayName: 'Changed' }, updateMask: 'displayName' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ code: 14, message: expect.stringContaining('timed out'), details: [] });
    } finally {
      await locker.query('rollback');
    }
    // Nothing was half-done, and the server is fine.
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.displayName).toBe('Locked');
    expect((await s.fetch('/readyz')).status).toBe(200);
    const again = await s.admin.post(`/api/v1/apps/${app.id}`, { app: { displayName: 'Changed' }, updateMask: 'displayName' });
    expect(again.status).toBe(200);
    expect(again.body.app.displayName).toBe('Changed');
  });

  it('a table lock makes creates answer 503 too, and the pool recovers every connection', async () => {
    await locker.query('begin');
    await locker.query('lock table apps in access exclusive mode');
    try {
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => s.admin.post('/api/v1/apps', { displayName: `Blocked ${i}` })),
      );
      for (const r of results) expect([r.status, r.body.code]).toEqual([503, 14]);
    } finally {
      await locker.query('rollback');
    }
    const list = await s.admin.post('/api/v1/search/apps', { query: 'Blocked', pageSize: 100 });
    expect(list.status).toBe(200);
    expect(list.body.list ?? []).toEqual([]);
    expect(s.core.database.poolStats().waiting).toBe(0);
    expect((await s.admin.post('/api/v1/apps', { displayName: 'After the lock' })).status).toBe(200);
  });
});

/** Waits until some session of the database is blocked on a lock (seen from a fresh session). */
async function waitForLockWaiter(url: string): Promise<void> {
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  try {
    for (let i = 0; i < 400; i++) {
      const r = await watcher.query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if (r.rows[0].n > 0) return;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('no session ever waited for the lock');
  } finally {
    await watcher.end();
  }
}

describe.skipIf(!hasPostgres)('pool timeout on postgres', () => {
  let s: TestServer;
  let locker: pg.Client;
  beforeAll(async () => {
    s = await startServer('postgres', {
      GATEHOUSE_DB_POOL_SIZE: '1',
      GATEHOUSE_DB_POOL_TIMEOUT_MS: '200',
      GATEHOUSE_STATEMENT_TIMEOUT_MS: '15000',
    });
    locker = new pg.Client({ connectionString: s.core.config.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await s?.close();
  });

  it('a request that cannot get a connection answers 503 code 14 instead of queueing forever', async () => {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Pool' })).body.app;
    await locker.query('begin');
    await locker.query('select id from apps where id = $1 for update', [app.id]);
    let blocked: Promise<{ status: number }> | undefined;
    try {
      // This update holds the only connection while it waits for the row lock.
      blocked = s.admin.post(`/api/v1/apps/${app.id}`, { app: { description: 'd' }, updateMask: 'description' });
      await waitForLockWaiter(s.core.config.databaseUrl as string);
      const res = await s.admin.get(`/api/v1/apps/${app.id}`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ code: 14, message: expect.stringContaining('connection'), details: [] });
    } finally {
      await locker.query('rollback');
    }
    expect((await blocked)?.status).toBe(200);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).body.app.description).toBe('d');
  });
});
