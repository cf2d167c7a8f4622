// The activity of an API request, for the system log (src/lib/activity.ts): opened when the
// request arrives, so that everything after runs inside it, and completed once the caller is
// known (after authentication) and the body is read (path parameters name the targets, the
// update mask the changed fields).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Activity, currentActivity, isReadOperation, runActivity, type Target } from '../lib/activity.ts';
import { operationOf } from './authorize.ts';

/**
 * First thing on arrival: runs `rest` (the rest of the request) inside an activity. Not a read
 * operation's: reads write no event, and the activity's context costs every request.
 */
export function openActivity(req: FastifyRequest, rest: () => void): void {
  const operation = operationOf(req) ?? '';
  if (isReadOperation(operation)) {
    rest();
    return;
  }
  const activity: Activity = { actor: { kind: 'api' }, operation, requestId: req.id, ip: req.ip };
  runActivity(activity, rest);
}

/** After authentication: the caller. */
export function activityCaller(req: FastifyRequest): void {
  const a = currentActivity();
  if (!a) return;
  const p = req.principal;
  a.tenantId = p.tenantId;
  a.actor = { kind: 'api', userId: p.userId, clientId: p.clientId };
}

/** `app_entitlement` from `app_entitlement_id`; a bare `id` is the operation's own noun (`Apps` → `app`). */
function targetType(param: string, operation: string): string {
  if (param !== 'id') return param.replace(/_id$/, '');
  const service = operation.split('.').slice(-2, -1)[0] ?? 'object';
  const noun = service.replace(/(Service|Search)$/, '').replace(/s$/, '');
  return noun.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Field names that never go into an event, with their values. */
const SECRET = /secret|password|token|credential|private|assertion/i;

/** Before the handler: what an event written without a record() call names and lists. */
export function activityTargets(req: FastifyRequest): void {
  const a = currentActivity();
  if (!a) return;
  const params = (req.params ?? {}) as Record<string, string>;
  a.targets = Object.entries(params).map(([k, v]): Target => ({ type: targetType(k, a.operation), id: v }));
  const body = req.body as Record<string, unknown> | undefined;
  // The users a call names in its body are targets too (whom a grant or a request is for).
  for (const field of ['userIds', 'userId', 'identityUserId']) {
    const v = body?.[field];
    for (const id of Array.isArray(v) ? v : [v]) if (typeof id === 'string' && id) a.targets.push({ type: 'user', id });
  }
  const mask = typeof body?.updateMask === 'string' ? body.updateMask : undefined;
  if (!body || mask === undefined) return;
  // The update's object is the body's one other object field (`app`, `appEntitlement`, ...).
  const object = Object.entries(body).find(([k, v]) => k !== 'updateMask' && v && typeof v === 'object' && !Array.isArray(v));
  const values = (object?.[1] ?? {}) as Record<string, unknown>;
  const changes: Record<string, unknown> = {};
  for (const field of mask
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    if (SECRET.test(field)) continue;
    changes[field] = field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values) ?? null;
  }
  a.changes = changes;
}

/**
 * onSend: a write call that succeeded but logged nothing (it changed nothing, or wrote outside a
 * transaction) gets its event now, before the answer leaves: every successful write has one.
 * A callback hook: most answers (every read's) go on at once, without a promise.
 */
export function activityAfterward(log: { logAfterward(activity: Activity): Promise<void> }) {
  return (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    const a = currentActivity();
    // Only writes have an activity (openActivity).
    if (!a?.operation || reply.statusCode !== 200 || req.method === 'GET') {
      done(null, payload);
      return;
    }
    log.logAfterward(a).then(
      () => done(null, payload),
      (err: Error) => done(err),
    );
  };
}
