// Time in the engine: when a wait step ends or times out, when an approval escalates, and the
// task's next due time (the `due_at` column the background worker polls). Pure functions of a
// step instance and the clock, so the worker and the actions decide alike.
import type { StoredPolicyInstance } from '../../db/schema-tasks.ts';
import type { PolicyStep } from '../policies/schemas.ts';
import type { StepInstance } from './engine.ts';

/** A proto Duration's whole seconds ("3600s" → 3600); undefined for none or zero. */
export function durationSeconds(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const n = Math.floor(Number(d.replace(/s$/, '')));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Offset of `tz` from UTC at `at`, in ms (local wall clock minus UTC). */
function offsetMs(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** The first instant after `from` when the clock in `tz` reads hours:minutes (a bad zone counts as UTC). */
export function nextWallClock(from: Date, hours: number, minutes: number, tz = 'UTC'): Date {
  let zone = tz || 'UTC';
  try {
    offsetMs(from, zone);
  } catch {
    zone = 'UTC';
  }
  for (let day = 0; day < 3; day++) {
    const local = new Date(from.getTime() + offsetMs(from, zone) + day * 86_400_000);
    const guess = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hours, minutes);
    // Twice: the offset at the target instant may differ from the guess's (a DST change between).
    let at = guess - offsetMs(new Date(guess), zone);
    at = guess - offsetMs(new Date(at), zone);
    if (at > from.getTime()) return new Date(at);
  }
  return new Date(from.getTime() + 86_400_000);
}

/** The wait instance as stored: C1's WaitInstance plus `until` (when a duration or time-of-day wait ends). */
export type WaitState = {
  name?: string;
  state: string;
  startedWaitingAt?: string;
  timeout?: string;
  timeoutDuration?: string;
  condition?: { condition?: string };
  commentOnFirstWait?: string;
  commentOnTimeout?: string;
  succeeded?: { succeededAt: string };
  timedOut?: { timedOutAt: string };
  skipped?: { skippedAt: string; userId?: string };
  /** Not C1's: the end of a `duration` or `untilTime` wait. */
  until?: string;
};

/** A wait step's instance as it starts at `now`. */
export function startWait(w: NonNullable<PolicyStep['wait']>, now: Date): WaitState {
  const timeout = durationSeconds(w.timeoutDuration);
  let until: Date | undefined;
  const d = durationSeconds(w.duration?.duration);
  if (d) until = new Date(now.getTime() + d * 1000);
  else if (w.untilTime) until = nextWallClock(now, w.untilTime.hours ?? 0, w.untilTime.minutes ?? 0, w.untilTime.timezone);
  return {
    name: w.name,
    state: 'WAIT_INSTANCE_STATE_WAITING',
    startedWaitingAt: now.toISOString(),
    timeoutDuration: w.timeoutDuration || undefined,
    timeout: timeout ? new Date(now.getTime() + timeout * 1000).toISOString() : undefined,
    condition: w.condition?.condition ? { condition: w.condition.condition } : undefined,
    commentOnFirstWait: w.commentOnFirstWait,
    commentOnTimeout: w.commentOnTimeout,
    until: until?.toISOString(),
  };
}

const earliest = (...ts: (string | undefined)[]): Date | null => {
  const ms = ts.filter((t): t is string => !!t).map((t) => Date.parse(t));
  return ms.length ? new Date(Math.min(...ms)) : null;
};

/** A waiting manual provision step is checked again this often (a grant made while no hook ran). */
export const MANUAL_RECHECK_MS = 5 * 60_000;

/**
 * When the worker must next look at a task with this snapshot: a condition wait at every pass
 * (`now`), a timed wait at its end or timeout, an approval at its escalation, a manual provision
 * step now and then; null when nothing is timed.
 */
export function dueAt(inst: StoredPolicyInstance, now: Date): Date | null {
  const cur = inst.current as StepInstance | undefined;
  if (!cur) return null;
  if (cur.wait) return cur.wait.condition ? now : earliest(cur.wait.until, cur.wait.timeout);
  const esc = cur.approval?.escalationInstance;
  if (esc && !esc.alreadyEscalated) return earliest(esc.expiresAt);
  if (cur.provision?.state === 'PROVISION_INSTANCE_STATE_WAITING') return new Date(now.getTime() + MANUAL_RECHECK_MS);
  return null;
}
