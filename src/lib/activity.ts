// Who is acting and through what, for the system log. An AsyncLocalStorage holds it for the
// whole of an API request, a CLI command, an import, a sweep or a sync; services describe their
// change with record() and the database's transaction wrapper (modules/systemlog/capture.ts)
// writes what was recorded in the same transaction, just before it commits.
import { AsyncLocalStorage } from 'node:async_hooks';

export type ActorKind = 'api' | 'cli' | 'system';

export type Actor = {
  kind: ActorKind;
  /** The acting person's identity user (none for a service client, the CLI or the system). */
  userId?: string;
  /** The API client (client id) the call came with. */
  clientId?: string;
  /** For the CLI: the operating-system user that ran the command. */
  name?: string;
};

/** One object an event is about: `type` is the noun (`app`, `app_entitlement`, `user`, ...). */
export type Target = { type: string; id: string };

export type ActivityName = 'create' | 'update' | 'delete' | 'other';

/** What a service says it changed; `tenantId` when it is not the activity's (a new tenant). */
export type Change = {
  activity: ActivityName;
  targets?: Target[];
  /** For updates: the changed fields and their new values (never a secret). */
  changes?: Record<string, unknown>;
  tenantId?: string;
};

export type Activity = {
  /** The tenant acted in; the CLI sets it once the command has chosen its tenant. */
  tenantId?: string;
  actor: Actor;
  /** C1's operation id (`c1.api.app.v1.Apps.Create`) or Gatehouse's (`gatehouse.Import.Users`). */
  operation: string;
  requestId?: string;
  ip?: string;
  /** What an event written without a record() call names: the request's path parameters. */
  targets?: Target[];
  /** What an update event written without a record() call lists (from the request's update mask). */
  changes?: Record<string, unknown>;
  /** Set when a write ran outside any transaction (checkStatement): it has no event. */
  unloggedWrite?: boolean;
  /** Set once an event of this activity has been written (capture.ts). */
  logged?: boolean;
};

/** The events recorded in the transaction running now (cleared when it rolls back). */
export type Frame = { pending: Change[] };

type Store = { activity: Activity; frame?: Frame };

const storage = new AsyncLocalStorage<Store>();

/** Runs `fn` as `activity`: every transaction it commits carries its events. */
export function runActivity<T>(activity: Activity, fn: () => T): T {
  return storage.run({ activity }, fn);
}

/** The activity running now, if any (mutable: hooks complete it as they learn more). */
export function currentActivity(): Activity | undefined {
  return storage.getStore()?.activity;
}

/** For the transaction wrapper: runs `fn` with a new frame collecting the transaction's records. */
export function runInFrame<T>(frame: Frame, fn: () => Promise<T>): Promise<T> {
  const store = storage.getStore();
  if (!store) return fn();
  return storage.run({ activity: store.activity, frame }, fn);
}

/**
 * Records a change made in the current transaction; it is written with the transaction's commit
 * and dropped with its rollback. Outside an activity (tests calling services directly) it does
 * nothing; inside an activity but outside a transaction it is a programming error: the change
 * would be written without its event.
 */
export function record(change: Change): void {
  const store = storage.getStore();
  if (!store) return;
  if (!store.frame) throw new Error(`activity.record outside a transaction (${store.activity.operation})`);
  store.frame.pending.push(change);
}

/**
 * Records the creation of object `type` `id` in the current transaction: its event names the new
 * object first, then the request's other targets (its path parameters: the app it is in, ...).
 */
export function recordCreated(type: string, id: string): void {
  const others = (currentActivity()?.targets ?? []).filter((t) => t.id !== id);
  record({ activity: 'create', targets: [{ type, id }, ...others] });
}

/** `gatehouse.Import.Users` from the CLI's command path `import users`. */
export function cliOperation(command: string): string {
  const words = command.split(/[\s-]+/).filter(Boolean);
  return ['gatehouse', ...words.map((w) => w[0].toUpperCase() + w.slice(1))].join('.');
}

/** Runs `fn` outside any activity: for writes that are not state changes (a client's lastUsedAt touch). */
export function unlogged<T>(fn: () => T): T {
  return storage.exit(fn);
}

const WRITE = /^\s*(insert|update|delete|merge)\b|\b(insert\s+into|delete\s+from)\b|\)\s*update\s/i;

/** Whether a write outside a transaction is refused (tests: GATEHOUSE_SYSTEMLOG_STRICT=1) rather than logged. */
const strict = () => process.env.GATEHOUSE_SYSTEMLOG_STRICT === '1';

/**
 * Sees every statement (the database's query logger): a write made inside an activity but
 * outside a transaction would have no event. Under GATEHOUSE_SYSTEMLOG_STRICT=1 (the test
 * suite) it is refused, so that a test finds it; otherwise the activity is marked
 * (`unloggedWrite`): such a write has no event (a bug to fix by moving it into a transaction).
 */
export function checkStatement(query: string): void {
  const store = storage.getStore();
  if (!store || store.frame || !WRITE.test(query)) return;
  if (strict()) throw new Error(`write outside a transaction in ${store.activity.operation}: ${query.slice(0, 120)}`);
  store.activity.unloggedWrite = true;
}

/** Operations that only read, whatever their HTTP method (searches are POSTs): they write no event. */
export const isReadOperation = (operation: string): boolean =>
  /\.(Search\w*|List\w*|Get\w*|Validate\w*|Introspect)$/.test(operation);
