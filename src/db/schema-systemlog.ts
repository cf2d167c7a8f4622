// The system log (C1's SystemLog): one OCSF event per state change, appended in the same
// transaction as the change. `xid` is the writing transaction's id and `seq` a per-row serial:
// readers return only events whose transaction is below every transaction still running (see
// modules/systemlog/store.ts), ordered by (xid, seq), so a cursor never passes an event that
// commits later. The event JSON is stored without `time` and `metadata.uid`, which come from
// the columns.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { tenants } from './schema.ts';

export const systemLogEvents = pgTable(
  'system_log_events',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    xid: bigint('xid', { mode: 'number' }).notNull().default(sql`(pg_current_xact_id()::text)::bigint`),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /** When the writing transaction started (now()): the event's OCSF `time`. */
    time: ts('time').notNull().defaultNow(),
    /** The acting user's email when the event was written (the event names the user by id). */
    actorEmail: text('actor_email'),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.xid, t.seq] }),
    // Retention deletes by age across tenants.
    index('system_log_events_time_idx').on(t.time),
  ],
);
