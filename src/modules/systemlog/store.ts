// SQL of the system log. Events are read in (xid, seq) order and only up to the oldest
// transaction of this database still running (HORIZON): every transaction below it has ended,
// so no event can later appear behind a reader's cursor.
import { and, asc, desc, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { users } from '../../db/schema.ts';
import { systemLogEvents as e } from '../../db/schema-systemlog.ts';

export type NewEvent = { tenantId: string; actorUserId?: string; event: Record<string, unknown>; onlyIfWritten?: boolean };

/**
 * Appends the events in one statement. An event `onlyIfWritten` is kept only when the
 * transaction has written something already (it has a transaction id): a transaction that
 * only read gets no default event. The actor's email is read here, in the same statement.
 */
export async function insertEvents(db: Db, events: NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const res = await db.execute(eventsInsert(events, sql`not r.only_if_written or pg_current_xact_id_if_assigned() is not null`));
  return Number(
    (res as unknown as { rowCount?: number | null; affectedRows?: number }).rowCount ??
      (res as { affectedRows?: number }).affectedRows ??
      0,
  );
}

/**
 * The INSERT of `events` (none is fine) keeping those for which `when` holds (`r` is the event):
 * a statement of its own, or a data-modifying CTE of a write that is one statement. Its text
 * does not depend on the events, so a statement holding it can be prepared once.
 */
export function eventsInsert(events: NewEvent[], when: SQL): SQL {
  const rows = JSON.stringify(
    events.map((v) => ({
      tenant_id: v.tenantId,
      actor_user_id: v.actorUserId ?? null,
      event: v.event,
      only_if_written: !!v.onlyIfWritten,
    })),
  );
  return sql`
    insert into ${e} (tenant_id, actor_email, event)
    select r.tenant_id,
      (select u.email from ${users} u where u.tenant_id = r.tenant_id and u.id = r.actor_user_id),
      r.event
    from jsonb_to_recordset(${rows}::jsonb) as r(tenant_id text, actor_user_id text, event jsonb, only_if_written boolean)
    where ${when}`;
}

export type Position = { xid: number; seq: number };
export type EventRow = Position & { time: Date; actorEmail: string | null; event: Record<string, unknown> };

export type EventFilter = {
  since?: Date;
  until?: Date;
  /** Exclusive: events after this one. */
  after?: Position;
  /** Inclusive: events up to this one. */
  upTo?: Position;
  /** The page cursor: events beyond it in the reading direction. */
  cursor?: Position;
  descending: boolean;
};

/**
 * The log's horizon for this statement: the oldest transaction its snapshot saw running, or the
 * next transaction id when none was. Transactions of other databases on the same server (as
 * pg_stat_activity shows them) are left out, so that an idle transaction elsewhere does not hold
 * this log back; one whose database cannot be seen (another role's, without pg_read_all_stats)
 * still counts.
 */
const HORIZON = sql`(
  select coalesce(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
  from pg_snapshot_xip(pg_current_snapshot()) as x
  where x::text::bigint not in (
    select a.backend_xid::text::bigint from pg_stat_activity a
    where a.backend_xid is not null and a.datname is distinct from current_database()
  )
)`;

const pos = (p: Position) => sql`(${p.xid}::bigint, ${p.seq}::bigint)`;
const key = sql`(${e.xid}, ${e.seq})`;

export async function listEvents(db: Db, tenantId: string, f: EventFilter, limit: number): Promise<EventRow[]> {
  const conds: (SQL | undefined)[] = [
    sql`${e.tenantId} = ${tenantId}`,
    sql`${e.xid} < ${HORIZON}`,
    f.since ? gte(e.time, f.since) : undefined,
    f.until ? lt(e.time, f.until) : undefined,
    f.after ? sql`${key} > ${pos(f.after)}` : undefined,
    f.upTo ? sql`${key} <= ${pos(f.upTo)}` : undefined,
    f.cursor ? (f.descending ? sql`${key} < ${pos(f.cursor)}` : sql`${key} > ${pos(f.cursor)}`) : undefined,
  ];
  const dir = f.descending ? desc : asc;
  return db
    .select({ xid: e.xid, seq: e.seq, time: e.time, actorEmail: e.actorEmail, event: e.event })
    .from(e)
    .where(and(...conds))
    .orderBy(dir(e.xid), dir(e.seq))
    .limit(limit);
}

/** Deletes up to `batch` events older than `before`, in any tenant; says how many. */
export async function deleteOlderThan(db: Db, before: Date, batch: number): Promise<number> {
  const old = db.select({ t: e.tenantId, x: e.xid, s: e.seq }).from(e).where(lt(e.time, before)).limit(batch);
  const gone = await db.delete(e).where(sql`(${e.tenantId}, ${e.xid}, ${e.seq}) in (${old})`).returning({ seq: e.seq });
  return gone.length;
}
