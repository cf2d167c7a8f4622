// ListEvents under concurrent writes: a reader that pages with sinceEventUid while others write
// sees every event once, in the log's order. On PostgreSQL the writers really run at once, some
// holding their transaction open after taking its id, so that transactions commit out of order.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activity, record, runActivity } from '../../../src/lib/activity.ts';
import { backends, type Caller, type Res, startServer, type TestServer } from '../../helpers/server.ts';
import { markLog } from './fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: OCSF events
type Ev = any;

async function readAfter(c: Caller, uid: string | undefined): Promise<Ev[]> {
  const out: Ev[] = [];
  let pageToken = '';
  do {
    const r: Res = await c.post('/api/v1/systemlog/events', { ...(uid ? { sinceEventUid: uid } : {}), pageSize: 10, pageToken });
    expect(r.status).toBe(200);
    out.push(...r.body.list);
    pageToken = r.body.nextPageToken;
  } while (pageToken);
  return out;
}

describe.each(backends)('system log paging under concurrent writes on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const activity = (tenantId: string): Activity => ({ tenantId, actor: { kind: 'system' }, operation: 'test.Concurrent.Write' });

  /** A transaction that takes its id first, waits `ms`, then records its change: it commits after later ones. */
  const slowWrite = (tenantId: string, i: number, ms: number) =>
    runActivity(activity(tenantId), () =>
      s.core.database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_current_xact_id()`);
        if (ms > 0) await tx.execute(sql`select pg_sleep(${ms / 1000})`);
        record({ activity: 'other', targets: [{ type: 'test', id: String(i) }] });
      }),
    );

  it('a reader following sinceEventUid while writers commit out of order sees every event once, in order', async () => {
    const c = await s.caller();
    const mark = await markLog(s, c);
    // Four chains of API writes and four of slow transactions at once: fewer than the pool's
    // connections, so that the reader runs between them and slow transactions commit after later ones.
    const CHAINS = 4;
    const PER_CHAIN = 6;
    const API_WRITES = CHAINS * PER_CHAIN;
    const SLOW_WRITES = CHAINS * PER_CHAIN;
    const chain = async (write: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < PER_CHAIN; i++) await write(i);
    };
    let writing = true;
    const writers = Promise.all([
      ...Array.from({ length: CHAINS }, (_, k) =>
        chain(async (i) => {
          const r = await c.post('/api/v1/apps', { displayName: `C${k}-${i}` });
          expect(r.status).toBe(200);
        }),
      ),
      ...Array.from({ length: CHAINS }, (_, k) => chain((i) => slowWrite(c.tenant.id, k * PER_CHAIN + i, 20 + k * 10))),
    ]).finally(() => {
      writing = false;
    });
    const seen: Ev[] = [];
    let cursor = mark;
    // Read while they write, then until every write is seen (a transaction elsewhere on the
    // server may hold the log back a moment); an event skipped by the cursor is never seen.
    let readsAfter = 0;
    while (writing || (seen.length < API_WRITES + SLOW_WRITES && readsAfter++ < 500)) {
      const page = await readAfter(c, cursor);
      seen.push(...page);
      if (page.length > 0) cursor = page.at(-1).metadata.uid;
    }
    await writers;
    const uids = seen.map((e) => e.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(seen.length).toBe(API_WRITES + SLOW_WRITES);
    // The same events, in the same order, as one read of the whole log afterwards.
    expect((await readAfter(c, mark)).map((e) => e.metadata.uid)).toEqual(uids);
    expect(seen.filter((e) => e.api.operation === 'c1.api.app.v1.Apps.Create')).toHaveLength(API_WRITES);
  });

  it.runIf(backend === 'postgres')(
    'holds back an event while an earlier transaction is still open, then lists both in order',
    async () => {
      const c = await s.caller();
      const mark = await markLog(s, c);
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let started = () => {};
      const hasId = new Promise<void>((r) => {
        started = r;
      });
      const first = runActivity(activity(c.tenant.id), () =>
        s.core.database.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_current_xact_id()`);
          started();
          await gate;
          record({ activity: 'other', targets: [{ type: 'test', id: 'first' }] });
        }),
      );
      await hasId;
      // A later transaction commits first: its event exists, but is not listed while the first is open.
      const later = await c.post('/api/v1/apps', { displayName: 'Later' });
      expect(later.status).toBe(200);
      expect(await readAfter(c, mark)).toEqual([]);
      release();
      await first;
      let events: Ev[] = [];
      while (events.length < 2) events = await readAfter(c, mark);
      expect(events.map((e) => e.api.operation)).toEqual(['test.Concurrent.Write', 'c1.api.app.v1.Apps.Create']);
    },
  );
});
