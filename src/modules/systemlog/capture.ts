// Writes each activity's events in the transaction of its change. The Db's `transaction` is
// wrapped once (core.ts): when the callback of an outermost transaction run inside an activity
// returns, the changes recorded during it (activity.record) are inserted in one statement
// before COMMIT; a rollback drops them with the change. When nothing was recorded, an event
// is written from the operation id and the request's path parameters, but only if the
// transaction wrote something (a read-only transaction has no transaction id).
import type { SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { type Activity, type Change, currentActivity, type Frame, runInFrame, unlogged } from '../../lib/activity.ts';
import { activityOfOperation, apiActivity } from './ocsf.ts';
import { eventsInsert, insertEvents, type NewEvent } from './store.ts';

function eventsOf(activity: Activity, pending: Change[]): NewEvent[] {
  const actorUserId = activity.actor.userId;
  if (pending.length === 0) {
    if (!activity.tenantId) return [];
    const change: Change = { activity: activityOfOperation(activity.operation), targets: activity.targets };
    if (change.activity === 'update' && activity.changes) change.changes = activity.changes;
    return [{ tenantId: activity.tenantId, actorUserId, event: apiActivity(activity, change), onlyIfWritten: true }];
  }
  return pending.flatMap((c) => {
    const tenantId = c.tenantId ?? activity.tenantId;
    return tenantId ? [{ tenantId, actorUserId, event: apiActivity(activity, c) }] : [];
  });
}

type Transaction = Db['transaction'];

export function captureEvents(db: Db): void {
  const original: Transaction = db.transaction.bind(db);
  const wrapped = (cb: Parameters<Transaction>[0], config?: Parameters<Transaction>[1]) => {
    const activity = currentActivity();
    if (!activity) return original(cb, config);
    const frame: Frame = { pending: [] };
    let written = 0;
    return runInFrame(frame, async () => {
      const result = await original(async (tx) => {
        const r = await cb(tx);
        written = await insertEvents(tx as Db, eventsOf(activity, frame.pending));
        return r;
      }, config);
      if (written > 0) activity.logged = true;
      return result;
    });
  };
  db.transaction = wrapped as Transaction;
}

/**
 * A successful API write whose transactions logged nothing (it changed nothing: an update to the
 * values already there, or a write that ran outside a transaction) still gets its event, written
 * after the fact: the log has one for every write call that succeeded.
 */
export async function logAfterward(db: Db, activity: Activity): Promise<void> {
  if (activity.logged || !activity.tenantId) return;
  const change: Change = { activity: activityOfOperation(activity.operation), targets: activity.targets };
  if (change.activity === 'update' && activity.changes) change.changes = activity.changes;
  const event = apiActivity(activity, change);
  const tenantId = activity.tenantId;
  // Its own statement, on purpose: unlogged keeps the strict check from taking it for an unlogged write.
  await unlogged(() => insertEvents(db, [{ tenantId, actorUserId: activity.actor.userId, event }]));
  activity.logged = true;
}

/**
 * A write that is ONE statement (its own implicit transaction: no BEGIN, no COMMIT, one round
 * trip) and carries its event itself. `run` gets `events(when)`: the INSERT of the activity's
 * event, to put in the statement as a data-modifying CTE, kept when `when` holds (a condition on
 * the statement's other CTEs: it went ahead). Its text is the same with or without an activity,
 * so the statement can be prepared. `wentAhead(result)` tells this of the result: the activity
 * then counts as logged. No record() inside: the event is decided before the statement runs.
 */
export async function oneStatementWrite<T>(
  run: (events: (when: SQL) => SQL) => Promise<T>,
  wentAhead: (result: T) => boolean,
): Promise<T> {
  const activity = currentActivity();
  const events = activity ? eventsOf(activity, []) : [];
  // A frame, so that the strict check (checkStatement) takes the statement for the logged write it is.
  const frame: Frame = { pending: [] };
  const result = await runInFrame(frame, () => run((when) => eventsInsert(events, when)));
  if (frame.pending.length > 0) throw new Error('activity.record inside a one-statement write: its event is not written');
  if (activity && events.length > 0 && wentAhead(result)) activity.logged = true;
  return result;
}
