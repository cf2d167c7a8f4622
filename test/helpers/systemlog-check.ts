// Checks every request the suite makes against the system log (docs/systemlog.md): a
// successful write leaves at least one event with its request id, its operation and the
// calling client as actor; a refused one leaves none; a read leaves none. Run by the test
// callers of server.ts after each call, so every test of every route checks it.
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Core } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';

/** Operations that read, whatever their method (searches are POSTs). */
const READ = /\.(Search\w*|List\w*|Get\w*|Validate\w*|Introspect)$/;

type Template = { method: string; re: RegExp; operationId: string };
// Every app of a test process serves the same C1 routes: the first one's document names them
// (app.swagger() builds the whole OpenAPI document, which takes a while).
let templates: Template[] | undefined;

function operationOf(app: Api, method: string, path: string): string | undefined {
  let list = templates;
  if (!list) {
    const doc = app.swagger() as { paths: Record<string, Record<string, { operationId?: string }>> };
    list = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => ({
        method: m.toUpperCase(),
        re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        operationId: op.operationId ?? '',
      })),
    );
    templates = list;
  }
  const bare = path.split('?')[0];
  return list.find((t) => t.method === method && t.re.test(bare))?.operationId;
}

export async function checkSystemLog(
  core: Core,
  app: Api,
  call: {
    method: string;
    path: string;
    body: unknown;
    answer?: unknown;
    status: number;
    requestId: string;
    /** When the request was sent: its events are from transactions that began later. */
    sent: Date;
    clientId: string;
    tenantId: string;
  },
): Promise<void> {
  const op = operationOf(app, call.method, call.path);
  // A 503 (no database connection to be had: the pool-timeout test) leaves nothing to ask the database.
  if (!op?.startsWith('c1.') || call.status === 503) return;
  const rows = (await core.database.db.execute(
    // The caller's tenant, and events from a second before the request on (the time index): the
    // worker's database holds every earlier test file's events, and this tenant's earlier ones.
    sql`select event from system_log_events
        where tenant_id = ${call.tenantId} and time >= ${new Date(call.sent.getTime() - 1000).toISOString()}::timestamptz
          and event->'api'->'request'->>'uid' = ${call.requestId}`,
  )) as unknown as { rows?: { event: Record<string, unknown> }[] } | { event: Record<string, unknown> }[];
  const events = (Array.isArray(rows) ? rows : (rows.rows ?? [])).map(
    (r) => r.event as { api: { operation: string }; actor: { app_uid?: string }; resources?: { uid: string }[] },
  );
  const where = `${call.method} ${call.path} (${op}) answered ${call.status}`;
  if (call.status !== 200 || call.method === 'GET' || READ.test(op)) {
    expect(events, `${where}: no system log event expected`).toEqual([]);
    return;
  }
  // Every successful write call has its event, also one that changed nothing (http/activity.ts).
  expect(events.length, `${where}: a system log event expected`).toBeGreaterThan(0);
  for (const e of events) {
    expect(e.api.operation, where).toBe(op);
    expect(e.actor.app_uid, where).toBe(call.clientId);
  }
  // A create's event names the object it made: one of its resources is an id in the answer (the
  // access-request defaults are the app's, named by the app id in the path: not checked here).
  if (/\.Create\w*$/.test(op) && !op.endsWith('.CreateAppAccessRequestsDefaults')) {
    const answer = JSON.stringify(call.answer ?? {});
    const uids = events.flatMap((e) => (e.resources ?? []).map((r) => r.uid));
    expect(
      uids.some((uid) => answer.includes(`"${uid}"`) && !call.path.includes(uid)),
      `${where}: the event names the created object (${uids.join(', ')})`,
    ).toBe(true);
  }
}
