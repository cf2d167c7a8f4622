// Reading the system log in tests.
import { expect } from 'vitest';
import { record, runActivity } from '../../../src/lib/activity.ts';
import type { Caller, Res, TestServer } from '../../helpers/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: OCSF events are checked field by field
export type Ev = any;

export const EVENTS = '/api/v1/systemlog/events';

/** Every event of the caller's tenant matching `body`, in order, following pages. */
export async function allEvents(c: Caller, body: Record<string, unknown> = {}, pageSize = 100): Promise<Ev[]> {
  const out: Ev[] = [];
  let pageToken = '';
  do {
    const r: Res = await c.post(EVENTS, { ...body, pageSize, pageToken });
    expect(r.status).toBe(200);
    out.push(...r.body.list);
    pageToken = r.body.nextPageToken;
  } while (pageToken);
  return out;
}

/** The events after `uid`. */
export const eventsSince = (c: Caller, uid: string) => allEvents(c, { sinceEventUid: uid });

/**
 * Writes a marker event in the caller's tenant and waits until it is listed; its uid. Every change
 * committed before comes before it in the log (its transaction id is lower), so the events after
 * the mark are exactly those of later changes, even on a PostgreSQL server where other tests'
 * transactions hold the log back for a moment.
 */
export async function markLog(s: TestServer, c: Caller): Promise<string> {
  const marker = `mark-${Math.random().toString(36).slice(2)}`;
  await runActivity({ tenantId: c.tenant.id, actor: { kind: 'system' }, operation: 'test.Mark' }, () =>
    s.core.database.db.transaction(async () => record({ activity: 'other', targets: [{ type: 'test', id: marker }] })),
  );
  for (;;) {
    const found = (await allEvents(c, { sortDirection: 'SORT_DIRECTION_DESC' }, 10)).find(
      (e) => e.resources?.[0]?.uid === marker,
    );
    if (found) return found.metadata.uid;
  }
}
