// The system log (C1's SystemLog.ListEvents): reading the events, the token endpoint's
// authentication events, retention and export.

import type { SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import type { Activity } from '../../lib/activity.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { logAfterward, oneStatementWrite } from './capture.ts';
import { type AuthenticationOutcome, authentication, type OcsfEvent } from './ocsf.ts';
import type { ListEventsRequest } from './schemas.ts';
import * as store from './store.ts';

/** `<xid>.<seq>`: where the event stands in the log's order; `sinceEventUid` is a cursor. */
const uidOf = (p: store.Position) => `${p.xid}.${p.seq}`;

function positionOf(uid: string | undefined, field: string): store.Position | undefined {
  if (!uid) return undefined;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(uid);
  if (!m) throw invalidArgument(`${field}: not an event uid of this log`);
  return { xid: Number(m[1]), seq: Number(m[2]) };
}

function dateOf(v: string | undefined, field: string): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidArgument(`${field}: not a timestamp`);
  return d;
}

/** The event as read: its stored JSON with `time`, `metadata.uid` and the actor's email. */
function toEvent(row: store.EventRow): OcsfEvent {
  const ev = row.event as OcsfEvent & { metadata?: OcsfEvent; actor?: { user?: OcsfEvent } };
  const actor =
    ev.actor && row.actorEmail && ev.actor.user
      ? { ...ev.actor, user: { ...ev.actor.user, email_addr: row.actorEmail } }
      : ev.actor;
  return {
    ...ev,
    time: row.time.getTime(),
    time_dt: row.time.toISOString(),
    metadata: { ...ev.metadata, uid: uidOf(row) },
    ...(actor ? { actor } : {}),
  };
}

const RETENTION_BATCH = 5000;

export class SystemLogService {
  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
  ) {}

  async list(tenantId: string, req: ListEventsRequest, page: PageRequest): Promise<Page<OcsfEvent>> {
    const filter: store.EventFilter = {
      since: dateOf(req.since, 'since'),
      until: dateOf(req.until, 'until'),
      after: positionOf(req.sinceEventUid, 'sinceEventUid'),
      upTo: positionOf(req.untilEventUid, 'untilEventUid'),
      cursor: positionOf(page.after, 'pageToken'),
      descending: req.sortDirection === 'SORT_DIRECTION_DESC',
    };
    const rows = await store.listEvents(this.db, tenantId, filter, page.size + 1);
    const p = toPage(rows, page.size, uidOf);
    return { list: p.list.map(toEvent), nextPageToken: p.nextPageToken };
  }

  /** Every event of the tenant from `since` to `until`, in order, a page at a time (the CLI's export). */
  async *export(tenantId: string, since: Date, until?: Date): AsyncGenerator<OcsfEvent> {
    let cursor: store.Position | undefined;
    for (;;) {
      const rows = await store.listEvents(this.db, tenantId, { since, until, cursor, descending: false }, 500);
      for (const row of rows) yield toEvent(row);
      if (rows.length < 500) return;
      cursor = rows[rows.length - 1];
    }
  }

  /** A token request's outcome, as its own statement (the token endpoint changes nothing else worth a transaction). */
  async authentication(tenantId: string, outcome: AuthenticationOutcome): Promise<void> {
    await store.insertEvents(this.db, [{ tenantId, actorUserId: outcome.userId, event: authentication(outcome) }]);
  }

  /** The event of a successful write call that logged none (see capture.ts logAfterward). */
  logAfterward(activity: Activity): Promise<void> {
    return logAfterward(this.db, activity);
  }

  /** A write that is one statement carrying its own event (see capture.ts oneStatementWrite). */
  oneStatementWrite<T>(run: (events: (when: SQL) => SQL) => Promise<T>, wentAhead: (result: T) => boolean): Promise<T> {
    return oneStatementWrite(run, wentAhead);
  }

  /** Deletes the events older than the retention period (a background job, in batches). */
  async prune(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await store.deleteOlderThan(this.db, before, RETENTION_BATCH);
      total += n;
      if (n < RETENTION_BATCH) return total;
    }
  }
}
